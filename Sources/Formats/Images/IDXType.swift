// The IDX element type codes: their sizes and names for messages.

enum IDXType {
    /// The byte size of one element of `code`, or nil when the code is not an IDX type.
    static func elementSize(_ code: UInt8) -> Int? {
        switch code {
        case 0x08, 0x09: return 1
        case 0x0B: return 2
        case 0x0C, 0x0D: return 4
        case 0x0E: return 8
        default: return nil
        }
    }

    /// A short name such as "0x0D (float)".
    static func describe(_ code: UInt8) -> String {
        let name: String
        switch code {
        case 0x08: name = " (unsigned byte)"
        case 0x09: name = " (signed byte)"
        case 0x0B: name = " (short)"
        case 0x0C: name = " (int)"
        case 0x0D: name = " (float)"
        case 0x0E: name = " (double)"
        default: name = ""
        }
        return hex(code) + name
    }

    /// "0x07": two upper-case hex digits.
    static func hex(_ byte: UInt8) -> String {
        "0x" + hexDigits(byte)
    }

    /// "07": two upper-case hex digits, no prefix.
    static func hexDigits(_ byte: UInt8) -> String {
        let digits: [Character] = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
