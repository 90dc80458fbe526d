// What mlp learns about the feature columns of a training table, and applies to every table after
// it (the test file, `evaluate`, `predict`), so that those take raw rows:
//   numeric columns:     x' = (x − mean)/std with the training rows' mean and standard deviation
//                        (population std, as scikit-learn's StandardScaler; a constant column is only
//                        centred, its std taken as 1)
//   categorical columns: one-hot over the training rows' categories, sorted; a category unseen in
//                        training encodes as all zeros (and is counted, for a one-line warning)
//   date columns:        a text column whose every value is an ISO 8601 date or date-time: the
//                        elapsed time, standardized, and the day of year, day of week and hour of
//                        day as sine/cosine pairs (DateColumn.swift)
//   missing values:      an error naming file, line and column, unless the model was trained with
//                        a missing-value policy, whose value (mean, median or most frequent, of the
//                        training rows) is stored per column; categorical columns always take the
//                        most frequent category (a mean of categories means nothing)
//   reading:             how the training file wrote numbers (decimal mark, thousands separator) and
//                        which values were missing (with a missing-value policy, pandas' markers
//                        too): every later table is read the same way
// The encoded features are the columns in file order, one for a numeric column, one per category
// for a categorical one and 5 or 7 for a date column. The model file stores the encoder as JSON (ModelFile.swift).
import Formats

/// How missing feature values are filled in.
public enum MissingPolicy: String, CaseIterable, Equatable, Sendable {
    case mean, median
    case mostFrequent = "most-frequent"
}

public struct TableEncoder: Equatable {
    public enum Column: Equatable {
        /// Standardized; `impute` fills a missing value (nil: a missing value is an error).
        case numeric(name: String, mean: Float, std: Float, impute: Float?)
        /// One-hot over `categories`; `impute` fills a missing value (nil: an error).
        case categorical(name: String, categories: [String], impute: String?)
        /// ISO dates as numbers: elapsed time and its periodic parts (DateColumn).
        case date(DateColumn)

        public var name: String {
            switch self {
            case .numeric(let n, _, _, _), .categorical(let n, _, _): return n
            case .date(let d): return d.name
            }
        }
        public var width: Int {
            switch self {
            case .numeric: return 1
            case .categorical(_, let c, _): return c.count
            case .date(let d): return d.width
            }
        }
        public var isNumeric: Bool {
            if case .numeric = self { return true }
            return false
        }
        public var isDate: Bool {
            if case .date = self { return true }
            return false
        }
    }

    public let columns: [Column]
    /// The missing-value policy it was fitted with (nil: missing values are errors).
    public let missing: MissingPolicy?
    /// How numbers are written and which values are missing in the tables it reads.
    public var numbers = CSVNumberFormat.standard
    public var markers = CSVMissingMarkers.basic

    public init(columns: [Column], missing: MissingPolicy?, numbers: CSVNumberFormat = .standard, markers: CSVMissingMarkers = .basic) {
        self.columns = columns
        self.missing = missing
        self.numbers = numbers
        self.markers = markers
    }

    /// What a missing-value error tells the user to do: while training, impute it (a missing-value
    /// policy); with a trained model, which has no fill value for it, retrain.
    public enum MissingAdvice: Sendable { case impute, retrain }

    /// Encoded features per row.
    public var width: Int { columns.reduce(0) { $0 + $1.width } }
    public var names: [String] { columns.map(\.name) }

    /// What became of the values of a table that the training rows did not prepare for.
    public struct Unseen {
        /// Per column name, the unseen categories and how often each occurred, in order of appearance.
        public var categories: [(column: String, values: [(String, Int)])] = []
        public var total: Int { categories.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.1 } } }

        public init() {}

        /// Adds another block's unseen values (predict reads its input in blocks).
        public mutating func merge(_ other: Unseen) {
            for (column, values) in other.categories {
                guard let c = categories.firstIndex(where: { $0.column == column }) else {
                    categories.append((column, values))
                    continue
                }
                for (v, n) in values {
                    if let j = categories[c].values.firstIndex(where: { $0.0 == v }) {
                        categories[c].values[j].1 += n
                    } else {
                        categories[c].values.append((v, n))
                    }
                }
            }
        }

        /// What was unseen in the table `path`, in one line, or nil when nothing was.
        public func summary(_ path: String) -> String? {
            guard total > 0 else { return nil }
            let shown = categories.prefix(3).map { c in
                "\(c.column): "
                    + c.values.prefix(3).map { "\(CSVText.quote($0.0))" + ($0.1 > 1 ? " ×\($0.1)" : "") }.joined(separator: ", ")
                    + (c.values.count > 3 ? ", …" : "")
            }.joined(separator: "; ")
            let columnsText = categories.count == 1 ? "1 column" : "\(categories.count) columns"
            return
                "\(path): \(total) value\(total == 1 ? "" : "s") in \(columnsText) not seen in training, encoded as all zeros (\(shown)\(categories.count > 3 ? "; …" : ""))"
        }
    }

    /// Learns the columns `features` (indices into the table) from the training rows `rows` (all
    /// rows when nil); the text columns in `dates` (whose values DateColumn.recognize takes) become
    /// date columns.
    public static func fit(
        _ table: CSVTable, features: [Int], rows: [Int]?, missing: MissingPolicy?,
        dates: Set<Int> = []
    ) throws(TablesError) -> TableEncoder {
        let rowList = rows ?? Array(0..<table.rowCount)
        var out: [Column] = []
        for c in features {
            let name = table.header[c]
            if dates.contains(c), case .text(let codes, let categories, _) = table.columns[c], let parsed = DateColumn.recognize(categories)
            {
                var present: [Double] = []
                present.reserveCapacity(rowList.count)
                var firstMissing: Int?
                var hasTime = false
                for r in rowList {
                    let k = codes[r]
                    if k < 0 {
                        if firstMissing == nil { firstMissing = r }
                        continue
                    }
                    present.append(parsed[Int(k)].t)
                    hasTime = hasTime || parsed[Int(k)].hasTime
                }
                if let r = firstMissing, missing == nil { throw missingError(table, row: r, column: c, advice: .impute) }
                out.append(.date(DateColumn.fit(name: name, present: present, hasTime: hasTime, missing: missing)))
                continue
            }
            switch table.columns[c] {
            case .numeric(let values, _):
                var present: [Float] = []
                present.reserveCapacity(rowList.count)
                var firstMissing: Int?
                for r in rowList {
                    let v = values[r]
                    if v.isNaN { if firstMissing == nil { firstMissing = r } } else { present.append(v) }
                }
                if let r = firstMissing, missing == nil { throw missingError(table, row: r, column: c, advice: .impute) }
                var sum = 0.0
                for v in present { sum += Double(v) }
                let mean = present.isEmpty ? 0 : sum / Double(present.count)
                var squares = 0.0
                for v in present { squares += (Double(v) - mean) * (Double(v) - mean) }
                let std = present.isEmpty ? 0 : (squares / Double(present.count)).squareRoot()
                // A constant column is left centred: dividing by a std of 0 would make it NaN.
                let scale = std > 1e-12 * max(abs(mean), 1) ? Float(std) : 1
                var impute: Float?
                if let missing {
                    switch missing {
                    case .mean: impute = Float(mean)
                    case .median: impute = median(present)
                    case .mostFrequent: impute = mostFrequent(present)
                    }
                }
                out.append(.numeric(name: name, mean: Float(mean), std: scale, impute: impute))
            case .text(let codes, let categories, _):
                var counts = [Int](repeating: 0, count: categories.count)
                var firstMissing: Int?
                for r in rowList {
                    let k = codes[r]
                    if k < 0 { if firstMissing == nil { firstMissing = r } } else { counts[Int(k)] += 1 }
                }
                if let r = firstMissing, missing == nil { throw missingError(table, row: r, column: c, advice: .impute) }
                let seen = categories.indices.filter { counts[$0] > 0 }
                let sorted = seen.map { categories[$0] }.sorted()
                // The most frequent category; ties go to the first in sorted order.
                var impute: String?
                if missing != nil,
                    let best = seen.max(by: { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && categories[$0] > categories[$1]) })
                {
                    impute = categories[best]
                }
                out.append(.categorical(name: name, categories: sorted, impute: impute))
            }
        }
        return TableEncoder(columns: out, missing: missing)
    }

    /// The median of the present values (the mean of the middle two for an even count).
    static func median(_ values: [Float]) -> Float {
        guard !values.isEmpty else { return 0 }
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// The most frequent present value; ties go to the smallest.
    static func mostFrequent(_ values: [Float]) -> Float {
        guard !values.isEmpty else { return 0 }
        let s = values.sorted()
        var best = s[0]
        var bestRun = 0
        var run = 0
        for (i, v) in s.enumerated() {
            run = i > 0 && s[i - 1] == v ? run + 1 : 1
            if run > bestRun {
                best = v
                bestRun = run
            }
        }
        return best
    }

    static func missingError(_ table: CSVTable, row: Int, column: Int, advice: MissingAdvice) -> TablesError {
        .missingValue(position: "\(table.path): \(table.position(row: row, column: column))", advice: advice)
    }

    /// Where each encoder column is in `table`, by name: every column must be there (other columns
    /// are left alone: `ignored` names them).
    public func locate(in table: CSVTable, allowed: Set<String> = []) throws(TablesError) -> [Int] {
        var index: [Int] = []
        for c in columns {
            guard let i = table.columnIndex(c.name) else {
                let near = NearestName.candidates(for: c.name, in: table.header).map(CSVText.quote)
                let delimiter = TabularData.delimiterHint(table)
                let hint = !delimiter.isEmpty ? delimiter : near.isEmpty ? "" : "; the file has \(near.joined(separator: ", "))"
                throw .noModelColumn(path: table.path, column: c.name, features: names, hint: hint)
            }
            index.append(i)
        }
        return index
    }

    /// The columns of `table` the model does not read: neither features nor named in `allowed`
    /// (the target columns, an ID column).
    public func ignored(in table: CSVTable, allowed: Set<String> = []) -> [String] {
        let known = Set(names).union(allowed)
        return table.header.filter { !known.contains($0) }
    }

    /// The CSV options that make a table read the way this encoder expects it: numbers and missing
    /// values as in the training file, its categorical columns as text, its numeric ones as numbers,
    /// the `target`'s columns as a regression or classification needs them (when it is given;
    /// otherwise they are ignored), a column of row weights as numbers, and every other column as
    /// text (ignored, it cannot be wrong).
    public func readingOptions(_ base: CSVOptions, target: TargetEncoder? = nil, weightColumn: String? = nil) -> CSVOptions {
        var o = base
        o.namedColumnsMustExist = false  // `locate` names a missing column in the model's terms
        o.numbers = numbers
        o.missingMarkers = markers
        for c in columns {
            if c.isNumeric { o.numericColumns.insert(c.name) } else { o.textColumns.insert(c.name) }
        }
        var typed = Set(names)
        if let target {
            typed.formUnion(target.columns)
            if target.task == .regression { o.numericColumns.formUnion(target.columns) }
        }
        if let weightColumn {
            typed.insert(weightColumn)
            o.numericColumns.insert(weightColumn)
        }
        o.typedColumns = typed
        return o
    }

    /// The encoded features (rows × width, row-major) of `rows` of `table` (all when nil), whose
    /// columns `locate` found.
    public func encode(_ table: CSVTable, at index: [Int], rows: [Int]?, advice: MissingAdvice = .retrain) throws(TablesError) -> (
        features: [Float], unseen: Unseen
    ) {
        let rowList = rows ?? Array(0..<table.rowCount)
        let w = width
        var x = [Float](repeating: 0, count: rowList.count * w)
        var unseen = Unseen()
        var offset = 0
        for (k, c) in columns.enumerated() {
            let t = index[k]
            switch (c, table.columns[t]) {
            case (.numeric(_, let mean, let std, let impute), .numeric(let values, _)):
                let inv = 1 / std
                for (i, r) in rowList.enumerated() {
                    var v = values[r]
                    if v.isNaN {
                        guard let impute else { throw TableEncoder.missingError(table, row: r, column: t, advice: advice) }
                        v = impute
                    }
                    x[i * w + offset] = (v - mean) * inv
                }
            case (.categorical(let name, let categories, let impute), .text(let codes, let tableCategories, _)):
                // The table's own category numbers → the model's one-hot positions (-1: unseen).
                var position: [String: Int] = [:]
                for (j, s) in categories.enumerated() { position[s] = j }
                let map = tableCategories.map { position[$0] ?? -1 }
                let imputed = impute.flatMap { position[$0] }
                var counts = [Int](repeating: 0, count: tableCategories.count)
                for (i, r) in rowList.enumerated() {
                    let code = codes[r]
                    let j: Int
                    if code < 0 {
                        guard let imputed else { throw TableEncoder.missingError(table, row: r, column: t, advice: advice) }
                        j = imputed
                    } else {
                        j = map[Int(code)]
                        if j < 0 {
                            counts[Int(code)] += 1
                            continue
                        }
                    }
                    x[i * w + offset + j] = 1
                }
                let missed = tableCategories.indices.filter { counts[$0] > 0 }.map { (tableCategories[$0], counts[$0]) }
                if !missed.isEmpty { unseen.categories.append((name, missed)) }
            case (.date(let d), .text(let codes, let tableCategories, _)):
                // Each of the table's values parsed once; nil: not a date (an error at its first row).
                let times = tableCategories.map { ISODate.parse($0)?.t }
                try x.withUnsafeMutableBufferPointer { p throws(TablesError) in
                    for (i, r) in rowList.enumerated() {
                        let code = codes[r]
                        let time: Double
                        if code < 0 {
                            guard let impute = d.impute else { throw TableEncoder.missingError(table, row: r, column: t, advice: advice) }
                            time = impute
                        } else {
                            guard let parsed = times[Int(code)] else {
                                throw .notADate(
                                    position: "\(table.path): \(table.position(row: r, column: t))", value: tableCategories[Int(code)])
                            }
                            time = parsed
                        }
                        d.features(time, into: p.baseAddress! + i * w + offset)
                    }
                }
            default:
                // readingOptions makes the reader type every column as the encoder expects.
                preconditionFailure("column '\(c.name)' was not read as the model expects")
            }
            offset += c.width
        }
        return (x, unseen)
    }
}
