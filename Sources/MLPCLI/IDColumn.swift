// --id-column: a CSV column echoed beside each row's answer (`predict`) or each listed mistake
// (`evaluate --misclassified`), as the file writes it. A column the model does not read is read as
// written, missing-value markers included (an ID 'NA' stays 'NA'); a column it reads (a feature or
// the target) is echoed as read: a category, or a number in its shortest form ("" when missing).
import Formats

struct IDColumn {
    /// The column, or nil without --id-column.
    let name: String?
    /// Columns the model reads, whose reading the ID must not change.
    let read: Set<String>

    init(name: String?, encoder: TableEncoder, target: TargetEncoder? = nil) {
        self.name = name
        read = Set(encoder.names).union(target?.columns ?? [])
    }

    var names: [String] { name.map { [$0] } ?? [] }

    /// Makes the reader keep the ID column's values as written.
    func prepare(_ o: inout CSVOptions) {
        if let name, !read.contains(name) { o.verbatimColumns.insert(name) }
    }

    /// The ID of every row of `table` (nil without --id-column); an error naming the columns when
    /// the table has no such column.
    func values(_ table: CSVTable) throws(CLIError) -> [String]? {
        guard let name else { return nil }
        guard let c = table.columnIndex(name) else {
            throw CLIError(.dataError, "\(table.path): has no column \(CSVText.quote(name)) for --id-column (its columns: \(table.header.joined(separator: ", ")))\(TabularData.delimiterHint(table))")
        }
        switch table.columns[c] {
        case .text(let codes, let categories, _):
            return codes.map { $0 < 0 ? "" : categories[Int($0)] }
        case .numeric(let values, _):
            return values.map { $0.isNaN ? "" : TargetEncoder.labelText($0) }
        }
    }
}
