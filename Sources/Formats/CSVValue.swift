// What a field's content means: missing, a number, a number we refuse (nan, inf, out of Float's
// range), or text. One function, used for every field the fast path does not take.
//
// Missing values: an empty field, NA or ? — exactly, case-sensitive. Unquoted fields have their
// surrounding spaces trimmed first (so " NA " is missing); a quoted field's content counts as it is
// written between the quotes (so "NA" in quotes is missing too, " NA" in quotes is the text " NA").

enum CSVValue {
    case missing
    case number(Float)
    /// nan, inf or infinity (any case, signed) or a number outside Float's range.
    case forbidden
    case text

    static func classify(_ p: UnsafePointer<UInt8>, _ n: Int) -> CSVValue {
        if isMissing(p, n) { return .missing }
        var value: Float = 0
        if let stop = DecimalParser.parse(p, p + n, &value, DecimalParser.tables), stop == p + n {
            return value.isFinite ? .number(value) : .forbidden
        }
        return isNonFiniteWord(p, n) ? .forbidden : .text
    }

    @inline(__always)
    static func isMissing(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        n == 0 || (n == 1 && p[0] == 0x3F) || (n == 2 && p[0] == 0x4E && p[1] == 0x41)  // ?  NA
    }

    /// [+-]? (nan | inf | infinity), any case: what strtof, NumPy and pandas would read as non-finite.
    static func isNonFiniteWord(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = 0
        if n > 0 && (p[0] == 0x2B || p[0] == 0x2D) { i = 1 }
        let rest = n - i
        guard rest == 3 || rest == 8 else { return false }
        var word = [UInt8]()
        word.reserveCapacity(rest)
        for k in i..<n { word.append(p[k] | 0x20) }  // ASCII lower case (non-letters cannot match anyway)
        return word == Array("nan".utf8) || word == Array("inf".utf8) || word == Array("infinity".utf8)
    }
}
