// A strict RFC 8259 JSON parser for untrusted bytes: bounded nesting, exact error offsets, no traps.

/// Why JSON parsing failed: the byte offset in the input and what was expected there.
/// Callers wrap it into a `FormatError` that also names the file and which part of it was parsed.
public struct JSONParseError: Error, Equatable, CustomStringConvertible {
    public let offset: Int
    /// What was expected, e.g. "expected ':' after an object key, found ','".
    public let message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

extension JSONValue {
    /// Arrays and objects nested deeper than this are rejected, so recursion stays shallow.
    public static let maxNestingDepth = 64

    /// Parses one JSON value (surrounded by optional whitespace) from UTF-8 bytes.
    /// With `rejectingDuplicateKeys`, an object that repeats a key is an error at that key's offset.
    public static func parse(
        _ bytes: some Collection<UInt8>, rejectingDuplicateKeys: Bool = false
    ) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: Array(bytes), rejectDuplicateKeys: rejectingDuplicateKeys)
        return try parser.parseDocument()
    }
}

private struct JSONParser {
    let bytes: [UInt8]
    let rejectDuplicateKeys: Bool
    var pos = 0

    init(bytes: [UInt8], rejectDuplicateKeys: Bool) {
        self.bytes = bytes
        self.rejectDuplicateKeys = rejectDuplicateKeys
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard pos == bytes.count else { throw fail("expected end of input after the JSON value, found \(found())") }
        return value
    }

    // MARK: Values

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard pos < bytes.count else { throw fail("expected a JSON value, found end of input") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fail("expected a JSON value, found \(found())")
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        try checkDepth(depth)
        pos += 1  // '{'
        var members: [(String, JSONValue)] = []
        var seen = Set<String>()
        skipWhitespace()
        if peek(is: "}") {
            pos += 1
            return .object([])
        }
        while true {
            skipWhitespace()
            guard peek(is: "\"") else {
                throw fail(
                    members.isEmpty
                        ? "expected a string key or '}', found \(found())"
                        : "expected a string key after ',', found \(found())")
            }
            let keyOffset = pos
            let key = try parseString()
            if rejectDuplicateKeys && !seen.insert(key).inserted {
                throw JSONParseError(offset: keyOffset, message: "duplicate key \(JSONValue.quoted(key, limit: 64))")
            }
            skipWhitespace()
            guard peek(is: ":") else { throw fail("expected ':' after an object key, found \(found())") }
            pos += 1
            skipWhitespace()
            members.append((key, try parseValue(depth: depth)))
            skipWhitespace()
            if peek(is: ",") {
                pos += 1
                continue
            }
            if peek(is: "}") {
                pos += 1
                return .object(members)
            }
            throw fail("expected ',' or '}' after an object member, found \(found())")
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        try checkDepth(depth)
        pos += 1  // '['
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek(is: "]") {
            pos += 1
            return .array([])
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            if peek(is: ",") {
                pos += 1
                continue
            }
            if peek(is: "]") {
                pos += 1
                return .array(elements)
            }
            throw fail("expected ',' or ']' after an array element, found \(found())")
        }
    }

    func checkDepth(_ depth: Int) throws(JSONParseError) {
        if depth > JSONValue.maxNestingDepth {
            throw fail("arrays and objects nested more than \(JSONValue.maxNestingDepth) deep")
        }
    }

    mutating func expectLiteral(_ word: StaticString) throws(JSONParseError) {
        let start = pos
        var wordBytes: [UInt8] = []
        word.withUTF8Buffer { wordBytes = Array($0) }
        for expected in wordBytes {
            guard pos < bytes.count, bytes[pos] == expected else {
                let got = pos < bytes.count ? found() : "end of input"
                throw JSONParseError(offset: pos, message: "expected '\(word)' starting at byte \(start), found \(got)")
            }
            pos += 1
        }
    }

    // MARK: Numbers

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, converted only once the grammar matched.
    mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = pos
        if peek(is: "-") { pos += 1 }
        guard peekDigit() else { throw fail("expected a digit after '-', found \(found())") }
        if peek(is: "0") {
            pos += 1
            if peekDigit() { throw fail("expected no leading zeros in a number, found \(found())") }
        } else {
            skipDigits()
        }
        if peek(is: ".") {
            pos += 1
            guard peekDigit() else { throw fail("expected a digit after '.', found \(found())") }
            skipDigits()
        }
        if peek(is: "e") || peek(is: "E") {
            pos += 1
            if peek(is: "+") || peek(is: "-") { pos += 1 }
            guard peekDigit() else { throw fail("expected a digit in the exponent, found \(found())") }
            skipDigits()
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            let shown = text.count > 40 ? String(text.prefix(40)) + "..." : text
            throw JSONParseError(offset: start, message: "expected a number within the range of a double, found \(shown)")
        }
        return value
    }

    func peekDigit() -> Bool {
        pos < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[pos])
    }

    mutating func skipDigits() {
        while peekDigit() { pos += 1 }
    }

    // MARK: Strings

    mutating func parseString() throws(JSONParseError) -> String {
        let start = pos
        pos += 1  // opening quote
        var utf8: [UInt8] = []
        while true {
            guard pos < bytes.count else {
                throw fail("expected '\"' to end the string that starts at byte \(start), found end of input")
            }
            let byte = bytes[pos]
            switch byte {
            case UInt8(ascii: "\""):
                pos += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &utf8)
            case 0x00..<0x20:
                throw fail("expected control character \(hexByte(byte)) in a string to be escaped")
            case 0x20..<0x80:
                utf8.append(byte)
                pos += 1
            default:
                guard let length = UTF8Validation.sequenceLength(bytes, at: pos) else {
                    throw fail("expected UTF-8 in a string, found invalid byte \(hexByte(byte))")
                }
                utf8.append(contentsOf: bytes[pos..<pos + length])
                pos += length
            }
        }
    }

    mutating func parseEscape(into utf8: inout [UInt8]) throws(JSONParseError) {
        let start = pos
        pos += 1  // backslash
        guard pos < bytes.count else { throw fail("expected an escape character after '\\', found end of input") }
        let simple: UInt8?
        switch bytes[pos] {
        case UInt8(ascii: "\""): simple = 0x22
        case UInt8(ascii: "\\"): simple = 0x5C
        case UInt8(ascii: "/"): simple = 0x2F
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"): simple = nil
        default:
            throw fail("expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u after '\\', found \(found())")
        }
        if let simple {
            utf8.append(simple)
            pos += 1
            return
        }
        pos += 1  // 'u'
        var code = UInt32(try parseHex4())
        if (0xDC00...0xDFFF).contains(code) {
            throw JSONParseError(offset: start, message: "expected a high surrogate before the low surrogate \\u\(hex4(code))")
        }
        if (0xD800...0xDBFF).contains(code) {
            guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
                throw fail("expected a \\uDC00-\\uDFFF low surrogate after the high surrogate \\u\(hex4(code))")
            }
            pos += 2
            let low = UInt32(try parseHex4())
            guard (0xDC00...0xDFFF).contains(low) else {
                throw JSONParseError(
                    offset: pos - 6,
                    message: "expected a \\uDC00-\\uDFFF low surrogate after the high surrogate \\u\(hex4(code)), found \\u\(hex4(low))")
            }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(code) else {
            throw JSONParseError(offset: start, message: "expected a Unicode scalar value, found \\u\(hex4(code))")
        }
        UTF8.encode(scalar) { utf8.append($0) }
    }

    mutating func parseHex4() throws(JSONParseError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard pos < bytes.count, let digit = hexDigitValue(bytes[pos]) else {
                throw fail("expected 4 hex digits after '\\u', found \(found())")
            }
            value = value << 4 | UInt16(digit)
            pos += 1
        }
        return value
    }

    func hexDigitValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    // MARK: Helpers

    mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    func peek(is ascii: Unicode.Scalar) -> Bool {
        pos < bytes.count && bytes[pos] == UInt8(ascii: ascii)
    }

    /// What is at `pos`, for "found ..." in messages: 'x' for visible ASCII, a hex byte otherwise.
    func found() -> String {
        guard pos < bytes.count else { return "end of input" }
        let byte = bytes[pos]
        if byte > 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte \(hexByte(byte))"
    }

    func fail(_ message: String) -> JSONParseError {
        JSONParseError(offset: pos, message: message)
    }

    func hexByte(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return "0x" + (digits.count < 2 ? "0" + digits : digits)
    }

    func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
