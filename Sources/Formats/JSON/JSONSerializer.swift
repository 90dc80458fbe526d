// Compact JSON output: no spaces, object order kept, numbers in their shortest round-trip form.

extension JSONValue {
    /// The value as compact JSON text, e.g. `{"accuracy":0.9781,"loss":0.0712,"samples":10000}`.
    /// NaN and infinities have no JSON form and are written as `null`.
    public func serialized() -> String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d): out += JSONValue.format(d)
        case .string(let s): JSONValue.writeQuoted(s, to: &out)
        case .array(let elements):
            out += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { out += "," }
                element.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeQuoted(key, to: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    /// `d` rounded to `decimals` places (half away from zero), so that it serializes with at most that
    /// many: measured times to the microsecond (6) instead of 17 digits of which the last ten are
    /// noise. A value too large to hold that many places exactly, or not finite, is kept as it is.
    public init(_ d: Double, decimals: Int) {
        precondition((0...15).contains(decimals), "0 to 15 decimals")
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = d * scale
        // Below 2^52 the scaled value's integer part is exact and n / 10^decimals is the double
        // nearest the decimal n·10^-decimals, whose shortest form is that decimal.
        guard scaled.isFinite, scaled.magnitude < 4_503_599_627_370_496 else {
            self = .number(d)
            return
        }
        self = .number(scaled.rounded() / scale)
    }

    /// Integers without ".0"; everything else via Double's shortest round-trip description.
    public static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        // Below 2^53 the truncating conversion is exact, so comparing back tells whether d is integral.
        if d.magnitude < 9_007_199_254_740_992, Double(Int64(d)) == d { return String(Int64(d)) }
        // Shortest round-trip text, e.g. "0.1", "1e+300", "5e-324"; large integers like 2^53 end in ".0".
        let text = d.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// Quotes and escapes `s` as a JSON string: `"`, `\` and control characters are escaped, the rest kept.
    static func writeQuoted(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{00}"..."\u{1F}", "\u{7F}":
                let digits = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// `s` as a JSON string, cut to `limit` characters (marked with "...") so messages stay one short line.
    static func quoted(_ s: String, limit: Int) -> String {
        var out = ""
        if s.count > limit {
            writeQuoted(String(s.prefix(limit)), to: &out)
            out.insert(contentsOf: "...", at: out.index(before: out.endIndex))
        } else {
            writeQuoted(s, to: &out)
        }
        return out
    }
}
