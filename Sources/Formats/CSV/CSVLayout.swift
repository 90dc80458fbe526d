// The parts of a CSV file before the rows are parsed: a UTF-8 byte-order mark, the header row (names
// unique and not empty), and where the data ends once blank trailing lines are set aside.

struct CSVLayout {
    var header: [String]
    /// Byte offsets of the data rows: [dataStart, dataEnd).
    var dataStart: Int
    var dataEnd: Int
    /// The physical line (1-based) of the first data row.
    var firstLine: Int

    static func read(_ base: UnsafePointer<UInt8>, count: Int, messages: CSVMessages) throws(FormatError) -> CSVLayout {
        let delimiter = messages.delimiter
        var start = 0
        if count >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { start = 3 }

        let dataEnd = trimmedEnd(base, start: start, count: count, delimiter: delimiter)
        if dataEnd == start {
            throw messages.error(
                count == 0
                    ? "empty file, expected a header row"
                    : "has no header row (the file holds only blank lines)")
        }

        // The header row.
        let scanner = CSVFieldScanner(base: base, end: base + dataEnd, delimiter: delimiter, scratch: CSVScratch())
        var names: [String] = []
        var p = base + start
        var line = 1
        while true {
            let field: CSVField
            do {
                field = try scanner.field(at: p)
            } catch {
                let where_ = "line \(line + messages.lineFeeds(base, from: p - base, to: error.offset)), header column \(names.count + 1)"
                throw messages.syntax(error, at: where_)
            }
            names.append(String(decoding: UnsafeBufferPointer(start: field.content, count: field.count), as: UTF8.self))
            line += field.newlines
            p = field.next
            if field.terminator != .delimiter { break }
        }
        if names.count == 1 && names[0].isEmpty {
            throw messages.error("line 1 is blank, expected the header row")
        }
        var seen: [String: Int] = [:]
        for (i, name) in names.enumerated() {
            if name.isEmpty {
                throw messages.error("line 1: column \(i + 1) of the header has no name")
            }
            if let first = seen[name] {
                throw messages.error("line 1: the header names column \(CSVText.quote(name)) twice (columns \(first + 1) and \(i + 1))")
            }
            seen[name] = i
        }
        return CSVLayout(header: names, dataStart: min(p - base, dataEnd), dataEnd: dataEnd, firstLine: line + 1)
    }

    /// The end of the data without the blank lines (nothing, spaces or a CR) at the end of the file;
    /// the line feed that ends the last row stays. Only whole lines after the last byte that is not
    /// blank go: in a file that parses, those bytes are after the last field, so no quoted field is cut.
    static func trimmedEnd(_ base: UnsafePointer<UInt8>, start: Int, count: Int, delimiter: UInt8) -> Int {
        var end = count
        while end > start {
            // The last line: its content is (lineStart ..< contentEnd), then its line feed if any.
            let contentEnd = base[end - 1] == 0x0A ? end - 1 : end
            var lineStart = contentEnd
            while lineStart > start && base[lineStart - 1] != 0x0A { lineStart -= 1 }
            for i in lineStart..<contentEnd {
                let b = base[i]
                if !(b == 0x20 || b == 0x0D || (b == 0x09 && delimiter != 0x09)) { return end }
            }
            end = lineStart
        }
        return start
    }
}

extension CSVSyntaxError {
    /// The byte offset the error names.
    var offset: Int {
        switch self {
        case .unterminatedQuote(let at), .junkAfterQuote(_, let at), .quoteInUnquotedField(let at),
            .bareCarriageReturn(let at), .invalidUTF8(let at):
            return at
        }
    }
}
