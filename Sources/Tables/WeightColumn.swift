// A column of row weights: how much each row counts in the training loss and in the figures (a
// survey's sampling weight, a cost per row). It is read as numbers and is not a feature. Every row
// needs a weight of at least 0; 0 is allowed (the row is then absent from the loss and the figures),
// a missing, negative or non-numeric weight is an error naming the file, the line and the column.
import Formats

public enum WeightColumn {
    /// The position of the weight column `name` in `table`; an error naming the setting when the
    /// table lacks it.
    public static func locate(_ name: String, in table: CSVTable) throws(TablesError) -> Int {
        guard let c = table.columnIndex(name) else {
            let hint = TabularData.delimiterHint(table)
            throw .noSuchColumn(
                path: table.path, column: name, setting: .weightColumn, columns: table.header,
                hint: hint.isEmpty ? NearestName.hint(for: name, in: table.header, show: CSVText.quote) : hint)
        }
        return c
    }

    /// The weights of `rows` of column `c` (all rows when nil), each finite and ≥ 0.
    public static func read(_ table: CSVTable, column c: Int, rows: [Int]?) throws(TablesError) -> [Float] {
        let rowList = rows ?? Array(0..<table.rowCount)
        func at(_ r: Int) -> String { "\(table.path): \(table.position(row: r, column: c))" }
        switch table.columns[c] {
        case .numeric(let values, _):
            var out = [Float](repeating: 0, count: rowList.count)
            for (i, r) in rowList.enumerated() {
                let v = values[r]
                if v.isNaN { throw .badWeight(position: at(r), problem: .missing) }
                guard v >= 0 else { throw .badWeight(position: at(r), problem: .negative(TargetEncoder.labelText(v))) }
                out[i] = v
            }
            return out
        case .text(let codes, let categories, _):
            // A text column: its first value that is not a number says why.
            for r in rowList {
                let k = codes[r]
                if k < 0 { throw .badWeight(position: at(r), problem: .missing) }
                let text = categories[Int(k)]
                guard let v = Float(text), v.isFinite else { throw .badWeight(position: at(r), problem: .notANumber(text)) }
                if v < 0 { throw .badWeight(position: at(r), problem: .negative(text)) }
            }
            // Every value reads as a number here, but not as the CSV reader reads numbers (a
            // decimal comma the settings do not name): say so at the first row.
            let r = rowList.first ?? 0
            throw .badWeight(position: at(r), problem: .notANumber(codes.isEmpty || codes[r] < 0 ? "" : categories[Int(codes[r])]))
        }
    }
}
