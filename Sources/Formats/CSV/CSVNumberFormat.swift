// How the numbers of a CSV file are written: the decimal mark ('.' or a decimal comma) and the
// separator between thousands, if any (1,234,567.5 or 1.234.567,5 or 1 234 567,5). The reader parses
// with it (DecimalParser, correctly rounded either way), and a text column whose values would all be
// numbers in another way of writing them is worth a word to the user (`suggestion`).
//
// A separator that is also the field delimiter can only appear inside quotes: with the ',' delimiter,
// "3,5" (quoted) is 3.5 under a decimal comma, and 3,5 unquoted is two fields, as in any CSV reader.

public struct CSVNumberFormat: Equatable, Hashable, Sendable {
    /// The decimal mark: '.' or ','.
    public var decimal: UInt8
    /// The thousands separator (nil: none): one of `separators`, not the decimal mark.
    public var thousands: UInt8?

    public init(decimal: UInt8 = UInt8(ascii: "."), thousands: UInt8? = nil) {
        self.decimal = decimal
        self.thousands = thousands
    }

    /// '.' for decimals, no thousands separator: what C, Python and JSON write.
    public static let standard = CSVNumberFormat()

    /// The decimal marks a file may use.
    public static let decimalMarks: [UInt8] = [UInt8(ascii: "."), UInt8(ascii: ",")]
    /// The thousands separators a file may use: , . ' space and _.
    public static let separators: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: "."), UInt8(ascii: "'"), 0x20, UInt8(ascii: "_")]

    /// Whether the marks are allowed and differ.
    public var isValid: Bool {
        CSVNumberFormat.decimalMarks.contains(decimal)
            && thousands.map { CSVNumberFormat.separators.contains($0) && $0 != decimal } ?? true
    }

    /// The parser's syntax for a field's content.
    var syntax: DecimalParser.Syntax {
        DecimalParser.Syntax(decimal: UInt16(decimal), thousands: thousands.map(UInt16.init) ?? DecimalParser.Syntax.none)
    }

    /// The syntax for a number read straight from the file's bytes, before the field around it is
    /// known: a mark that is also the delimiter ends the field there (only a quoted field holds it,
    /// and quoted fields take the general path).
    func unquotedSyntax(delimiter: UInt8) -> DecimalParser.Syntax {
        let s = syntax
        return DecimalParser.Syntax(
            decimal: s.decimal == UInt16(delimiter) ? DecimalParser.Syntax.none : s.decimal,
            thousands: s.thousands == UInt16(delimiter) ? DecimalParser.Syntax.none : s.thousands)
    }

    /// The Float that all of `text` spells in this format (nil when it is not exactly one number;
    /// ±infinity when it is out of Float's range).
    public func parse(_ text: String) -> Float? {
        DecimalParser.parse(Array(text.utf8), syntax)
    }

    /// The flags that choose this format, as a user types them: "--decimal ," or
    /// "--decimal , --thousands ." ("--decimal ." for the standard format).
    public var flags: String {
        var parts: [String] = []
        if decimal != UInt8(ascii: ".") || thousands == nil { parts.append("--decimal \(CSVNumberFormat.flagValue(decimal))") }
        if let thousands { parts.append("--thousands \(CSVNumberFormat.flagValue(thousands))") }
        return parts.joined(separator: " ")
    }

    /// A mark as a command-line word: space as `space`, the apostrophe in double quotes.
    public static func flagValue(_ b: UInt8) -> String {
        switch b {
        case 0x20: return "space"
        case UInt8(ascii: "'"): return "\"'\""
        default: return String(UnicodeScalar(b))
        }
    }

    /// A mark as the flag's value names it (`space` for a space), or nil when it is no mark.
    public static func mark(_ text: String) -> UInt8? {
        if text == "space" || text == " " { return 0x20 }
        guard text.utf8.count == 1, let b = text.utf8.first else { return nil }
        return decimalMarks.contains(b) || separators.contains(b) ? b : nil
    }

    /// How this format writes numbers, for a message: "a decimal comma", "',' between thousands",
    /// "a decimal comma and '.' between thousands".
    public var description: String {
        var parts: [String] = []
        if decimal == UInt8(ascii: ",") { parts.append("a decimal comma") }
        if let thousands {
            parts.append("\(thousands == 0x20 ? "spaces" : CSVText.quote(String(UnicodeScalar(thousands)))) between thousands")
        }
        return parts.isEmpty ? "a decimal point" : parts.joined(separator: " and ")
    }

    /// The formats worth suggesting for a file with this delimiter, most likely first (the standard
    /// one too, for a file read with another): where the
    /// comma separates fields it is a thousands separator more often than a decimal mark, and the
    /// other way round where fields are separated by ';', tab or '|'.
    static func candidates(delimiter: UInt8) -> [CSVNumberFormat] {
        let comma = UInt8(ascii: ",")
        let dot = UInt8(ascii: ".")
        let apostrophe = UInt8(ascii: "'")
        let space: UInt8 = 0x20
        let decimalComma = [
            CSVNumberFormat(decimal: comma), CSVNumberFormat(decimal: comma, thousands: dot),
            CSVNumberFormat(decimal: comma, thousands: space), CSVNumberFormat(decimal: comma, thousands: apostrophe),
        ]
        let decimalPoint = [
            CSVNumberFormat(thousands: comma), CSVNumberFormat(thousands: space),
            CSVNumberFormat(thousands: apostrophe), CSVNumberFormat(thousands: UInt8(ascii: "_")),
        ]
        return delimiter == comma ? [standard] + decimalPoint + decimalComma : decimalComma + [standard] + decimalPoint
    }

    /// Another format in which every one of `values` is a finite number, for a column that this
    /// format reads as text (nil when there is none, or when no value needs it). `values` are a
    /// text column's categories; missing values are not among them.
    public func suggestion(for values: [String], delimiter: UInt8) -> CSVNumberFormat? {
        guard !values.isEmpty else { return nil }
        let bytes = values.map { Array($0.utf8) }
        for candidate in CSVNumberFormat.candidates(delimiter: delimiter) where candidate != self {
            let syntax = candidate.syntax
            if bytes.allSatisfy({ DecimalParser.parse($0, syntax)?.isFinite == true }) { return candidate }
        }
        return nil
    }
}
