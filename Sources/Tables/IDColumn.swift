// An ID column: a CSV column echoed beside each row's answer (`predict`) or each listed mistake
// (`evaluate --misclassified`), as the file writes it. A column the model does not read is read as
// written, missing-value markers included (an ID 'NA' stays 'NA'); a column it reads (a feature or
// the target) is echoed as read: a category, or a number in its shortest form ("" when missing).
import Formats

public struct IDColumn {
    /// The column, or nil when there is none.
    public let name: String?
    /// Columns the model reads, whose reading the ID must not change.
    public let read: Set<String>

    public init(name: String?, encoder: TableEncoder, target: TargetEncoder? = nil) {
        self.name = name
        read = Set(encoder.names).union(target?.columns ?? [])
    }

    public var names: [String] { name.map { [$0] } ?? [] }

    /// Makes the reader keep the ID column's values as written.
    public func prepare(_ o: inout CSVOptions) {
        if let name, !read.contains(name) { o.verbatimColumns.insert(name) }
    }

    /// The ID of every row of `table` (nil without an ID column); an error naming the columns when
    /// the table has no such column.
    public func values(_ table: CSVTable) throws(TablesError) -> [String]? {
        guard let name else { return nil }
        guard let c = table.columnIndex(name) else {
            throw .noSuchColumn(
                path: table.path, column: name, setting: .idColumn, columns: table.header, hint: TabularData.delimiterHint(table))
        }
        switch table.columns[c] {
        case .text(let codes, let categories, _):
            return codes.map { $0 < 0 ? "" : categories[Int($0)] }
        case .numeric(let values, _):
            return values.map { $0.isNaN ? "" : TargetEncoder.labelText($0) }
        }
    }
}
