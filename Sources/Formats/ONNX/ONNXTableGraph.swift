// A table model's ONNX graph takes raw rows: one input per column, as the CSV file holds it, and
// does mlp's encoding of the columns itself (what Tables' TableEncoder does, described here without
// that module). Per column, in the encoder's column order (opset 17 and ai.onnx.ml 3):
//   numeric      float [batch, 1], NaN when missing
//                → Imputer (ai.onnx.ml: NaN → the column's fill value; only when the model has one)
//                → Scaler (ai.onnx.ml: (x − mean)·(1/std), mlp's own arithmetic)
//   categorical  string [batch, 1], "" when missing (the model's other missing markers, NA, ? …, too)
//                → LabelEncoder (ai.onnx.ml: a missing marker → the fill category, a training
//                  category → itself, anything else → ""; only when the model has a fill value)
//                → OneHotEncoder (ai.onnx.ml: the training categories, sorted; zeros = 1, so an unseen
//                  category is all zeros, as mlp encodes it) → Flatten to [batch, categories]
//   date         double [batch, 1]: seconds since 1970-01-01T00:00:00Z (UTC), NaN when missing. ONNX
//                has no operator that parses text, so the caller converts the date (float64: a float32
//                is only exact to 128 s in this century). Where(IsNaN) fills a missing value; then, in
//                float64, (t − mean)/std, and the day of year, day of week and (when the column has a
//                time part) hour of day of the UTC date as sine/cosine pairs, the calendar computed
//                with integer arithmetic on days (Howard Hinnant's civil-from-days); Cast to float.
// The blocks are joined (Concat, axis 1) into the features the network takes, and the network is
// written as for an image model (ONNXGraphBuilder). Outputs:
//   classification  label [batch]: ArgMax of the probabilities (the first class on ties, as mlp
//                   predict), then Gather from the labels: int64 when every label is an integer
//                   written as such ("0", "1", "-3"), string otherwise;
//                   probabilities [batch, classes]: softmax or sigmoid (or the outputs themselves)
//   regression      values [batch, targets], in the targets' units
// A missing value where the model has no fill value: mlp refuses the row; a graph cannot fail one
// row, so the row's probabilities or values are NaN (a NaN numeric or date value propagates, and a
// missing category adds NaN to its one-hot block); its label is then meaningless.

extension ONNXExport {
    /// The `ai.onnx.ml` operator set a table graph imports: 3 (ONNX 1.12, with opset 17).
    public static let mlOpsetVersion = 3
    static let mlDomain = "ai.onnx.ml"

    /// A table model's input columns, as its encoder describes them.
    public struct Table: Sendable {
        public enum Column: Sendable {
            /// (x − mean)/std; `impute` fills a missing value (nil: none).
            case numeric(name: String, mean: Float, std: Float, impute: Float?)
            /// One-hot over `categories`; `impute` (one of them) fills a missing value (nil: none).
            case categorical(name: String, categories: [String], impute: String?)
            /// A date as seconds since 1970-01-01T00:00:00Z: (t − mean)/std, then sin and cos of the day
            /// of year, of the day of week and, when `hours`, of the hour of day; `impute` (seconds)
            /// fills a missing value (nil: none).
            case date(name: String, mean: Double, std: Double, impute: Double?, hours: Bool)

            public var name: String {
                switch self {
                case .numeric(let n, _, _, _), .categorical(let n, _, _), .date(let n, _, _, _, _): return n
                }
            }

            /// Encoded features.
            public var width: Int {
                switch self {
                case .numeric: return 1
                case .categorical(_, let c, _): return c.count
                case .date(_, _, _, _, let hours): return hours ? 7 : 5
                }
            }

            var kind: String {
                switch self {
                case .numeric: return "numeric"
                case .categorical: return "categorical"
                case .date: return "date"
                }
            }

            var elementType: ONNXDataType {
                switch self {
                case .numeric: return .float
                case .categorical: return .string
                case .date: return .double
                }
            }

            var hasFill: Bool {
                switch self {
                case .numeric(_, _, _, let i): return i != nil
                case .categorical(_, _, let i): return i != nil
                case .date(_, _, _, let i, _): return i != nil
                }
            }
        }

        public var columns: [Column]
        /// The text values a categorical input takes as missing ("" always).
        public var missingMarkers: [String]

        public init(columns: [Column], missingMarkers: [String] = ["", "NA", "?"]) {
            self.columns = columns
            self.missingMarkers = missingMarkers.contains("") ? missingMarkers : [""] + missingMarkers
        }

        public var width: Int { columns.reduce(0) { $0 + $1.width } }
    }

    /// What a table graph returns.
    public enum TableOutput: Sendable {
        /// `label` and `probabilities` (`probabilities` is .softmax, .sigmoid or .identity: how the
        /// last layer's values become what mlp predict reports).
        case classes(labels: [String], probabilities: Output)
        /// `values`: the last layer's values·std + mean.
        case values(columns: [String], mean: [Float], std: [Float])
        /// `probabilities`: a multi-label model's sigmoid per target column.
        case labels(columns: [String])
    }

    /// The unit a date input takes, as the metadata and the inputs' descriptions state it.
    public static let dateUnit = "seconds since 1970-01-01T00:00:00Z (UTC), as a double"

    /// The graph input names of `columns`: each name with every character other than an ASCII letter,
    /// digit or underscore replaced by `_` (and `_` in front of a leading digit), made distinct from
    /// the names before it and from `reserved` with a suffix `_2`, `_3`, …
    public static func inputNames(_ columns: [String], reserved: Set<String> = []) -> [String] {
        var used = reserved
        var out: [String] = []
        for column in columns {
            var base = String(
                String.UnicodeScalarView(
                    column.unicodeScalars.map { s in
                        s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "_") ? s : "_"
                    }))
            if base.isEmpty || ("0"..."9").contains(base.unicodeScalars.first!) { base = "_" + base }
            var name = base
            var k = 1
            while used.contains(name) {
                k += 1
                name = base + "_\(k)"
            }
            used.insert(name)
            out.append(name)
        }
        return out
    }

    /// The ONNX file's bytes for a table model: one input per column, the encoding, the network and
    /// the outputs above. `metadata` goes first into metadata_props, then the inputs' description.
    public static func onnxModel(
        table: Table, layers: [Layer], output: TableOutput, metadata: [(String, String)], options: Options = Options()
    ) throws(ONNXExportError) -> [UInt8] {
        let message = try model(table: table, layers: layers, output: output, metadata: metadata, options: options).message
        guard message.byteCount < 1 << 31 else {
            throw ONNXExportError("the ONNX file would be \(message.byteCount) bytes; files of 2 GiB or more are not supported")
        }
        return message.serialized()
    }

    /// The same model as values, before serialization.
    public static func model(
        table: Table, layers: [Layer], output: TableOutput, metadata: [(String, String)], options: Options = Options()
    ) throws(ONNXExportError) -> ONNXModelFile {
        guard !table.columns.isEmpty else { throw ONNXExportError("the table has no input columns") }
        let outputNames: [String]
        switch output {
        case .classes: outputNames = ["label", "probabilities"]
        case .labels: outputNames = ["probabilities"]
        case .values: outputNames = ["values"]
        }
        let names = inputNames(table.columns.map(\.name), reserved: Set(outputNames))
        var builder = ONNXGraphBuilder(reserving: names + outputNames, options: options)
        try builder.addTableInputs(table, names: names)
        for step in try ONNXGraphBuilder.plan(layers, fold: options.foldBatchNorm) { try builder.add(step) }
        try builder.addTableOutput(output)

        var inputs: [JSONValue] = []
        for (c, name) in zip(table.columns, names) {
            var members: [(String, JSONValue)] = [
                ("name", JSONValue(name)), ("column", JSONValue(c.name)), ("type", JSONValue(c.kind)),
                ("element_type", JSONValue(c.elementType.name)),
            ]
            if case .date = c { members.append(("unit", JSONValue(dateUnit))) }
            inputs.append(.object(members))
        }
        var notes = metadata + [("inputs", JSONValue.array(inputs).serialized())]
        let markers = table.missingMarkers.map { JSONValue($0).serialized() }.joined(separator: ", ")
        let filled = table.columns.allSatisfy(\.hasFill)
        notes.append(
            (
                "missing_values",
                "NaN in a float or double input; \(markers) in a string input; "
                    + (filled
                        ? "filled with the training rows' values"
                        : table.columns.contains(where: \.hasFill)
                            ? "filled with the training rows' values where the model has one, otherwise the row's outputs are NaN"
                            : "the model has no fill values: a row with a missing value gets NaN outputs")
            ))
        if table.columns.contains(where: {
            if case .date = $0 { return true }
            return false
        }) {
            notes.append(
                (
                    "dates",
                    "a date column is a double input: \(dateUnit); ONNX parses no text, so the caller converts the date. "
                        + "The graph computes the elapsed time and the day of year, day of week and hour of day (sine and cosine) of the UTC date."
                ))
        }
        var file = ONNXModelFile(
            irVersion: irVersion, opsetVersion: opsetVersion, producerName: "mlp", producerVersion: options.producerVersion,
            docString: "A multi-layer perceptron exported by mlp, with its table encoding: one input per column.",
            graph: builder.graph, metadata: notes)
        file.otherOpsets = [(mlDomain, mlOpsetVersion)]
        return file
    }
}

extension ONNXDataType {
    /// The type's name as ONNX writes it (tensor(float) → "float").
    var name: String {
        switch self {
        case .float: return "float"
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .int32: return "int32"
        case .int64: return "int64"
        case .string: return "string"
        case .bool: return "bool"
        case .double: return "double"
        }
    }
}

extension ONNXGraphBuilder {
    /// Declares one input per column, encodes each and joins them: `current` is then the
    /// [batch, table.width] float features.
    mutating func addTableInputs(_ table: ONNXExport.Table, names: [String]) throws(ONNXExportError) {
        var blocks: [String] = []
        let ml = ONNXExport.mlDomain
        for (column, name) in zip(table.columns, names) {
            let p = "columns." + name
            let dims: [ONNXValueInfo.Dimension] = [.symbol(options.batchDimension), .size(1)]
            switch column {
            case .numeric(let columnName, let mean, let std, let impute):
                guard mean.isFinite, std.isFinite, std > 0, impute?.isFinite ?? true else {
                    throw ONNXExportError(
                        "column '\(columnName)': mean \(mean), std \(std), fill value \(impute.map { "\($0)" } ?? "none"); expected finite numbers and std > 0"
                    )
                }
                graph.inputs.append(
                    ONNXValueInfo(
                        name: name, elementType: .float, shape: dims,
                        docString: "column '\(columnName)' (numeric): float, NaN when missing"))
                var x = name
                if let impute {
                    x = node(
                        "Imputer", p, [x],
                        [
                            ONNXAttribute("imputed_value_floats", .floats([impute])),
                            ONNXAttribute("replaced_value_float", .float(.nan)),
                        ], domain: ml)
                }
                blocks.append(
                    node(
                        "Scaler", p, [x], [ONNXAttribute("offset", .floats([mean])), ONNXAttribute("scale", .floats([1 / std]))],
                        domain: ml))
            case .categorical(let columnName, let categories, let impute):
                guard !categories.isEmpty, Set(categories).count == categories.count else {
                    throw ONNXExportError("column '\(columnName)': \(categories.count) categories, expected at least one, each once")
                }
                if let impute, !categories.contains(impute) {
                    throw ONNXExportError("column '\(columnName)': the fill category '\(impute)' is not one of its categories")
                }
                graph.inputs.append(
                    ONNXValueInfo(
                        name: name, elementType: .string, shape: dims,
                        docString: "column '\(columnName)' (categorical): string, \"\" when missing"))
                let markers = table.missingMarkers
                // A missing marker is never a category (mlp reads it as missing).
                let known = categories.filter { !markers.contains($0) }
                var x = name
                if let impute {
                    x = node(
                        "LabelEncoder", p, [x],
                        [
                            ONNXAttribute("keys_strings", .strings(markers + known)),
                            ONNXAttribute("values_strings", .strings(Array(repeating: impute, count: markers.count) + known)),
                            ONNXAttribute("default_string", .string("")),
                        ], domain: ml)
                }
                let oneHot = node(
                    "OneHotEncoder", p, [x], [ONNXAttribute("cats_strings", .strings(categories)), ONNXAttribute("zeros", .int(1))],
                    domain: ml)
                var block = node("Flatten", p, [oneHot], [ONNXAttribute("axis", .int(1))])
                if impute == nil {
                    let poison = node(
                        "LabelEncoder", p, [name],
                        [
                            ONNXAttribute("keys_strings", .strings(markers)),
                            ONNXAttribute("values_floats", .floats(Array(repeating: .nan, count: markers.count))),
                            ONNXAttribute("default_float", .float(0)),
                        ], domain: ml)
                    block = node("Add", p, [block, poison])
                }
                blocks.append(block)
            case .date(let columnName, let mean, let std, let impute, let hours):
                guard mean.isFinite, std.isFinite, std > 0, impute?.isFinite ?? true else {
                    throw ONNXExportError(
                        "column '\(columnName)': mean \(mean), std \(std), fill value \(impute.map { "\($0)" } ?? "none"); expected finite numbers and std > 0"
                    )
                }
                graph.inputs.append(
                    ONNXValueInfo(
                        name: name, elementType: .double, shape: dims,
                        docString: "column '\(columnName)' (date): \(ONNXExport.dateUnit), NaN when missing"))
                blocks.append(dateFeatures(name, p, mean: mean, std: std, impute: impute, hours: hours))
            }
        }
        current = blocks.count == 1 ? blocks[0] : node("Concat", "columns", blocks, [ONNXAttribute("axis", .int(1))])
        width = table.width
    }

    /// The date features of the double input `t`, as float [batch, 5 or 7]: (t − mean)/std, then sin
    /// and cos of 2π·(doy − 1)/365.2425 (doy 1…366), of 2π·dow/7 (Monday 0 … Sunday 6) and, when
    /// `hours`, of 2π·h/24 (h the seconds of the UTC day / 3600).
    private mutating func dateFeatures(_ t: String, _ p: String, mean: Double, std: Double, impute: Double?, hours: Bool) -> String {
        func double(_ name: String, _ v: Double) -> String { constant(p + "." + name, [], .double([v])) }
        func int64(_ name: String, _ v: Int64) -> String { constant(p + "." + name, [], .int64([v])) }
        func cast(_ x: String, _ type: ONNXDataType) -> String { node("Cast", p, [x], [ONNXAttribute("to", .int(type.rawValue))]) }

        var filled = t
        if let impute { filled = node("Where", p, [node("IsNaN", p, [t]), double("fill", impute), t]) }
        // 0 for a finite time, NaN for a missing or infinite one: added to every feature, so that such
        // a row's outputs are NaN, while the calendar below works on a finite stand-in (0).
        let poison = node("Sub", p, [filled, filled])
        let finite = node("Where", p, [node("IsNaN", p, [poison]), double("zero", 0), filled])
        // ±10¹⁴ s (±3 million years) keeps the integer arithmetic inside int64.
        let time = node("Clip", p, [finite, double("earliest", -1e14), double("latest", 1e14)])
        let elapsed = node("Div", p, [node("Sub", p, [filled, double("mean", mean)]), double("std", std)])

        // Whole seconds, split into days since 1970-01-01 and seconds of the day (floored: a time
        // before 1970 falls on the day before, at a second of the day in 0..<86400).
        let floored = node("Floor", p, [time])
        let seconds = cast(floored, .int64)
        let secondOfDay = node("Mod", p, [seconds, int64("seconds_per_day", 86400)])
        let days = node("Div", p, [node("Sub", p, [seconds, secondOfDay]), int64("seconds_per_day", 86400)])
        // Day of week: 1970-01-01 was a Thursday (3, counting Monday as 0).
        let dow = node("Mod", p, [node("Add", p, [days, int64("thursday", 3)]), int64("week", 7)])
        // Day of year (Hinnant's civil_from_days): days since 0000-03-01, the day of the 400-year era,
        // the year of the era and the day of the year counted from March 1; every value from here
        // on is ≥ 0, so ONNX's truncating integer Div is a floor.
        let z = node("Add", p, [days, int64("march_0000", 719_468)])
        let doe = node("Mod", p, [z, int64("era_days", 146_097)])
        func div(_ x: String, _ d: Int64) -> String { node("Div", p, [x, int64("d\(d)", d)]) }
        let yoeDays = node("Sub", p, [node("Add", p, [node("Sub", p, [doe, div(doe, 1460)]), div(doe, 36524)]), div(doe, 146_096)])
        let yoe = div(yoeDays, 365)
        let yearStart = node("Sub", p, [node("Add", p, [node("Mul", p, [yoe, int64("d365", 365)]), div(yoe, 4)]), div(yoe, 100)])
        let dayFromMarch = node("Sub", p, [doe, yearStart])  // 0 = March 1 … 305 = Dec 31, 306 = Jan 1 … 365
        // The March-based year of the era is the civil year of March…December: a leap year when
        // divisible by 4 and not by 100, or by 400 (within an era: year 0 of it).
        func isZero(_ x: String) -> String { node("Equal", p, [x, int64("zero", 0)]) }
        let leap = node(
            "Or", p,
            [
                node(
                    "And", p,
                    [isZero(node("Mod", p, [yoe, int64("d4", 4)])), node("Not", p, [isZero(node("Mod", p, [yoe, int64("d100", 100)]))])]),
                isZero(yoe),
            ])
        let marchToDecember = node("Add", p, [node("Add", p, [dayFromMarch, int64("jan_feb", 60)]), cast(leap, .int64)])
        let januaryFebruary = node("Sub", p, [dayFromMarch, int64("jan_1", 305)])
        let doy = node("Where", p, [node("Less", p, [dayFromMarch, int64("jan_1_from_march", 306)]), marchToDecember, januaryFebruary])

        func sinCos(_ angle: String) -> [String] { [node("Sin", p, [angle]), node("Cos", p, [angle])] }
        let yearAngle = node(
            "Mul", p, [node("Sub", p, [cast(doy, .double), double("one", 1)]), double("year_radians", 2 * .pi / 365.2425)])
        let weekAngle = node("Mul", p, [cast(dow, .double), double("week_radians", 2 * .pi / 7)])
        var features = [elapsed] + sinCos(yearAngle) + sinCos(weekAngle)
        if hours {
            let second = node("Add", p, [cast(secondOfDay, .double), node("Sub", p, [time, floored])])
            features += sinCos(node("Mul", p, [second, double("day_radians", 2 * .pi / 86400)]))
        }
        let joined = node("Concat", p, features, [ONNXAttribute("axis", .int(1))])
        return cast(node("Add", p, [joined, poison]), .float)
    }

    /// The outputs: `label` and `probabilities`, or `values`.
    mutating func addTableOutput(_ output: ONNXExport.TableOutput) throws(ONNXExportError) {
        let batch = ONNXValueInfo.Dimension.symbol(options.batchDimension)
        switch output {
        case .classes(let labels, let probabilities):
            guard labels.count == width else {
                throw ONNXExportError("\(labels.count) labels for \(width) outputs")
            }
            switch probabilities {
            case .softmax, .sigmoid, .identity: break
            case .unstandardize: throw ONNXExportError("a classification's probabilities cannot be unstandardized")
            }
            try applyTemperatureIfProbabilities(probabilities)
            let classes = width
            let probs: String
            switch probabilities {
            case .softmax: probs = node("Softmax", "output", [current], [ONNXAttribute("axis", .int(-1))], output: "probabilities")
            case .sigmoid: probs = node("Sigmoid", "output", [current], output: "probabilities")
            default: probs = node("Identity", "output", [current], output: "probabilities")
            }
            let index: String
            if let d = options.binaryDecision, classes == 2 {
                // label = positive when P(positive) ≥ threshold, else the other class
                let column = node(
                    "Gather", "output", [probs, constant("output.positive_class", [], .int64([Int64(d.positiveClass)]))],
                    [ONNXAttribute("axis", .int(1))])
                let at = node("GreaterOrEqual", "output", [column, constant("output.threshold", [], [d.threshold])])
                let isPositive = node("Cast", "output", [at], [ONNXAttribute("to", .int(ONNXDataType.int64.rawValue))])
                index =
                    d.positiveClass == 1
                    ? isPositive
                    : node("Sub", "output", [constant("output.one", [], .int64([1])), isPositive])
            } else {
                index = node("ArgMax", "output", [probs], [ONNXAttribute("axis", .int(1)), ONNXAttribute("keepdims", .int(0))])
            }
            let integers = labels.compactMap { Int64($0) }
            let numeric = integers.count == labels.count && zip(integers, labels).allSatisfy { String($0) == $1 }
            let table = constant("output.labels", [classes], numeric ? .int64(integers) : .string(labels))
            node("Gather", "output", [table, index], [ONNXAttribute("axis", .int(0))], output: "label")
            graph.outputs = [
                ONNXValueInfo(
                    name: "label", elementType: numeric ? .int64 : .string, shape: [batch],
                    docString: "the most probable class"),
                ONNXValueInfo(
                    name: "probabilities", elementType: .float, shape: [batch, .size(classes)],
                    docString: "per class, in the order of the metadata's labels"),
            ]
            current = probs
        case .values(let columns, let mean, let std):
            guard columns.count == width, mean.count == width, std.count == width else {
                throw ONNXExportError(
                    "\(columns.count) target columns, \(mean.count) means and \(std.count) deviations for \(width) outputs")
            }
            let scaled = node("Mul", "output", [current, constant("output.std", [width], std)])
            current = node("Add", "output", [scaled, constant("output.mean", [width], mean)], output: "values")
            graph.outputs = [
                ONNXValueInfo(
                    name: "values", elementType: .float, shape: [batch, .size(width)],
                    docString: "the targets " + columns.map { "'\($0)'" }.joined(separator: ", ") + " in their units")
            ]
        case .labels(let columns):
            guard columns.count == width else { throw ONNXExportError("\(columns.count) label columns for \(width) outputs") }
            try applyTemperature()
            current = node("Sigmoid", "output", [current], output: "probabilities")
            graph.outputs = [
                ONNXValueInfo(
                    name: "probabilities", elementType: .float, shape: [batch, .size(width)],
                    docString: "per label column (" + columns.map { "'\($0)'" }.joined(separator: ", ")
                        + "): the probability of its second value")
            ]
        }
    }

    private mutating func applyTemperatureIfProbabilities(_ o: ONNXExport.Output) throws(ONNXExportError) {
        switch o {
        case .softmax, .sigmoid: try applyTemperature()
        default: break
        }
    }
}
