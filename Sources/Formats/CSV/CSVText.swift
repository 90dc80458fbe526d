// Pieces of the CSV reader's one-line error messages: how a column, a value and a count are shown.

public enum CSVText {
    /// "column 'age' (3)": the name and the 1-based position.
    public static func column(_ name: String, _ index: Int) -> String {
        "column \(quote(name)) (\(index + 1))"
    }

    /// A value in single quotes, control characters escaped, cut after 60 characters.
    public static func quote(_ text: String) -> String {
        var out = "'"
        var shown = 0
        for scalar in text.unicodeScalars {
            if shown == 60 {
                out += "…"
                break
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "'": out += "\\'"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
            shown += 1
        }
        return out + "'"
    }

    static func quote(_ bytes: [UInt8]) -> String {
        quote(String(decoding: bytes, as: UTF8.self))
    }

    /// 1234567 → "1,234,567".
    public static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(d)
        }
        return n < 0 ? "-" + out : out
    }

    /// "1 field" / "3 fields".
    static func plural(_ n: Int, _ word: String) -> String {
        "\(count(n)) \(word)\(n == 1 ? "" : "s")"
    }

    /// How a byte is named in a message: 'x' when printable ASCII, else its hex value.
    static func byte(_ b: UInt8) -> String {
        b >= 0x20 && b < 0x7F ? quote(String(UnicodeScalar(b))) : "byte 0x" + hex(b)
    }

    static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
    }

    /// How the delimiter is named: ',' ';' '|' or tab.
    static func delimiter(_ b: UInt8) -> String {
        b == 0x09 ? "a tab" : quote(String(UnicodeScalar(b)))
    }

    /// When a header read with `delimiter` came out as one column that holds another delimiter
    /// (a file separated by ';', tab or '|' read with ','): "the header holds ';': give --delimiter ';'".
    public static func delimiterHint(header: [String], delimiter: UInt8) -> String? {
        guard header.count == 1, let name = header.first else { return nil }
        let counts = CSVOptions.delimiters.filter { $0 != delimiter }.map { d in (d, name.utf8.filter { $0 == d }.count) }
        guard let best = counts.max(by: { $0.1 < $1.1 }), best.1 > 0 else { return nil }
        if best.0 == 0x09 { return "the header holds tabs: give --delimiter tab" }
        let shown = quote(String(UnicodeScalar(best.0)))
        return "the header holds \(shown): give --delimiter \(shown)"
    }
}
