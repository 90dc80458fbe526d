// Cuts a CSV byte stream into blocks of whole rows as the bytes arrive: the header line once, then
// each block of complete rows (a row ends at a line feed outside quotes, so a quoted field may hold
// line breaks), with the physical line its first row starts on. `mlp predict` parses each block with
// the header before it (CSVReader, with CSVOptions.lineOffset so that messages name the file's
// lines) and answers it before reading on.

public struct CSVRowBlocks {
    private var buffer: [UInt8] = []
    /// Bytes of `buffer` already scanned (all inside rows not yet complete).
    private var scanned = 0
    private var inQuotes = false
    /// Line feeds before `buffer` (in rows already handed out).
    private var linesBefore = 0
    /// The header line (with its line feed), once it is complete.
    public private(set) var header: [UInt8]?

    public init() {}

    /// Adds bytes that arrived; returns the complete rows among what is buffered (nil when none),
    /// and the 1-based line their first row starts on.
    public mutating func add(_ bytes: [UInt8]) -> (rows: [UInt8], firstLine: Int)? {
        buffer += bytes
        return take(atEnd: false)
    }

    /// At the end of the input: whatever is left (a last row without a line feed included).
    public mutating func finish() -> (rows: [UInt8], firstLine: Int)? {
        take(atEnd: true)
    }

    private mutating func take(atEnd: Bool) -> (rows: [UInt8], firstLine: Int)? {
        // The last line feed outside quotes in the buffer.
        var cut = -1
        var i = scanned
        let n = buffer.count
        buffer.withUnsafeBufferPointer { b in
            while i < n {
                let c = b[i]
                if c == 0x22 { inQuotes.toggle() } else if c == 0x0A && !inQuotes { cut = i }
                i += 1
            }
        }
        scanned = n
        if atEnd && !buffer.isEmpty && buffer.contains(where: { $0 != 0x0A && $0 != 0x0D && $0 != 0x20 }) { cut = n - 1 }
        guard cut >= 0 else { return nil }
        var block = Array(buffer[0...cut])
        buffer.removeFirst(cut + 1)
        // The rest starts a row (the cut was outside quotes): its quotes are scanned again next time.
        scanned = 0
        inQuotes = false
        if header == nil {
            // The first complete row is the header.
            guard let end = CSVRowBlocks.firstRowEnd(block) else { return nil }
            header = Array(block[0...end])
            linesBefore = header!.filter { $0 == 0x0A }.count
            block.removeFirst(end + 1)
            if block.isEmpty { return nil }
        }
        let first = linesBefore + 1
        linesBefore += block.filter { $0 == 0x0A }.count
        return (block, first)
    }

    /// The end (the line feed) of the first row of `bytes`, outside quotes.
    static func firstRowEnd(_ bytes: [UInt8]) -> Int? {
        var quoted = false
        for (i, c) in bytes.enumerated() {
            if c == 0x22 { quoted.toggle() } else if c == 0x0A && !quoted { return i }
        }
        return bytes.isEmpty ? nil : bytes.count - 1
    }
}
