// What the CSV reader returns: the header, the typed columns, and where each row is in the file, so
// that later errors (a missing value, an unseen class) can name the line.

public struct CSVTable: Sendable {
    /// The file, as the user named it.
    public let path: String
    /// The column names, in file order.
    public let header: [String]
    /// The data rows (0 when the file has a header and nothing else: the caller decides whether
    /// that is an error; `requireRows` words it).
    public let rowCount: Int
    /// One column per header name, each with `rowCount` values.
    public let columns: [CSVColumn]
    /// The delimiter it was read with (for a hint when the header came out as one column).
    public internal(set) var delimiter = UInt8(ascii: ",")

    /// The physical line (1-based) of the first data row.
    let firstLine: Int
    /// Rows after a line break inside quotes start later than `firstLine + row`: sorted
    /// (first row shifted, total shift), as the chunk parsers recorded them.
    let jumps: [(row: Int, extra: Int)]
    /// How many chunks (threads) parsed the file, and whether the first split had to be redone
    /// (for tests and benchmarks).
    public let chunks: Int
    let resplit: Bool

    init(
        path: String, header: [String], rowCount: Int, columns: [CSVColumn], firstLine: Int,
        jumps: [(row: Int, extra: Int)], chunks: Int, resplit: Bool
    ) {
        self.path = path
        self.header = header
        self.rowCount = rowCount
        self.columns = columns
        self.firstLine = firstLine
        self.jumps = jumps
        self.chunks = chunks
        self.resplit = resplit
    }

    /// The physical line (1-based, as an editor counts them) on which data row `row` (0-based) starts.
    public func line(ofRow row: Int) -> Int {
        // The last jump at or before `row`.
        var low = 0
        var high = jumps.count
        while low < high {
            let mid = (low + high) / 2
            if jumps[mid].row <= row { low = mid + 1 } else { high = mid }
        }
        return firstLine + row + (low == 0 ? 0 : jumps[low - 1].extra)
    }

    /// The index of the column named `name`.
    public func columnIndex(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// "line 12, column 'age' (3)": a position for an error message about row `row`, column `column`.
    public func position(row: Int, column: Int) -> String {
        "line \(line(ofRow: row)), \(CSVText.column(header[column], column))"
    }

    /// Throws when the file has a header but no data rows (training needs some).
    public func requireRows() throws(FormatError) {
        if rowCount == 0 {
            throw FormatError(path, "has a header (\(header.count) column\(header.count == 1 ? "" : "s")) but no data rows")
        }
    }
}
