// What can go wrong in training, in training's terms: a configuration that does not fit the task
// or the data, a file that is not what it should be (a checkpoint, a model file, IDX data), a table
// that cannot be learnt, not enough memory. Where the fix is a setting, the error names it and lets
// the caller say how its users spell it (the command line: its flags), as TablesError does.
import Formats
import Model
import Tables

/// A setting of a training run (named as the training configuration's JSON names it; the last
/// three belong to the run, not the configuration).
public enum TrainingSetting: String, Sendable, CaseIterable {
    case layers, loss, monitor, augment, metrics
    case validationSplit = "validation_split"
    case classWeight = "class_weight"
    /// The memory the run may take.
    case memoryLimit = "memory_limit"
    /// The checkpoint a run resumes from, and the one it writes.
    case resume, checkpoint
}

public enum TrainingError: Error, CustomStringConvertible {
    /// A file or its data is not what it should be; `message` names the file and says what is wrong.
    case data(String)
    /// A file format's own error (naming the file and the place).
    case format(FormatError)
    /// A table that cannot be read or learnt.
    case table(TablesError)
    /// The architecture does not fit the task (its output layer, for one).
    case architecture(ArchitectureError)
    /// The monitored validation metric belongs to the other task.
    case metricNeedsOtherTask(MetricMonitor.Metric, task: Task)
    /// Class weights need class labels; the task is a regression.
    case classWeightNeedsClassification
    /// The class weights name `label`, which is not one of the target's `labels`.
    case classWeightLabel(label: String, labels: [String])
    /// The class weights give every class of the training set weight 0: nothing would be learnt.
    case classWeightsAllZero
    /// A classification metric named by `setting` (the monitor, the metrics) that a problem of
    /// `classes` classes does not have (a regression: 0).
    case metricDoesNotApply(setting: TrainingSetting, name: String, metric: ClassificationMetric, classes: Int)
    /// The loss belongs to the other task.
    case lossNeedsOtherTask(loss: String, task: Task)
    /// Augmentation distorts images, and the training data is a table.
    case augmentNeedsImages
    /// Augmentation distorts two-dimensional images of a bounded size; these are `rows`×`cols`.
    case augmentImageSize(rows: Int, cols: Int)
    /// The validation split of `fraction` of `count` training examples leaves no validation
    /// examples (or no training examples).
    case validationSplitLeavesNothing(fraction: Float, count: Int, noValidation: Bool)
    /// The file at `path` is a model file (an INT8 one, when `int8`), not a checkpoint to resume.
    case modelIsNotACheckpoint(path: String, int8: Bool)
    /// A checkpoint's configuration does not fit the data it resumes on.
    indirect case checkpointDoesNotFit(path: String, TrainingError)
    /// The run needs about `needed` bytes (`biggest` of them for `what`; nil when that is all of
    /// it) and may take `limit`: the memory limit it was given, or (not `limitGiven`) the memory
    /// available.
    case notEnoughMemory(needed: Int, what: String, biggest: Int?, limit: Int, limitGiven: Bool)

    /// Whether the settings are at fault (a usage error on the command line) rather than the data.
    public var isSettingError: Bool {
        switch self {
        case .architecture, .metricNeedsOtherTask, .lossNeedsOtherTask, .augmentNeedsImages, .validationSplitLeavesNothing,
            .classWeightNeedsClassification, .classWeightLabel, .classWeightsAllZero, .metricDoesNotApply:
            return true
        case .table(let e): return e.isSettingError
        default: return false
        }
    }

    /// The one-line message, with each setting named as `name` and `table` spell them.
    public func message(naming name: (TrainingSetting) -> String, table: (TableSetting) -> String) -> String {
        switch self {
        case .data(let m): return m
        case .format(let e): return e.description
        case .table(let e): return e.message(naming: table)
        case .architecture(let e): return "\(name(.layers)): \(e.message)"
        case .metricNeedsOtherTask(let m, let task):
            let other =
                task == .regression
                ? "a regression has val_loss and val_r2"
                : task == .multilabel
                    ? "a multi-label model has val_loss and val_accuracy (every label right)"
                    : "a classification has val_loss and val_accuracy"
            return "\(name(.monitor)) \(m.rawValue) watches a \(m == .valR2 ? "regression" : "classification"); \(other)"
        case .classWeightNeedsClassification:
            return
                "\(name(.classWeight)) weighs the classes of a classification; a regression or a multi-label target has none (a weight column weighs rows of any)"
        case .classWeightLabel(let label, let labels):
            let shown = labels.prefix(20).joined(separator: ", ") + (labels.count > 20 ? ", …" : "")
            return "\(name(.classWeight)) names class '\(label)', which the target does not have (its classes: \(shown))"
        case .classWeightsAllZero:
            return "\(name(.classWeight)) gives every class of the training set weight 0; nothing would be learnt"
        case .metricDoesNotApply(let setting, let shownName, let metric, let classes):
            let what = classes == 0 ? "a regression" : "a classification of \(classes) classes"
            return "\(name(setting)) \(shownName) is a figure of \(metric.scopeDescription); this is \(what)"
        case .lossNeedsOtherTask(let loss, let task):
            if task == .multilabel {
                return
                    "\(name(.loss)) \(loss) does not fit a multi-label target; it takes bce (a sigmoid and binary cross-entropy per label)"
            }
            return task == .classification
                ? "\(name(.loss)) \(loss) is for regression; a classification takes cross_entropy, bce or mse"
                : "\(name(.loss)) \(loss) is for classification; a regression takes \(LossKind.regressionNames.joined(separator: ", "))"
        case .augmentNeedsImages:
            return "\(name(.augment)) distorts images (IDX files); a CSV table has no images to distort"
        case .augmentImageSize(let rows, let cols):
            return
                "\(name(.augment)) distorts two-dimensional images of at least 2×2 and at most about 2045×2045 pixels; the training images are \(rows)×\(cols)"
        case .validationSplitLeavesNothing(let fraction, let count, let noValidation):
            return
                "\(name(.validationSplit)) \(fraction) of \(count) training images leaves \(noValidation ? "no validation" : "no training") images"
        case .modelIsNotACheckpoint(let path, let int8):
            return int8
                ? "\(path): is an INT8 model (mlp quantize), which cannot be trained further; \(name(.resume)) takes the float checkpoint written by \(name(.checkpoint))"
                : "\(path): is a model file, not a checkpoint; \(name(.resume)) takes the file written by \(name(.checkpoint))"
        case .checkpointDoesNotFit(let path, let inner):
            return "\(path): checkpoint configuration does not fit the data: \(inner.message(naming: name, table: table))"
        case .notEnoughMemory(let needed, let what, let biggest, let limit, let given):
            let detail = biggest.map { " (\(MemoryBudget.size($0)) of it for \(what))" } ?? " for \(what),"
            let limitText =
                given
                ? "the \(name(.memoryLimit)) limit is \(MemoryBudget.size(limit))"
                : "only \(MemoryBudget.size(limit)) is available (MemAvailable in /proc/meminfo)"
            return
                "not enough memory: this needs about \(MemoryBudget.size(needed))\(detail) but \(limitText); use a smaller dataset or model, or a larger \(name(.memoryLimit))"
        }
    }

    /// The message with the settings' own names.
    public var description: String { message(naming: { $0.rawValue }, table: { $0.rawValue }) }
}
