// Strict UTF-8 checking (no overlongs, no surrogates, nothing past U+10FFFF) that says where it failed.

enum UTF8Validation {
    /// The length of the well-formed UTF-8 sequence starting at `i`, or nil if there is none.
    static func sequenceLength(_ bytes: [UInt8], at i: Int) -> Int? {
        guard i >= 0, i < bytes.count else { return nil }
        let lead = bytes[i]
        // The allowed range of the second byte depends on the lead byte; later bytes are 0x80...0xBF.
        let length: Int
        let second: ClosedRange<UInt8>
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF:
            length = 2
            second = 0x80...0xBF
        case 0xE0:
            length = 3
            second = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF:
            length = 3
            second = 0x80...0xBF
        case 0xED:
            length = 3
            second = 0x80...0x9F
        case 0xF0:
            length = 4
            second = 0x90...0xBF
        case 0xF1...0xF3:
            length = 4
            second = 0x80...0xBF
        case 0xF4:
            length = 4
            second = 0x80...0x8F
        default: return nil
        }
        guard bytes.count - i >= length, second.contains(bytes[i + 1]) else { return nil }
        for k in 2..<length where !(0x80...0xBF).contains(bytes[i + k]) { return nil }
        return length
    }

    /// The offset of the first byte that does not start a well-formed sequence, or nil if all are valid.
    static func firstInvalidOffset(_ bytes: [UInt8]) -> Int? {
        var i = 0
        while i < bytes.count {
            if bytes[i] < 0x80 {
                i += 1
                continue
            }
            guard let length = sequenceLength(bytes, at: i) else { return i }
            i += length
        }
        return nil
    }
}
