// The general CSV field tokenizer (RFC 4180): quoted fields with doubled quotes and line breaks inside,
// spaces around unquoted fields trimmed, LF or CRLF line ends, strict UTF-8. The chunk parser's fast
// path handles plain numbers itself and falls back to this for everything else; the header and the
// re-reading of columns use it directly.
//
// Strictness: a quote inside an unquoted field, anything but spaces between a closing quote and the
// next delimiter, and a carriage return not followed by a line feed are errors, not guesses.

/// Where a field ended.
enum CSVTerminator {
    case delimiter  // another field of the same row follows
    case lineEnd  // LF or CRLF: the row ends
    case end  // the end of the data: the row ends
}

/// One field: its content (already unquoted and unescaped) and what came after it.
struct CSVField {
    var content: UnsafePointer<UInt8>
    var count: Int
    var quoted: Bool
    var terminator: CSVTerminator
    /// The first byte after the terminator.
    var next: UnsafePointer<UInt8>
    /// Line feeds inside the quotes: the physical lines the field spans beyond its first.
    var newlines: Int
}

/// A syntax error, with the byte offset (from the start of the data) where it was found.
enum CSVSyntaxError: Error, Equatable {
    case unterminatedQuote(openedAt: Int)
    case junkAfterQuote(byte: UInt8, at: Int)
    case quoteInUnquotedField(at: Int)
    case bareCarriageReturn(at: Int)
    case invalidUTF8(at: Int)
}

/// The tokenizer over one byte range; the scratch buffer holds the content of quoted fields with
/// doubled quotes (no other field is copied).
struct CSVFieldScanner {
    let base: UnsafePointer<UInt8>
    let end: UnsafePointer<UInt8>
    let delimiter: UInt8
    /// Tab is trimmed around fields unless it is the delimiter.
    let trimsTab: Bool
    let scratch: CSVScratch

    init(base: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>, delimiter: UInt8, scratch: CSVScratch) {
        self.base = base
        self.end = end
        self.delimiter = delimiter
        self.trimsTab = delimiter != 0x09
        self.scratch = scratch
    }

    @inline(__always)
    func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b == 0x09 && trimsTab) }

    /// The field that starts at `start` (at a row start or just after a delimiter).
    func field(at start: UnsafePointer<UInt8>) throws(CSVSyntaxError) -> CSVField {
        var p = start
        while p < end && isSpace(p.pointee) { p += 1 }
        if p < end && p.pointee == 0x22 { return try quoted(at: p) }

        let contentStart = p
        var contentEnd = p  // just past the last byte that is not a space
        while p < end {
            let b = p.pointee
            if b == delimiter {
                return CSVField(
                    content: contentStart, count: contentEnd - contentStart, quoted: false,
                    terminator: .delimiter, next: p + 1, newlines: 0)
            }
            if b == 0x0A {
                return CSVField(
                    content: contentStart, count: contentEnd - contentStart, quoted: false,
                    terminator: .lineEnd, next: p + 1, newlines: 0)
            }
            if b == 0x0D {
                guard p + 1 < end && p[1] == 0x0A else { throw .bareCarriageReturn(at: p - base) }
                return CSVField(
                    content: contentStart, count: contentEnd - contentStart, quoted: false,
                    terminator: .lineEnd, next: p + 2, newlines: 0)
            }
            if b == 0x22 { throw .quoteInUnquotedField(at: p - base) }
            if b >= 0x80 {
                let length = CSVFieldScanner.utf8Length(p, end)
                if length == 0 { throw .invalidUTF8(at: p - base) }
                p += length
                contentEnd = p
                continue
            }
            p += 1
            if !isSpace(b) { contentEnd = p }
        }
        return CSVField(
            content: contentStart, count: contentEnd - contentStart, quoted: false,
            terminator: .end, next: p, newlines: 0)
    }

    /// A quoted field; `open` points at its opening quote.
    private func quoted(at open: UnsafePointer<UInt8>) throws(CSVSyntaxError) -> CSVField {
        var p = open + 1
        let contentStart = p
        var newlines = 0
        var escaped = false  // a doubled quote was seen: the content must be copied without them
        var close: UnsafePointer<UInt8>
        while true {
            guard p < end else { throw .unterminatedQuote(openedAt: open - base) }
            let b = p.pointee
            if b == 0x22 {
                if p + 1 < end && p[1] == 0x22 {
                    escaped = true
                    p += 2
                    continue
                }
                close = p
                break
            }
            if b == 0x0A { newlines += 1 }
            if b >= 0x80 {
                let length = CSVFieldScanner.utf8Length(p, end)
                if length == 0 { throw .invalidUTF8(at: p - base) }
                p += length
                continue
            }
            p += 1
        }

        var content = contentStart
        var count = close - contentStart
        if escaped {
            let out = scratch.reserve(count)
            var n = 0
            var q = contentStart
            while q < close {
                out[n] = q.pointee
                n += 1
                q += q.pointee == 0x22 ? 2 : 1
            }
            content = UnsafePointer(out)
            count = n
        }

        p = close + 1
        while p < end && isSpace(p.pointee) { p += 1 }
        var terminator = CSVTerminator.end
        var next = p
        if p < end {
            let b = p.pointee
            if b == delimiter {
                terminator = .delimiter
                next = p + 1
            } else if b == 0x0A {
                terminator = .lineEnd
                next = p + 1
            } else if b == 0x0D && p + 1 < end && p[1] == 0x0A {
                terminator = .lineEnd
                next = p + 2
            } else if b == 0x0D {
                throw .bareCarriageReturn(at: p - base)
            } else {
                throw .junkAfterQuote(byte: b, at: p - base)
            }
        }
        return CSVField(
            content: content, count: count, quoted: true, terminator: terminator, next: next,
            newlines: newlines)
    }

    /// The length of the well-formed UTF-8 sequence at `p` (a byte ≥ 0x80), or 0 if there is none:
    /// no overlongs, no surrogates, nothing past U+10FFFF (as UTF8Validation).
    @inline(__always)
    static func utf8Length(_ p: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> Int {
        let lead = p.pointee
        let length: Int
        let low: UInt8
        let high: UInt8  // the allowed range of the second byte
        switch lead {
        case 0xC2...0xDF:
            length = 2
            low = 0x80
            high = 0xBF
        case 0xE0:
            length = 3
            low = 0xA0
            high = 0xBF
        case 0xE1...0xEC, 0xEE...0xEF:
            length = 3
            low = 0x80
            high = 0xBF
        case 0xED:
            length = 3
            low = 0x80
            high = 0x9F
        case 0xF0:
            length = 4
            low = 0x90
            high = 0xBF
        case 0xF1...0xF3:
            length = 4
            low = 0x80
            high = 0xBF
        case 0xF4:
            length = 4
            low = 0x80
            high = 0x8F
        default: return 0
        }
        guard end - p >= length, p[1] >= low, p[1] <= high else { return 0 }
        for k in 2..<length where p[k] < 0x80 || p[k] > 0xBF { return 0 }
        return length
    }
}

/// A growable byte buffer for unescaped quoted fields, reused field after field.
final class CSVScratch {
    private(set) var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int

    init() {
        capacity = 256
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    /// The buffer, with room for at least `count` bytes (its old content is not kept).
    func reserve(_ count: Int) -> UnsafeMutablePointer<UInt8> {
        if count > capacity {
            buffer.deallocate()
            capacity = max(count, capacity * 2)
            buffer = .allocate(capacity: capacity)
        }
        return buffer
    }
}
