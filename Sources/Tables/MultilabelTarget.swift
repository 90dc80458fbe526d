// A multi-label target: several target columns, each a yes/no label of the row (a row may have any
// number of them on). Each column holds two values, written as the file writes them (0/1, no/yes,
// false/true); sorted as classes are (numbers by value, text as strings), the first means off and
// the second on, as scikit-learn's default positive label is the greater one. A numeric column
// whose training rows hold only 0 or only 1 still reads as the pair 0/1 (a rare label absent from a
// split); a text column needs both of its values in the training rows. The dataset's targets are
// 0/1 per label, row-major, for a sigmoid output each (binary cross-entropy).
import Formats
import Model

extension TargetEncoder {
    /// The distinct values of column `c` over `rows`, as labels (sorted as classes are), and how many
    /// there are; at most `limit` are collected.
    static func distinctLabels(_ column: CSVColumn, rows: [Int], limit: Int) -> [String] {
        switch column {
        case .text(let codes, let categories, _):
            var used = Set<Int32>()
            for r in rows where codes[r] >= 0 {
                used.insert(codes[r])
                if used.count > limit { break }
            }
            return used.map { categories[Int($0)] }.sorted()
        case .numeric(let values, _):
            var seen = Set<Float>()
            for r in rows where !values[r].isNaN {
                seen.insert(values[r])
                if seen.count > limit { break }
            }
            return seen.sorted().map(labelText)
        }
    }

    /// Whether column `c` can be a label of a multi-label target: two values over `rows`, or a
    /// numeric column of 0s only or 1s only.
    public static func holdsTwoValues(_ column: CSVColumn, rows: [Int]) -> Bool {
        let values = distinctLabels(column, rows: rows, limit: 2)
        if values.count == 2 { return true }
        return column.isNumeric && values.count == 1 && (values[0] == "0" || values[0] == "1")
    }

    /// Learns each target column's [off, on] pair from `rows`.
    static func fitLabels(_ table: CSVTable, columns: [Int], rows: [Int]) throws(TablesError) -> TargetEncoder {
        var pairs: [[String]] = []
        for c in columns {
            let values = distinctLabels(table.columns[c], rows: rows, limit: 8)
            if values.count == 2 {
                pairs.append(values)
            } else if table.columns[c].isNumeric && values.count == 1 && (values[0] == "0" || values[0] == "1") {
                pairs.append(["0", "1"])
            } else {
                let count = values.count > 8 ? distinctLabels(table.columns[c], rows: rows, limit: Int.max).count : values.count
                throw .notTwoValues(path: table.path, column: table.header[c], values: Array(values.prefix(5)), count: count)
            }
        }
        return .labels(columns: columns.map { table.header[$0] }, values: pairs)
    }

    /// The 0/1 targets of `rows`, one per label, row-major.
    func encodeLabels(_ table: CSVTable, at index: [Int], rows: [Int], columns: [String], values: [[String]]) throws(TablesError)
        -> Dataset.Targets
    {
        let w = columns.count
        var out = [Float](repeating: 0, count: rows.count * w)
        for (j, c) in index.enumerated() {
            let pair = values[j]
            func unknown(_ r: Int, _ text: String) -> TablesError {
                .unseenLabelValue(
                    position: "\(table.path): \(table.position(row: r, column: c))", value: text, column: columns[j], pair: pair)
            }
            switch table.columns[c] {
            case .text(let codes, let categories, _):
                // Per category of the column: 0, 1, or nil (neither value).
                let map: [Float?] = categories.map { $0 == pair[1] ? 1 : $0 == pair[0] ? 0 : nil }
                for (i, r) in rows.enumerated() {
                    guard let v = map[Int(codes[r])] else { throw unknown(r, categories[Int(codes[r])]) }
                    out[i * w + j] = v
                }
            case .numeric(let numbers, _):
                for (i, r) in rows.enumerated() {
                    let text = TargetEncoder.labelText(numbers[r])
                    guard text == pair[0] || text == pair[1] else { throw unknown(r, text) }
                    out[i * w + j] = text == pair[1] ? 1 : 0
                }
            }
        }
        return .values(out, width: w)
    }
}
