// What a field's content means: missing, a number, a number we refuse (nan, inf, out of Float's
// range), or text. One function, used for every field the fast path does not take.
//
// Missing values: the markers of CSVMissingMarkers (an empty field, NA or ?, and pandas' markers
// when asked). Unquoted fields have their surrounding spaces trimmed first (so " NA " is missing); a
// quoted field's content counts as it is written between the quotes (so "NA" in quotes is missing
// too, " NA" in quotes is the text " NA"). Numbers are written as the CSVNumberFormat says.

enum CSVValue {
    case missing
    case number(Float)
    /// nan, inf or infinity (any case, signed) or a number outside Float's range.
    case forbidden
    case text

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

/// How one reading of a file tells values apart: its number syntax and its missing-value markers.
struct CSVValueRules {
    let syntax: DecimalParser.Syntax
    let markers: CSVMissingMarkers

    init(numbers: CSVNumberFormat = .standard, markers: CSVMissingMarkers = .basic) {
        syntax = numbers.syntax
        self.markers = markers
    }

    func classify(_ p: UnsafePointer<UInt8>, _ n: Int) -> CSVValue {
        if markers.isMissing(p, n) { return .missing }
        var value: Float = 0
        if let stop = DecimalParser.parse(p, p + n, &value, DecimalParser.tables, syntax), stop == p + n {
            return value.isFinite ? .number(value) : .forbidden
        }
        return CSVValue.isNonFiniteWord(p, n) ? .forbidden : .text
    }

    @inline(__always)
    func isMissing(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool { markers.isMissing(p, n) }
}
