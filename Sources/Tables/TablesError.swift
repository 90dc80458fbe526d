// What can go wrong in turning a CSV table into a dataset, in the table's terms: a column that is
// not there, a missing value, a target that cannot be learnt. Where the fix is another setting (the
// target column, a missing-value policy, the task), the error names the setting and lets the caller
// say how its users spell it: the command line names its flags (`message(naming:)`); a program
// gets the settings' own names (`description`).
import Formats

/// A setting of how a table is read and what is learnt from it (named as the training
/// configuration's JSON names it).
public enum TableSetting: String, Sendable, CaseIterable {
    /// The target columns.
    case target
    /// Columns read as categories even though they hold numbers.
    case categorical
    /// classification, regression or multilabel.
    case task
    /// How missing values are filled in (mean, median, most-frequent).
    case missing
    /// The fraction of the rows held out as the test set.
    case testSplit = "test_split"
    /// A column echoed beside each row's answer.
    case idColumn = "id_column"
    /// Columns left out of the features.
    case ignore
    /// The only feature columns.
    case features
    /// What becomes of rows without a target (skip, error).
    case missingTarget = "missing_target"
    /// The column of row weights.
    case weightColumn = "weight_column"
}

/// What is wrong with a row's weight.
public enum WeightProblem: Equatable, Sendable {
    case missing
    case negative(String)
    case notANumber(String)
}

public enum TablesError: Error, CustomStringConvertible {
    /// The file is not a CSV table this reader takes (the FormatError names the file and place).
    case format(FormatError)
    /// `setting` names a column that is not in the file. `columns` are the file's; `hint` is said
    /// after them (a delimiter the header seems to use, or the nearest column name), or "".
    case noSuchColumn(path: String, column: String, setting: TableSetting, columns: [String], hint: String)
    /// Every column is a target: nothing is left to learn from.
    case noFeatureColumns(path: String, targets: [String], hint: String)
    /// The test split of `fraction` of `rows` rows leaves no test rows (or no training rows).
    case testSplitLeavesNothing(fraction: Float, rows: Int, noTestRows: Bool)
    /// A missing feature value at `position` ("FILE: line N, column 'x'"), and what the user can do.
    case missingValue(position: String, advice: TableEncoder.MissingAdvice)
    /// A table read with a model's encoder lacks one of the model's feature columns.
    case noModelColumn(path: String, column: String, features: [String], hint: String)
    /// A labelled table lacks the target columns a model predicts.
    case noTargetColumn(path: String, columns: [String], hint: String)
    /// A row at `position` has no target value (`training`: in the rows the model learns from).
    case missingTarget(position: String, training: Bool)
    /// A classification's target column holds one class only.
    case oneClass(path: String, column: String, label: String?)
    /// A regression's target holds text: the value `value` at `position`, or (no value) the column.
    case textTarget(path: String, position: String?, value: String?, column: String)
    /// A class of a labelled table that the model was not trained on.
    case unseenClass(position: String, label: String, column: String, labels: [String])
    /// A row's weight at `position` is missing, negative or not a number.
    case badWeight(position: String, problem: WeightProblem)
    /// Every training row's weight is 0: nothing would be learnt.
    case zeroWeights(path: String, column: String)
    /// The weight column is also the target, or a feature the settings name (`setting`).
    case weightColumnIsUsed(column: String, setting: TableSetting)
    /// A column of a multi-label target that does not hold two values (`values`: the first few it holds).
    case notTwoValues(path: String, column: String, values: [String], count: Int)
    /// A value of a multi-label target column that is neither of the two it was trained with.
    case unseenLabelValue(position: String, value: String, column: String, pair: [String])
    /// A value of a date column at `position` that is not an ISO date.
    case notADate(position: String, value: String)
    /// The column `column` is named by `setting` and also by `other` (or, `excluded`, left out by
    /// `other`): a column is a target, a feature or neither.
    case conflictingColumn(column: String, setting: TableSetting, other: TableSetting, excluded: Bool)
    /// A text column with so many distinct values (`distinct` among `rows` training rows that have
    /// one) that one-hot encoding cannot generalize: an ID or a name (TableEncoder.manyCategories).
    case tooManyCategories(path: String, column: String, distinct: Int, rows: Int)

    /// Whether the settings are at fault (a usage error on the command line) rather than the data.
    public var isSettingError: Bool {
        switch self {
        case .testSplitLeavesNothing, .weightColumnIsUsed, .conflictingColumn: return true
        default: return false
        }
    }

    /// The one-line message, with each setting named as `name` spells it.
    public func message(naming name: (TableSetting) -> String) -> String {
        switch self {
        case .format(let e):
            return e.description
        case .noSuchColumn(let path, let column, let setting, let columns, let hint):
            return
                "\(path): has no column \(CSVText.quote(column)) for \(name(setting)) (its columns: \(columns.joined(separator: ", ")))\(hint)"
        case .noFeatureColumns(let path, let targets, let hint):
            return "\(path): has no column left to learn from once the target (\(targets.joined(separator: ", "))) is set aside\(hint)"
        case .testSplitLeavesNothing(let fraction, let rows, let noTest):
            return "\(name(.testSplit)) \(fraction) of \(rows) rows leaves \(noTest ? "no test" : "no training") rows"
        case .missingValue(let position, let advice):
            let what = "\(position): missing value (empty, NA or ?)"
            let fill = "\(name(.missing)) mean|median|most-frequent"
            switch advice {
            case .impute: return "\(what); fill it in, or impute it with \(fill)"
            case .retrain:
                return
                    "\(what), and the model has no fill value for it (it was trained without \(name(.missing))); fill it in, or retrain with \(fill)"
            }
        case .noModelColumn(let path, let column, let features, let hint):
            return
                "\(path): has no column \(CSVText.quote(column)), which the model was trained on (its feature columns: \(features.joined(separator: ", ")))\(hint)"
        case .noTargetColumn(let path, let columns, let hint):
            return "\(path): has no target column \(columns.map(CSVText.quote).joined(separator: ", ")), which the model predicts\(hint)"
        case .missingTarget(let position, let training):
            return "\(position): the target is missing\(training ? "; every training row needs one" : "")"
        case .oneClass(let path, let column, let label):
            return
                "\(path): the target column \(CSVText.quote(column)) holds one class only (\(label.map(CSVText.quote) ?? "none")); classification needs two or more"
        case .textTarget(let path, let position, let value, let column):
            let instead = "(or use \(name(.task)) classification)"
            if let position, let value {
                return "\(position): \(CSVText.quote(value)) is not a number; a regression needs numbers in its target \(instead)"
            }
            return "\(path): the target column \(column) holds text; a regression needs numbers \(instead)"
        case .unseenClass(let position, let label, let column, let labels):
            return
                "\(position): class \(CSVText.quote(label)) of \(CSVText.quote(column)) was not seen in training (its classes: \(labels.joined(separator: ", ")))"
        case .badWeight(let position, let problem):
            let what: String
            switch problem {
            case .missing: what = "the weight is missing"
            case .negative(let v): what = "the weight \(v) is negative"
            case .notANumber(let v): what = "the weight \(CSVText.quote(v)) is not a number"
            }
            return "\(position): \(what); every row of the \(name(.weightColumn)) needs a number of at least 0"
        case .zeroWeights(let path, let column):
            return
                "\(path): every training row has weight 0 in the \(name(.weightColumn)) \(CSVText.quote(column)); nothing would be learnt"
        case .weightColumnIsUsed(let column, let setting):
            return
                "\(name(.weightColumn)) \(CSVText.quote(column)) is also named by \(name(setting)); the weights are not a feature or a target"
        case .notTwoValues(let path, let column, let values, let count):
            let shown = values.map(CSVText.quote).joined(separator: ", ") + (count > values.count ? ", …" : "")
            return
                "\(path): the target column \(CSVText.quote(column)) holds \(count) value\(count == 1 ? "" : "s") (\(shown)); a multi-label target needs two in each column, such as 0/1 or no/yes (or choose another \(name(.task)))"
        case .unseenLabelValue(let position, let value, let column, let pair):
            return
                "\(position): \(CSVText.quote(value)) in \(CSVText.quote(column)) is neither \(CSVText.quote(pair[0])) nor \(CSVText.quote(pair[1])), the two values the model was trained with"
        case .notADate(let position, let value):
            return
                "\(position): \(CSVText.quote(value)) is not a date (YYYY-MM-DD, optionally with a time: 2012-01-31T13:45:00, 2012-01-31 13:45), and the model reads this column as dates"
        case .conflictingColumn(let column, let setting, let other, let excluded):
            if excluded { return "\(name(setting)) names column \(CSVText.quote(column)), which \(name(other)) leaves out" }
            return
                "\(name(setting)) and \(name(other)) both name column \(CSVText.quote(column)); a column is a target, a feature or ignored"
        case .tooManyCategories(let path, let column, let distinct, let rows):
            return
                "\(path): column \(CSVText.quote(column)) holds \(distinct) distinct values in \(rows) training rows, too many for one-hot encoding to generalize (an ID or a name?); leave it out with \(name(.ignore)) \(column), or encode it anyway with \(name(.categorical)) \(column)"
        }
    }

    /// The message with the settings' own names ("impute it with missing mean|median|most-frequent").
    public var description: String { message { $0.rawValue } }
}
