// How a training table is read and what is learnt from it: the target columns and the task, the
// columns read and those forced to categories, the missing-value policies, the CSV dialect, the test
// split and the column of row weights. The training configuration holds these among its other settings and hands them to
// TabularData.
import Formats

/// What becomes of the rows whose target is missing.
public enum MissingTargetPolicy: String, CaseIterable, Equatable, Sendable {
    /// Left out of training and evaluation (and counted, for a one-line note).
    case skip
    /// An error naming the first one.
    case error
}

public struct TableSettings: Equatable {
    /// The target columns; nil: the last column.
    public var target: [String]?
    /// nil: inferred from the target column (Task.rule).
    public var task: Task?
    /// Columns one-hot encoded even though they hold numbers.
    public var categorical: [String] = []
    /// How missing feature values are filled; nil: they are errors.
    public var missing: MissingPolicy?
    public var delimiter = UInt8(ascii: ",")
    /// How the numbers are written (decimal mark, thousands separator).
    public var numbers = CSVNumberFormat.standard
    /// The values read as missing.
    public var missingMarkers = CSVMissingMarkers.basic
    /// A seeded fraction of the rows held out as the test set (when there is no test file).
    public var testSplit: Float?
    /// The column holding each row's weight (read as numbers, not a feature); nil: none.
    public var weightColumn: String?
    /// The rows held out as the test set, by index in the file (a cross-validation fold); the
    /// encoders then learn from the other rows only. Wins over `testSplit`.
    public var testRows: [Int]?

    /// Whether the test split of a classification keeps each class's share (StratifiedSplit).
    public var stratify = false
    /// Columns left out (neither features nor targets).
    public var ignore: [String] = []
    /// The only feature columns (nil: every column that is not a target or ignored).
    public var features: [String]?
    /// What becomes of rows without a target.
    public var missingTarget = MissingTargetPolicy.skip

    public init(
        target: [String]? = nil, task: Task? = nil, categorical: [String] = [], missing: MissingPolicy? = nil,
        delimiter: UInt8 = UInt8(ascii: ","), numbers: CSVNumberFormat = .standard,
        missingMarkers: CSVMissingMarkers = .basic, testSplit: Float? = nil, stratify: Bool = false,
        ignore: [String] = [], features: [String]? = nil, missingTarget: MissingTargetPolicy = .skip, weightColumn: String? = nil
    ) {
        self.target = target
        self.task = task
        self.categorical = categorical
        self.missing = missing
        self.delimiter = delimiter
        self.numbers = numbers
        self.missingMarkers = missingMarkers
        self.testSplit = testSplit
        self.weightColumn = weightColumn
        self.stratify = stratify
        self.ignore = ignore
        self.features = features
        self.missingTarget = missingTarget
    }

    /// The reader's options for these settings, with `threads` threads for a large file.
    public func csvOptions(threads: Int) -> CSVOptions {
        var o = CSVOptions(delimiter: delimiter, threads: threads, textColumns: Set(categorical))
        // Weights are numbers: a text value among them is an error naming it, never a category.
        if let weightColumn, !categorical.contains(weightColumn), !(target ?? []).contains(weightColumn) {
            o.numericColumns.insert(weightColumn)
        }
        o.numbers = numbers
        o.missingMarkers = missingMarkers
        return o
    }

    /// A delimiter as a user names it: , ; | tab (or a literal tab).
    public static func delimiter(_ text: String) -> UInt8? {
        switch text {
        case ",": return UInt8(ascii: ",")
        case ";": return UInt8(ascii: ";")
        case "|": return UInt8(ascii: "|")
        case "tab", "\t", "\\t": return 0x09
        default: return nil
        }
    }
}
