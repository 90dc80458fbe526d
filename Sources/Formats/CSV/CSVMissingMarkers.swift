// The values that mean "missing" in a CSV field. Always: an empty field, NA and ? (exactly,
// case-sensitive). With the pandas markers as well (the CLI's --missing), everything pandas'
// read_csv reads as NaN by default: #N/A, #N/A N/A, #NA, -1.#IND, -1.#QNAN, -NaN, -nan, 1.#IND,
// 1.#QNAN, <NA>, N/A, NULL, NaN, None, n/a, nan, null. Unquoted fields have their surrounding spaces
// trimmed first; a quoted field's content counts as written between the quotes.

public enum CSVMissingMarkers: Equatable, Sendable {
    /// An empty field, NA or ?.
    case basic
    /// The basic ones and pandas' default na_values.
    case pandas

    /// The markers, as text (the empty field first).
    public var list: [String] {
        switch self {
        case .basic: return CSVMissingMarkers.basicList
        case .pandas: return CSVMissingMarkers.basicList + CSVMissingMarkers.pandasOnly
        }
    }

    static let basicList = ["", "NA", "?"]
    /// pandas' default na_values that are not basic markers, in pandas' order.
    public static let pandasOnly = [
        "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
        "<NA>", "N/A", "NULL", "NaN", "None", "n/a", "nan", "null",
    ]
    private static let pandasBytes: [[UInt8]] = pandasOnly.map { Array($0.utf8) }

    /// The markers for a list as the model file or a checkpoint stores it (nil: not one of them).
    public init?(list: [String]) {
        if Set(list) == Set(CSVMissingMarkers.basicList) {
            self = .basic
        } else if Set(list) == Set(CSVMissingMarkers.basicList + CSVMissingMarkers.pandasOnly) {
            self = .pandas
        } else {
            return nil
        }
    }

    @inline(__always)
    func isMissing(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        if n == 0 || (n == 1 && p[0] == 0x3F) || (n == 2 && p[0] == 0x4E && p[1] == 0x41) { return true }  // ?  NA
        return self == .pandas && CSVMissingMarkers.isPandasOnly(p, n)
    }

    /// Whether the bytes are one of pandas' markers that are not basic ones.
    static func isPandasOnly(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        guard n >= 3 && n <= 8 else { return false }
        switch p[0] {  // every marker starts with one of these
        case 0x23, 0x2D, 0x31, 0x3C, 0x4E, 0x6E: break  // # - 1 < N n
        default: return false
        }
        for marker in pandasBytes where marker.count == n {
            var k = 0
            while k < n && marker[k] == p[k] { k += 1 }
            if k == n { return true }
        }
        return false
    }

    /// Whether `value` is one of pandas' markers that are not basic ones.
    static func isPandasOnly(_ value: [UInt8]) -> Bool {
        value.withUnsafeBufferPointer { $0.baseAddress.map { isPandasOnly($0, value.count) } ?? false }
    }
}
