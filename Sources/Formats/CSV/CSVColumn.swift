// One column of a CSV table, as the reader typed it.

public enum CSVColumn: Equatable, Sendable {
    /// Every present value is a finite number; a missing value is NaN (the file cannot contain NaN
    /// itself: nan and inf are refused). `missing` counts them.
    case numeric(values: [Float], missing: Int)
    /// Text: per row the index of its value in `categories` (in the order of first appearance in the
    /// file), or -1 when the value is missing; `missing` counts those.
    case text(codes: [Int32], categories: [String], missing: Int)

    /// How many values are missing.
    public var missing: Int {
        switch self {
        case .numeric(_, let missing), .text(_, _, let missing): return missing
        }
    }

    /// True for a numeric column.
    public var isNumeric: Bool {
        if case .numeric = self { return true }
        return false
    }

    /// The values of a numeric column (nil for a text column).
    public var values: [Float]? {
        if case .numeric(let values, _) = self { return values }
        return nil
    }

    /// The codes and categories of a text column (nil for a numeric column).
    public var textValues: (codes: [Int32], categories: [String])? {
        if case .text(let codes, let categories, _) = self { return (codes, categories) }
        return nil
    }

    /// The number of rows.
    public var count: Int {
        switch self {
        case .numeric(let values, _): return values.count
        case .text(let codes, _, _): return codes.count
        }
    }
}
