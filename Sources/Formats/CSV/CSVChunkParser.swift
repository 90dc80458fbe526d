// Parses the rows of one byte range of a CSV file (a chunk: it starts at a row start and ends after a
// line end, or at the end of the data) into column storage, one thread per chunk.
//
// Each column is in one of two modes, per chunk:
// - numeric: values go straight from the bytes into Float storage (missing: NaN); text values and
//   refused numbers (nan, inf, out of range) are counted, the first of each kept with its line, and
//   stored as NaN for now;
// - text: values become Int32 codes into this chunk's categories (missing: -1).
// Every column starts numeric unless it is forced to be text. A numeric column whose first rows are
// at least half text switches to text (re-reading its earlier rows in this chunk); a later text value
// is only counted. The reader decides each column's type from all chunks and converts what needs it.
//
// The fast path: for a numeric column the decimal parser runs at the field start, and if the number
// ends at a delimiter or the line end where one is expected, the value is stored and that is all.
// Everything else (quotes, spaces, missing markers, text, the wrong field count) takes the general
// tokenizer. The first syntax error stops the chunk; its line is relative to the chunk's first line
// (the reader, which knows where the chunk starts, words the message).

import Glibc

/// A value worth naming in an error message later: where it was and its bytes (the first 256: enough
/// for the 60 characters a message shows).
struct CSVValueSite {
    var row: Int
    var line: Int
    var value: [UInt8]
}

/// What one chunk saw of one column.
struct CSVColumnStats {
    var missing = 0
    /// Numeric mode only: text values and refused numbers, each with the first one.
    var texts = 0
    var firstText: CSVValueSite?
    var forbidden = 0
    var firstForbidden: CSVValueSite?
}

/// The first syntax error of a chunk.
struct CSVChunkError {
    enum Kind {
        case syntax(CSVSyntaxError)
        case fieldCount(Int)
        case blankLine
    }
    var kind: Kind
    /// Chunk-relative physical line (0 = the chunk's first line).
    var line: Int
    /// 0-based column, when the error is in a field.
    var column: Int?
}

final class CSVChunkParser {
    static let numeric: UInt8 = 0
    static let text: UInt8 = 1

    let base: UnsafePointer<UInt8>
    let start: UnsafePointer<UInt8>
    let end: UnsafePointer<UInt8>
    let columnCount: Int
    let delimiter: UInt8
    /// What a field's content means (its number syntax and missing-value markers).
    let rules: CSVValueRules
    /// The number syntax of the fast path, which reads from the bytes before it knows the field's end.
    let fastSyntax: DecimalParser.Syntax
    /// Per column: may switch to text when its first rows are mostly text (false: forced numeric).
    let switchable: [Bool]
    /// Per column: a text column whose values are kept as written (no missing-value markers).
    let verbatim: [Bool]

    /// Per column mode, and its storage (malloc'd, grown with realloc; the unused one is a stub).
    let modes: UnsafeMutablePointer<UInt8>
    let floats: UnsafeMutablePointer<UnsafeMutablePointer<Float>>
    let codes: UnsafeMutablePointer<UnsafeMutablePointer<Int32>>
    private(set) var capacity: Int
    var categories: [CSVCategories?]
    var stats: [CSVColumnStats]

    /// Rows parsed and physical lines consumed (the line breaks that end rows plus those inside quotes).
    private(set) var rows = 0
    private(set) var lines = 0
    /// Line breaks inside quotes shift later rows' lines: (first row shifted, total shift so far).
    private(set) var jumps: [(row: Int, extra: Int)] = []
    private(set) var error: CSVChunkError?

    private let scratch = CSVScratch()
    private static let stubFloat = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private static let stubCode = UnsafeMutablePointer<Int32>.allocate(capacity: 1)

    init(
        base: UnsafePointer<UInt8>, start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>,
        columnCount: Int, delimiter: UInt8, numbers: CSVNumberFormat = .standard, markers: CSVMissingMarkers = .basic,
        textColumns: [Bool], numericColumns: [Bool], verbatimColumns: [Bool]? = nil, capacity: Int
    ) {
        self.base = base
        self.start = start
        self.end = end
        self.columnCount = columnCount
        self.delimiter = delimiter
        self.rules = CSVValueRules(numbers: numbers, markers: markers)
        self.fastSyntax = numbers.unquotedSyntax(delimiter: delimiter)
        self.switchable = numericColumns.map { !$0 }
        self.verbatim = verbatimColumns ?? [Bool](repeating: false, count: columnCount)
        self.capacity = max(capacity, 16)
        modes = .allocate(capacity: columnCount)
        floats = .allocate(capacity: columnCount)
        codes = .allocate(capacity: columnCount)
        categories = Array(repeating: nil, count: columnCount)
        stats = Array(repeating: CSVColumnStats(), count: columnCount)
        for c in 0..<columnCount {
            if textColumns[c] {
                modes[c] = CSVChunkParser.text
                floats[c] = CSVChunkParser.stubFloat
                codes[c] = CSVChunkParser.allocate(Int32.self, self.capacity)
                categories[c] = CSVCategories()
            } else {
                modes[c] = CSVChunkParser.numeric
                floats[c] = CSVChunkParser.allocate(Float.self, self.capacity)
                codes[c] = CSVChunkParser.stubCode
            }
        }
    }

    deinit {
        for c in 0..<columnCount { releaseStorage(c) }
        modes.deallocate()
        floats.deallocate()
        codes.deallocate()
    }

    /// Frees column `c`'s storage (once the reader has copied it out).
    func releaseStorage(_ c: Int) {
        if floats[c] != CSVChunkParser.stubFloat { free(floats[c]) }
        if codes[c] != CSVChunkParser.stubCode { free(codes[c]) }
        floats[c] = CSVChunkParser.stubFloat
        codes[c] = CSVChunkParser.stubCode
    }

    func isText(_ c: Int) -> Bool { modes[c] == CSVChunkParser.text }

    // MARK: the row loop

    func parse() {
        let tables = DecimalParser.tables
        let syntax = fastSyntax
        let delimiter = self.delimiter
        let end = self.end
        let last = columnCount - 1
        let modes = self.modes
        let floats = self.floats
        var p = start
        var row = 0
        var line = 0
        var extra = 0  // line - row: line breaks inside quotes so far

        rows: while p < end {
            if row == capacity { grow() }
            let rowLine = line
            var c = 0
            while true {
                if modes[c] == CSVChunkParser.numeric {
                    var v: Float = 0
                    if let stop = DecimalParser.parse(p, end, &v, tables, syntax), v.isFinite {
                        if stop < end {
                            let b = stop.pointee
                            if b == delimiter {
                                if c != last {
                                    floats[c][row] = v
                                    p = stop + 1
                                    c += 1
                                    continue
                                }
                            } else if c == last {
                                if b == 0x0A {
                                    floats[c][row] = v
                                    p = stop + 1
                                    row += 1
                                    line += 1
                                    if line - row != extra {
                                        extra = line - row
                                        jumps.append((row, extra))
                                    }
                                    continue rows
                                }
                                if b == 0x0D && stop + 1 < end && stop[1] == 0x0A {
                                    floats[c][row] = v
                                    p = stop + 2
                                    row += 1
                                    line += 1
                                    if line - row != extra {
                                        extra = line - row
                                        jumps.append((row, extra))
                                    }
                                    continue rows
                                }
                            }
                        } else if c == last {
                            floats[c][row] = v
                            p = stop
                            row += 1
                            line += 1
                            if line - row != extra {
                                extra = line - row
                                jumps.append((row, extra))
                            }
                            continue rows
                        }
                    }
                }

                // The general path.
                let field: CSVField
                do {
                    field = try CSVFieldScanner(base: base, end: end, delimiter: delimiter, scratch: scratch)
                        .field(at: p)
                } catch {
                    // The line of the offending byte (a quoted field may have crossed line breaks).
                    var at = line
                    var q = p
                    while q < base + error.offset {
                        if q.pointee == 0x0A { at += 1 }
                        q += 1
                    }
                    return stop(CSVChunkError(kind: .syntax(error), line: at, column: c), row, line)
                }
                store(field, column: c, row: row, line: line)
                line += field.newlines
                p = field.next
                if field.terminator == .delimiter {
                    if c == last {
                        let count = columnCount + fieldsLeft(from: p)
                        return stop(CSVChunkError(kind: .fieldCount(count), line: rowLine, column: nil), row, line)
                    }
                    c += 1
                    continue
                }
                if c != last {
                    let blank = c == 0 && field.count == 0 && !field.quoted
                    let kind: CSVChunkError.Kind = blank ? .blankLine : .fieldCount(c + 1)
                    return stop(CSVChunkError(kind: kind, line: rowLine, column: nil), row, line)
                }
                row += 1
                line += 1
                if line - row != extra {
                    extra = line - row
                    jumps.append((row, extra))
                }
                continue rows
            }
        }
        rows = row
        lines = line
    }

    private func stop(_ error: CSVChunkError, _ row: Int, _ line: Int) {
        self.error = error
        rows = row
        lines = line
    }

    /// How many more fields the row has after a delimiter at `p` (for the field-count message).
    private func fieldsLeft(from start: UnsafePointer<UInt8>) -> Int {
        let scanner = CSVFieldScanner(base: base, end: end, delimiter: delimiter, scratch: scratch)
        var p = start
        var count = 0
        while true {
            guard let field = try? scanner.field(at: p) else { return count + 1 }
            count += 1
            if field.terminator != .delimiter { return count }
            p = field.next
        }
    }

    // MARK: storing one value off the fast path

    private func store(_ field: CSVField, column c: Int, row: Int, line: Int) {
        if modes[c] == CSVChunkParser.text {
            if !verbatim[c] && rules.isMissing(field.content, field.count) {
                stats[c].missing += 1
                codes[c][row] = -1
            } else {
                codes[c][row] = categories[c]!.code(field.content, field.count, row: row, line: line)
            }
            return
        }
        switch rules.classify(field.content, field.count) {
        case .missing:
            stats[c].missing += 1
            floats[c][row] = .nan
        case .number(let v):
            floats[c][row] = v
        case .forbidden:
            stats[c].forbidden += 1
            if stats[c].firstForbidden == nil { stats[c].firstForbidden = site(field, row, line) }
            floats[c][row] = .nan
        case .text:
            stats[c].texts += 1
            if stats[c].firstText == nil { stats[c].firstText = site(field, row, line) }
            floats[c][row] = .nan
            // Values so far, this one included: switch while the column's first rows are mostly text.
            let present = row + 1 - stats[c].missing
            if switchable[c] && row < 128 && stats[c].texts * 2 >= present {
                switchToText(c, rows: row)
                codes[c][row] = categories[c]!.code(field.content, field.count, row: row, line: line)
            }
        }
    }

    private func site(_ field: CSVField, _ row: Int, _ line: Int) -> CSVValueSite {
        CSVValueSite(
            row: row, line: line,
            value: Array(UnsafeBufferPointer(start: field.content, count: min(field.count, 256))))
    }

    /// Turns numeric column `c` into a text column, re-reading its first `rows` values from the bytes.
    private func switchToText(_ c: Int, rows: Int) {
        free(floats[c])
        floats[c] = CSVChunkParser.stubFloat
        codes[c] = CSVChunkParser.allocate(Int32.self, capacity)
        modes[c] = CSVChunkParser.text
        categories[c] = CSVCategories()
        stats[c] = CSVColumnStats(missing: stats[c].missing)
        intern(columns: [c], rows: rows)
    }

    /// Re-reads the first `rows` rows of the chunk and stores columns `columns` as text codes
    /// (rows already parsed once, so the tokenizer cannot fail on them).
    func intern(columns: [Int], rows: Int) {
        let scanner = CSVFieldScanner(base: base, end: end, delimiter: delimiter, scratch: CSVScratch())
        var wanted = [Bool](repeating: false, count: columnCount)
        for c in columns { wanted[c] = true }
        var p = start
        var line = 0
        for row in 0..<rows {
            for c in 0..<columnCount {
                guard let field = try? scanner.field(at: p) else { return }
                if wanted[c] {
                    codes[c][row] =
                        !verbatim[c] && rules.isMissing(field.content, field.count)
                        ? -1 : categories[c]!.code(field.content, field.count, row: row, line: line)
                }
                line += field.newlines
                p = field.next
            }
            line += 1
        }
    }

    /// Turns numeric column `c` into text after the whole chunk was parsed (the reader decided so).
    func convertToText(_ columns: [Int]) {
        for c in columns where modes[c] == CSVChunkParser.numeric {
            free(floats[c])
            floats[c] = CSVChunkParser.stubFloat
            codes[c] = CSVChunkParser.allocate(Int32.self, max(rows, 1))
            modes[c] = CSVChunkParser.text
            categories[c] = CSVCategories()
        }
        intern(columns: columns, rows: rows)
    }

    // MARK: storage

    private func grow() {
        let grown = capacity + capacity / 2 + 1024
        for c in 0..<columnCount {
            if modes[c] == CSVChunkParser.numeric {
                floats[c] = CSVChunkParser.reallocate(floats[c], grown)
            } else {
                codes[c] = CSVChunkParser.reallocate(codes[c], grown)
            }
        }
        capacity = grown
    }

    static func allocate<T>(_ type: T.Type, _ count: Int) -> UnsafeMutablePointer<T> {
        guard let raw = malloc(max(count, 1) * MemoryLayout<T>.stride) else {
            fatalError("out of memory: \(count) values for a CSV column")
        }
        return raw.bindMemory(to: T.self, capacity: count)
    }

    static func reallocate<T>(_ pointer: UnsafeMutablePointer<T>, _ count: Int) -> UnsafeMutablePointer<T> {
        guard let raw = realloc(pointer, count * MemoryLayout<T>.stride) else {
            fatalError("out of memory: \(count) values for a CSV column")
        }
        return raw.bindMemory(to: T.self, capacity: count)
    }
}
