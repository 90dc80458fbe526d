// What a model takes as input and what its outputs mean, as the model file records them.
//   input:  pixels (bytes × scale, of rows × cols: IDX, PGM, PNG images), or table rows (CSV, turned
//           into features by the TableEncoder learned from the training file)
//   output: class indices (IDX labels), or what the TargetEncoder says (class labels, or regression
//           targets to bring back to their units)
import Formats
import Model

enum ModelInput: Equatable {
    case pixels(scale: Float, rows: Int, cols: Int)
    case table(TableEncoder, delimiter: UInt8)

    var isTable: Bool { if case .table = self { return true }; return false }
}

enum ModelOutput: Equatable {
    /// Classes numbered from 0, as the labels of IDX files are.
    case classIndices(Int)
    case table(TargetEncoder)

    var task: Task {
        if case .table(let t) = self { return t.task }
        return .classification
    }

    /// The name of class k, as `predict` prints it.
    func label(_ k: Int) -> String {
        if case .table(.classes(_, let labels)) = self { return labels[k] }
        return "\(k)"
    }

    /// A class's name as JSON: the index for IDX models, the label for table models.
    func labelJSON(_ k: Int) -> JSONValue {
        if case .table(.classes(_, let labels)) = self { return JSONValue(labels[k]) }
        return JSONValue(k)
    }
}

// MARK: - JSON, as the model file stores table models' input and output

extension TableEncoder {
    func json(delimiter: UInt8) -> JSONValue {
        let cols: [JSONValue] = columns.map { c in
            switch c {
            case .numeric(let name, let mean, let std, let impute):
                return .object([("name", JSONValue(name)), ("type", "numeric"), ("mean", JSONValue(mean)), ("std", JSONValue(std)),
                                ("impute", impute.map { JSONValue($0) } ?? .null)])
            case .categorical(let name, let categories, let impute):
                return .object([("name", JSONValue(name)), ("type", "categorical"), ("categories", .array(categories.map { JSONValue($0) })),
                                ("impute", impute.map { JSONValue($0) } ?? .null)])
            }
        }
        return .object([("kind", "table"), ("delimiter", JSONValue(String(UnicodeScalar(delimiter))))]
                       + TrainingConfiguration.readingJSON(numbers: numbers, markers: markers)
                       + [("missing", missing.map { JSONValue($0.rawValue) } ?? .null), ("columns", .array(cols))])
    }

    /// Reads what `json(delimiter:)` wrote; `fail` words a complaint about it.
    static func read(_ v: JSONValue, fail: (String) -> CLIError) throws(CLIError) -> (TableEncoder, UInt8) {
        guard case .string("table")? = v["kind"], case .array(let items)? = v["columns"], !items.isEmpty else {
            throw fail("\"input\" is not a table description (kind \"table\" and its columns)")
        }
        guard case .string(let d)? = v["delimiter"], d.utf8.count == 1, let delimiter = d.utf8.first,
              CSVOptions.delimiters.contains(delimiter) else { throw fail("\"input\" has no usable delimiter") }
        let (numbers, markers) = try TrainingConfiguration.reading(v) { fail("\"input\" \($0)") }
        var missing: MissingPolicy?
        if case .string(let m)? = v["missing"] {
            guard let p = MissingPolicy(rawValue: m) else { throw fail("\"input\" missing policy '\(m)' is unknown") }
            missing = p
        }
        func float(_ x: JSONValue?) -> Float? {
            if case .number(let d)? = x, d.isFinite, Float(d).isFinite { return Float(d) }
            return nil
        }
        var columns: [TableEncoder.Column] = []
        var names = Set<String>()
        for item in items {
            guard case .string(let name)? = item["name"], !name.isEmpty, names.insert(name).inserted else {
                throw fail("\"input\" has a column without a name, or a name twice")
            }
            switch item["type"] {
            case .string("numeric")?:
                guard let mean = float(item["mean"]), let std = float(item["std"]), std > 0 else {
                    throw fail("\"input\" column '\(name)' needs a finite mean and a positive std")
                }
                let impute = float(item["impute"])
                if impute == nil, let i = item["impute"], i != .null { throw fail("\"input\" column '\(name)' has a bad impute value") }
                columns.append(.numeric(name: name, mean: mean, std: std, impute: impute))
            case .string("categorical")?:
                guard case .array(let cats)? = item["categories"], !cats.isEmpty else {
                    throw fail("\"input\" column '\(name)' has no categories")
                }
                var list: [String] = []
                for c in cats {
                    guard case .string(let s) = c else { throw fail("\"input\" column '\(name)' has a category that is not a string") }
                    list.append(s)
                }
                guard Set(list).count == list.count else { throw fail("\"input\" column '\(name)' lists a category twice") }
                var impute: String?
                if case .string(let s)? = item["impute"] {
                    guard list.contains(s) else { throw fail("\"input\" column '\(name)' imputes a category it does not have") }
                    impute = s
                }
                columns.append(.categorical(name: name, categories: list, impute: impute))
            default:
                throw fail("\"input\" column '\(name)' has no type numeric or categorical")
            }
        }
        return (TableEncoder(columns: columns, missing: missing, numbers: numbers, markers: markers), delimiter)
    }
}

extension TargetEncoder {
    var json: JSONValue {
        switch self {
        case .classes(let column, let labels):
            return .object([("kind", "classes"), ("column", JSONValue(column)), ("labels", .array(labels.map { JSONValue($0) }))])
        case .values(let columns, let mean, let std):
            return .object([("kind", "values"), ("columns", .array(columns.map { JSONValue($0) })),
                            ("mean", .array(mean.map { JSONValue($0) })), ("std", .array(std.map { JSONValue($0) }))])
        }
    }

    static func read(_ v: JSONValue, fail: (String) -> CLIError) throws(CLIError) -> TargetEncoder {
        func strings(_ x: JSONValue?) -> [String]? {
            guard case .array(let a)? = x else { return nil }
            var out: [String] = []
            for e in a { guard case .string(let s) = e else { return nil }; out.append(s) }
            return out
        }
        func floats(_ x: JSONValue?) -> [Float]? {
            guard case .array(let a)? = x else { return nil }
            var out: [Float] = []
            for e in a { guard case .number(let d) = e, d.isFinite, Float(d).isFinite else { return nil }; out.append(Float(d)) }
            return out
        }
        switch v["kind"] {
        case .string("classes")?:
            guard case .string(let column)? = v["column"], let labels = strings(v["labels"]), labels.count >= 2,
                  Set(labels).count == labels.count else { throw fail("\"target\" needs a column and two or more distinct labels") }
            return .classes(column: column, labels: labels)
        case .string("values")?:
            guard let columns = strings(v["columns"]), !columns.isEmpty, let mean = floats(v["mean"]), let std = floats(v["std"]),
                  mean.count == columns.count, std.count == columns.count, std.allSatisfy({ $0 > 0 }) else {
                throw fail("\"target\" needs columns with a mean and a positive std each")
            }
            return .values(columns: columns, mean: mean, std: std)
        default:
            throw fail("\"target\" is neither classes nor values")
        }
    }
}
