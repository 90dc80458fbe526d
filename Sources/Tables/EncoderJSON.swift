// The encoders as a model file stores them (its "input" and "target" metadata, JSON), and how a
// table's numbers and missing values are read, as the members that model files and checkpoints
// share. Reading checks every member: a damaged file is a complaint the caller words (`fail`).
import Formats

extension TableEncoder {
    public func json(delimiter: UInt8) -> JSONValue {
        let cols: [JSONValue] = columns.map { c in
            switch c {
            case .numeric(let name, let mean, let std, let impute):
                return .object([
                    ("name", JSONValue(name)), ("type", "numeric"), ("mean", JSONValue(mean)), ("std", JSONValue(std)),
                    ("impute", impute.map { JSONValue($0) } ?? .null),
                ])
            case .categorical(let name, let categories, let impute):
                return .object([
                    ("name", JSONValue(name)), ("type", "categorical"), ("categories", .array(categories.map { JSONValue($0) })),
                    ("impute", impute.map { JSONValue($0) } ?? .null),
                ])
            case .date(let d):
                // t in seconds since 1970 (UTC), as Doubles: a Float would round a date to minutes.
                return .object([
                    ("name", JSONValue(d.name)), ("type", "date"), ("mean", JSONValue(d.mean)), ("std", JSONValue(d.std)),
                    ("impute", d.impute.map { JSONValue($0) } ?? .null), ("hour", JSONValue(d.hour)),
                ])
            }
        }
        return .object(
            [("kind", "table"), ("delimiter", JSONValue(String(UnicodeScalar(delimiter))))]
                + CSVReadingJSON.members(numbers: numbers, markers: markers)
                + [("missing", missing.map { JSONValue($0.rawValue) } ?? .null), ("columns", .array(cols))])
    }

    /// Reads what `json(delimiter:)` wrote; `fail` words a complaint about it.
    public static func read<E: Error>(_ v: JSONValue, fail: (String) -> E) throws(E) -> (TableEncoder, UInt8) {
        guard case .string("table")? = v["kind"], case .array(let items)? = v["columns"], !items.isEmpty else {
            throw fail("\"input\" is not a table description (kind \"table\" and its columns)")
        }
        guard case .string(let d)? = v["delimiter"], d.utf8.count == 1, let delimiter = d.utf8.first,
            CSVOptions.delimiters.contains(delimiter)
        else { throw fail("\"input\" has no usable delimiter") }
        let (numbers, markers) = try CSVReadingJSON.read(v) { fail("\"input\" \($0)") }
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
            case .string("date")?:
                func double(_ x: JSONValue?) -> Double? {
                    if case .number(let d)? = x, d.isFinite { return d }
                    return nil
                }
                guard let mean = double(item["mean"]), let std = double(item["std"]), std > 0 else {
                    throw fail("\"input\" column '\(name)' needs a finite mean and a positive std")
                }
                let impute = double(item["impute"])
                if impute == nil, let i = item["impute"], i != .null { throw fail("\"input\" column '\(name)' has a bad impute value") }
                guard case .bool(let hour)? = item["hour"] else {
                    throw fail("\"input\" date column '\(name)' does not say whether it has an hour (\"hour\": true or false)")
                }
                columns.append(.date(DateColumn(name: name, mean: mean, std: std, impute: impute, hour: hour)))
            default:
                throw fail("\"input\" column '\(name)' has no type numeric, categorical or date")
            }
        }
        return (TableEncoder(columns: columns, missing: missing, numbers: numbers, markers: markers), delimiter)
    }
}

extension TargetEncoder {
    public var json: JSONValue {
        switch self {
        case .classes(let column, let labels):
            return .object([("kind", "classes"), ("column", JSONValue(column)), ("labels", .array(labels.map { JSONValue($0) }))])
        case .values(let columns, let mean, let std):
            return .object([
                ("kind", "values"), ("columns", .array(columns.map { JSONValue($0) })),
                ("mean", .array(mean.map { JSONValue($0) })), ("std", .array(std.map { JSONValue($0) })),
            ])
        case .labels(let columns, let values):
            return .object([
                ("kind", "labels"), ("columns", .array(columns.map { JSONValue($0) })),
                ("values", .array(values.map { .array($0.map { JSONValue($0) }) })),
            ])
        }
    }

    public static func read<E: Error>(_ v: JSONValue, fail: (String) -> E) throws(E) -> TargetEncoder {
        func strings(_ x: JSONValue?) -> [String]? {
            guard case .array(let a)? = x else { return nil }
            var out: [String] = []
            for e in a {
                guard case .string(let s) = e else { return nil }
                out.append(s)
            }
            return out
        }
        func floats(_ x: JSONValue?) -> [Float]? {
            guard case .array(let a)? = x else { return nil }
            var out: [Float] = []
            for e in a {
                guard case .number(let d) = e, d.isFinite, Float(d).isFinite else { return nil }
                out.append(Float(d))
            }
            return out
        }
        switch v["kind"] {
        case .string("classes")?:
            guard case .string(let column)? = v["column"], let labels = strings(v["labels"]), labels.count >= 2,
                Set(labels).count == labels.count
            else { throw fail("\"target\" needs a column and two or more distinct labels") }
            return .classes(column: column, labels: labels)
        case .string("values")?:
            guard let columns = strings(v["columns"]), !columns.isEmpty, let mean = floats(v["mean"]), let std = floats(v["std"]),
                mean.count == columns.count, std.count == columns.count, std.allSatisfy({ $0 > 0 })
            else {
                throw fail("\"target\" needs columns with a mean and a positive std each")
            }
            return .values(columns: columns, mean: mean, std: std)
        case .string("labels")?:
            var pairs: [[String]] = []
            if case .array(let items)? = v["values"] {
                for item in items { if let p = strings(item), p.count == 2, p[0] != p[1] { pairs.append(p) } }
            }
            guard let columns = strings(v["columns"]), !columns.isEmpty, Set(columns).count == columns.count,
                case .array(let items)? = v["values"], items.count == columns.count, pairs.count == columns.count
            else {
                throw fail("\"target\" needs distinct columns with two distinct values each")
            }
            return .labels(columns: columns, values: pairs)
        default:
            throw fail("\"target\" is neither classes, values nor labels")
        }
    }
}

public enum CSVReadingJSON {
    /// How numbers and missing values are read, as JSON members ("decimal", "thousands",
    /// "missing_markers"): only those that differ from the defaults (a file without them reads as
    /// every mlp before them did). The model file's "input" and checkpoints share them.
    public static func members(numbers: CSVNumberFormat, markers: CSVMissingMarkers) -> [(String, JSONValue)] {
        var out: [(String, JSONValue)] = []
        if numbers.decimal != CSVNumberFormat.standard.decimal {
            out.append(("decimal", JSONValue(String(UnicodeScalar(numbers.decimal)))))
        }
        if let t = numbers.thousands { out.append(("thousands", JSONValue(String(UnicodeScalar(t))))) }
        if markers != .basic { out.append(("missing_markers", .array(markers.list.map { JSONValue($0) }))) }
        return out
    }

    /// Reads what `members` wrote in the object `v`; `fail` words a complaint.
    public static func read<E: Error>(_ v: JSONValue, fail: (String) -> E) throws(E) -> (CSVNumberFormat, CSVMissingMarkers) {
        var numbers = CSVNumberFormat.standard
        if let d = v["decimal"], d != .null {
            guard case .string(let text) = d, let b = CSVNumberFormat.mark(text), CSVNumberFormat.decimalMarks.contains(b) else {
                throw fail("\"decimal\" is not one of . ,")
            }
            numbers.decimal = b
        }
        if let t = v["thousands"], t != .null {
            guard case .string(let text) = t, let b = CSVNumberFormat.mark(text), CSVNumberFormat.separators.contains(b),
                b != numbers.decimal
            else {
                throw fail("\"thousands\" is not one of , . ' space _ (other than the decimal mark)")
            }
            numbers.thousands = b
        }
        var markers = CSVMissingMarkers.basic
        if let m = v["missing_markers"], m != .null {
            var list: [String] = []
            if case .array(let items) = m { for i in items { if case .string(let s) = i { list.append(s) } } }
            guard case .array(let items) = m, items.count == list.count, let parsed = CSVMissingMarkers(list: list) else {
                throw fail("\"missing_markers\" is neither the basic markers nor pandas'")
            }
            markers = parsed
        }
        return (numbers, markers)
    }
}
