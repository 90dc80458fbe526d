// Where a CSV table's data rows start in its file, kept apart from the columns: enough to find a row
// in the file again once the table is gone (`mlp train --save-split` copies held-out rows as they are).

public struct CSVRowLines: Sendable {
    let firstLine: Int
    let jumps: [(row: Int, extra: Int)]

    /// The physical line (1-based) on which data row `row` (0-based) starts, as `CSVTable.line(ofRow:)`.
    public func line(ofRow row: Int) -> Int {
        var low = 0
        var high = jumps.count
        while low < high {
            let mid = (low + high) / 2
            if jumps[mid].row <= row { low = mid + 1 } else { high = mid }
        }
        return firstLine + row + (low == 0 ? 0 : jumps[low - 1].extra)
    }
}

extension CSVTable {
    public var rowLines: CSVRowLines { CSVRowLines(firstLine: firstLine, jumps: jumps) }
}

/// The records of CSV text (a record ends at a line feed outside quotes, so a quoted field may hold
/// line breaks), each with the physical line (1-based) it starts on.
public enum CSVRecords {
    /// Calls `body` with each record's line and its bytes, line feed included (a last record without
    /// one comes without it); `body` returns false to stop.
    public static func forEach(_ bytes: [UInt8], _ body: (_ line: Int, _ record: ArraySlice<UInt8>) -> Bool) {
        var start = 0
        var line = 1
        var startLine = 1
        var quoted = false
        for (i, c) in bytes.enumerated() {
            if c == 0x22 {
                quoted.toggle()
            } else if c == 0x0A {
                line += 1
                if !quoted {
                    if !body(startLine, bytes[start...i]) { return }
                    start = i + 1
                    startLine = line
                }
            }
        }
        if start < bytes.count { _ = body(startLine, bytes[start...]) }
    }
}
