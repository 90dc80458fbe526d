// What mlp learns about the target columns of a training table, and how they become a dataset's
// targets: the class labels of a classification (whatever the column holds, sorted: numbers by
// value, text as strings; the class index is the position in that list), the mean and standard
// deviation of each regression target (trained on standardized, reported in the target's units), or
// the two values of each column of a multi-label target (MultilabelTarget.swift).
import Formats
import Model

/// What the network learns: classes, or real values.
public enum Task: String, CaseIterable, Equatable, Sendable {
    /// One class per row, from one target column (softmax).
    case classification
    /// Real values, one per target column.
    case regression
    /// Any number of yes/no labels per row, one per target column (a sigmoid each).
    case multilabel

    /// The rule for a target column when --task is not given, as --help and the README state it.
    public static let rule =
        "classification when the target column holds text, or only whole numbers with at most 20 distinct values; regression otherwise"
    /// The rule for several target columns.
    public static let severalRule =
        "several target columns each holding two values (0/1, no/yes): multilabel; other several columns: regression"

    /// Infers the task of one target column.
    public static func infer(_ column: CSVColumn) -> Task {
        switch column {
        case .text: return .classification
        case .numeric(let values, _):
            var distinct = Set<Float>()
            for v in values where !v.isNaN {
                guard v == v.rounded() else { return .regression }
                distinct.insert(v)
                if distinct.count > 20 { return .regression }
            }
            return .classification
        }
    }
}

public enum TargetEncoder: Equatable {
    /// Classification on `column`: `labels[k]` is class k.
    case classes(column: String, labels: [String])
    /// Regression on `columns`, each standardized with its training mean and standard deviation.
    case values(columns: [String], mean: [Float], std: [Float])
    /// Multi-label on `columns`: `values[j]` is column j's [off, on] pair as the file writes it.
    case labels(columns: [String], values: [[String]])

    public var task: Task {
        switch self {
        case .classes: return .classification
        case .values: return .regression
        case .labels: return .multilabel
        }
    }
    public var columns: [String] {
        switch self {
        case .classes(let c, _): return [c]
        case .values(let c, _, _), .labels(let c, _): return c
        }
    }
    /// The network's outputs: one per class, one per target, or one per label.
    public var outputs: Int {
        switch self {
        case .classes(_, let l): return l.count
        case .values(let c, _, _), .labels(let c, _): return c.count
        }
    }

    /// A numeric label as the file would most likely write it: "3", "0.5".
    public static func labelText(_ v: Float) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
    }

    /// Learns the targets `columns` (indices into the table) from `rows` (all when nil).
    public static func fit(_ table: CSVTable, columns: [Int], task: Task, rows: [Int]?) throws(TablesError) -> TargetEncoder {
        let rowList = rows ?? Array(0..<table.rowCount)
        let path = table.path
        for c in columns {
            for r in rowList where isMissing(table.columns[c], r) {
                throw .missingTarget(position: "\(path): \(table.position(row: r, column: c))", training: true)
            }
        }
        switch task {
        case .classification:
            let c = columns[0]
            let name = table.header[c]
            var labels: [String]
            switch table.columns[c] {
            case .text(let codes, let categories, _):
                var used = Set<Int32>()
                for r in rowList { used.insert(codes[r]) }
                labels = used.map { categories[Int($0)] }.sorted()
            case .numeric(let values, _):
                var seen = Set<Float>()
                for r in rowList { seen.insert(values[r]) }
                labels = seen.sorted().map(labelText)
            }
            guard labels.count >= 2 else {
                throw .oneClass(path: path, column: name, label: labels.first)
            }
            return .classes(column: name, labels: labels)
        case .regression:
            var means: [Float] = []
            var stds: [Float] = []
            for c in columns {
                guard case .numeric(let values, _) = table.columns[c] else {
                    if case .text(let codes, let categories, _) = table.columns[c], let r = rowList.first(where: { codes[$0] >= 0 }) {
                        throw .textTarget(
                            path: path, position: "\(path): \(table.position(row: r, column: c))", value: categories[Int(codes[r])],
                            column: CSVText.column(table.header[c], c))
                    }
                    throw .textTarget(path: path, position: nil, value: nil, column: CSVText.column(table.header[c], c))
                }
                var sum = 0.0
                for r in rowList { sum += Double(values[r]) }
                let mean = sum / Double(max(rowList.count, 1))
                var squares = 0.0
                for r in rowList { squares += (Double(values[r]) - mean) * (Double(values[r]) - mean) }
                let std = (squares / Double(max(rowList.count, 1))).squareRoot()
                means.append(Float(mean))
                stds.append(std > 1e-12 * max(abs(mean), 1) ? Float(std) : 1)
            }
            return .values(columns: columns.map { table.header[$0] }, mean: means, std: stds)
        case .multilabel:
            return try fitLabels(table, columns: columns, rows: rowList)
        }
    }

    static func isMissing(_ column: CSVColumn, _ r: Int) -> Bool {
        switch column {
        case .numeric(let v, _): return v[r].isNaN
        case .text(let c, _, _): return c[r] < 0
        }
    }

    /// The dataset targets of `rows` of `table` (all when nil); `index` has each target column's position.
    public func encode(_ table: CSVTable, at index: [Int], rows: [Int]?) throws(TablesError) -> Dataset.Targets {
        let rowList = rows ?? Array(0..<table.rowCount)
        for c in index {
            for r in rowList where TargetEncoder.isMissing(table.columns[c], r) {
                throw .missingTarget(position: "\(table.path): \(table.position(row: r, column: c))", training: false)
            }
        }
        switch self {
        case .classes(let name, let labels):
            var position: [String: Int32] = [:]
            for (k, l) in labels.enumerated() { position[l] = Int32(k) }
            let c = index[0]
            var out = [Int32](repeating: 0, count: rowList.count)
            func unknown(_ r: Int, _ text: String) -> TablesError {
                .unseenClass(position: "\(table.path): \(table.position(row: r, column: c))", label: text, column: name, labels: labels)
            }
            switch table.columns[c] {
            case .text(let codes, let categories, _):
                let map = categories.map { position[$0] }
                for (i, r) in rowList.enumerated() {
                    guard let k = map[Int(codes[r])] else { throw unknown(r, categories[Int(codes[r])]) }
                    out[i] = k
                }
            case .numeric(let values, _):
                for (i, r) in rowList.enumerated() {
                    let text = TargetEncoder.labelText(values[r])
                    guard let k = position[text] else { throw unknown(r, text) }
                    out[i] = k
                }
            }
            return .classes(out)
        case .values(let columns, let mean, let std):
            let w = columns.count
            var out = [Float](repeating: 0, count: rowList.count * w)
            for (j, c) in index.enumerated() {
                guard case .numeric(let values, _) = table.columns[c] else {
                    preconditionFailure("target columns are read as numbers")
                }
                let inv = 1 / std[j]
                for (i, r) in rowList.enumerated() { out[i * w + j] = (values[r] - mean[j]) * inv }
            }
            return .values(out, width: w)
        case .labels(let columns, let values):
            return try encodeLabels(table, at: index, rows: rowList, columns: columns, values: values)
        }
    }

    /// Where each target column is in `table`, or nil when one is absent (predict's input may
    /// leave them out).
    public func locate(in table: CSVTable) -> [Int]? {
        let found = columns.compactMap { table.columnIndex($0) }
        return found.count == columns.count ? found : nil
    }
}
