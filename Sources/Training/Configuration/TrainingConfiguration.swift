// The training configuration as one typed value: the network, the loss, the optimizer and its
// hyper-parameters, the schedule, batch size, epochs, seed, clipping, the validation split and the
// monitors, and how a training table is read. A program sets its members; the command line builds
// it from the flags; a checkpoint stores it as a JSON object (TrainingConfiguration+JSON.swift) and
// a resumed run reads it back from there.
import Formats
import Model
import Tables

public struct TrainingConfiguration: Equatable {
    /// The hidden layers, or the whole architecture; the output layer's width comes from the data.
    public enum NetworkSpec: Equatable {
        /// Hidden dense layers with one activation, then a linear layer with one unit per output.
        case hidden([Int], Activation)
        /// An architecture: every layer, the last one included.
        case layers([LayerSpec])

        /// The layers for a problem with `outputs` outputs (classes, or a regression's targets).
        public func specs(outputs: Int, regression: Bool = false) throws(ArchitectureError) -> [LayerSpec] {
            switch self {
            case .hidden(let h, let a): return Architecture.fromHidden(h, classes: outputs, activation: a)
            case .layers(let l):
                try Architecture.checkOutput(l, outputs: outputs, regression: regression)
                return l
            }
        }

        /// The layers, taking `outputs` for the width of the output layer where it is not given
        /// (for estimates made before the data is read).
        public func specs(assuming outputs: Int) -> [LayerSpec] {
            switch self {
            case .hidden(let h, let a): return Architecture.fromHidden(h, classes: outputs, activation: a)
            case .layers(let l): return l
            }
        }
    }

    /// A validation metric watched from epoch to epoch, and for how many epochs.
    public struct Watch: Equatable {
        public var metric: MetricMonitor.Metric
        public var patience: Int

        public init(metric: MetricMonitor.Metric, patience: Int) {
            self.metric = metric
            self.patience = patience
        }
    }

    // The data: which CSV columns are the targets and how the file is read (IDX data ignores these).
    /// The target columns; nil: the last column.
    public var target: [String]?
    /// nil: inferred from the target column (Task.rule).
    public var task: Task?
    /// Columns one-hot encoded even though they hold numbers.
    public var categorical: [String] = []
    /// How missing feature values are filled; nil: they are errors.
    public var missing: MissingPolicy?
    public var delimiter = UInt8(ascii: ",")
    /// How the CSV numbers are written (decimal mark, thousands separator).
    public var numbers = CSVNumberFormat.standard
    /// The values read as missing: with a missing-value policy, pandas' markers too (a checkpoint
    /// written before mlp read them keeps the basic ones, so that a resumed run reads its data as
    /// it began).
    public var missingMarkers = CSVMissingMarkers.basic
    /// A seeded fraction of the CSV rows held out as the test set (when there is no test file).
    public var testSplit: Float?
    /// The CSV column holding each row's weight in the loss and the figures (not a feature); nil: none.
    public var weightColumn: String?
    /// How much each class counts in the loss (ClassWeighting.swift); nil: every class alike.
    public var classWeight: ClassWeighting?
    /// The classification metrics added to the epoch lines and logs for the validation and test sets.
    public var metrics = MetricSelection()
    /// Whether the test and validation splits of a classification table keep each class's share
    /// (StratifiedSplit); images, and checkpoints made before mlp stratified, split by a plain
    /// seeded shuffle.
    public var stratify = false
    /// CSV columns left out of the features.
    public var ignore: [String] = []
    /// The only CSV feature columns (nil: all but the targets and the ignored ones).
    public var features: [String]?
    /// What becomes of CSV rows without a target.
    public var missingTarget = MissingTargetPolicy.skip

    public var network: NetworkSpec = .hidden([128], .relu)
    /// The output layer's width when it is not the data's class count: checkpoints of format 1
    /// come from an mlp whose networks always had 10 outputs. nil: one per class of the data.
    public var outputs: Int?
    /// The loss token (`cross_entropy`, `cross_entropy:0.1`, `bce`, `mse`, `mae`, `huber:1.5`); nil: the
    /// task's default (cross_entropy for classification, mse for regression).
    public var loss: String?
    public var initializer: Initializer?
    public var optimizer: OptimizerKind = .sgd
    public var lr: Float = 0.05
    public var momentum: Float = 0.9
    public var weightDecay: Float = 0
    public var beta1: Float = 0.9, beta2: Float = 0.999
    public var schedule = LearningRateSchedule.Kind.constant
    public var warmupEpochs = 0
    public var clipNorm: Float?
    /// The max-norm limit of every dense layer that sets none of its own.
    public var maxNorm: Float?
    public var epochs = 5
    public var batchSize = 64
    public var seed: UInt64 = 1
    /// Fraction of the (seeded, shuffled-once) training set held out for validation.
    public var validationSplit: Float?
    public var earlyStopping: Watch?
    /// With early stopping: when its patience runs out (or this many epochs before the last), the
    /// best weights so far anneal, their learning rate decaying to 0 over this many epochs (cosine),
    /// and training then stops with the best weights (nil: it stops at once).
    public var annealEpochs: Int?
    /// Multiply the learning rate by `factor` after `watch.patience` flat epochs.
    public var plateau: (factor: Float, watch: Watch)?
    /// How the training images are distorted as they are gathered (images only); nil: not at all.
    public var augment: AugmentationSpec?

    public static func == (a: TrainingConfiguration, b: TrainingConfiguration) -> Bool {
        a.target == b.target && a.task == b.task && a.categorical == b.categorical && a.missing == b.missing
            && a.delimiter == b.delimiter && a.numbers == b.numbers && a.missingMarkers == b.missingMarkers && a.testSplit == b.testSplit
            && a.stratify == b.stratify && a.ignore == b.ignore && a.features == b.features && a.missingTarget == b.missingTarget
            && a.network == b.network && a.outputs == b.outputs && a.loss == b.loss && a.initializer == b.initializer
            && a.optimizer == b.optimizer
            && a.lr == b.lr && a.momentum == b.momentum && a.weightDecay == b.weightDecay && a.beta1 == b.beta1
            && a.beta2 == b.beta2 && a.schedule == b.schedule && a.warmupEpochs == b.warmupEpochs
            && a.clipNorm == b.clipNorm && a.maxNorm == b.maxNorm && a.epochs == b.epochs && a.batchSize == b.batchSize && a.seed == b.seed
            && a.validationSplit == b.validationSplit && a.earlyStopping == b.earlyStopping && a.annealEpochs == b.annealEpochs
            && a.plateau?.factor == b.plateau?.factor && a.plateau?.watch == b.plateau?.watch
            && a.augment == b.augment && a.weightColumn == b.weightColumn && a.classWeight == b.classWeight && a.metrics == b.metrics
    }

    public init() {}

    public var adamLike: Bool { optimizer == .adam || optimizer == .adamw }

    /// Whether the splits of a `task` keep each class's share: a classification's, when `stratify`.
    public func stratifies(_ task: Task) -> Bool { stratify && task == .classification }

    /// How the training table is read and what is learnt from it (CSV data).
    public var tableSettings: TableSettings {
        TableSettings(
            target: target, task: task, categorical: categorical, missing: missing, delimiter: delimiter,
            numbers: numbers, missingMarkers: missingMarkers, testSplit: testSplit, stratify: stratify,
            ignore: ignore, features: features, missingTarget: missingTarget, weightColumn: weightColumn)
    }

    /// The learning-rate schedule with its base rate.
    public var learningRateSchedule: LearningRateSchedule {
        LearningRateSchedule(base: lr, kind: schedule, warmupEpochs: warmupEpochs)
    }

    /// The loss function for `task` (its token was checked when the configuration was made).
    public func makeLoss(for task: Task) -> Loss {
        LossKind.make(loss ?? (task == .regression ? "mse" : task == .multilabel ? "bce" : "cross_entropy"))!
    }

    /// The optimizer for a network's parameters.
    public func makeOptimizer(_ net: Network) -> Optimizer {
        switch optimizer {
        case .sgd: return SGD(network: net, momentum: momentum, weightDecay: weightDecay)
        case .nesterov: return SGD(network: net, momentum: momentum, nesterov: true, weightDecay: weightDecay)
        case .adam: return Adam(network: net, beta1: beta1, beta2: beta2, weightDecay: weightDecay)
        case .adamw: return Adam(network: net, beta1: beta1, beta2: beta2, weightDecay: weightDecay, decoupled: true)
        }
    }

    /// Flat state buffers the optimizer keeps (for the memory estimate).
    public var optimizerSlots: Int { optimizer.stateSlots(momentum: momentum) }

    /// A one-line description for logs and the model file.
    public var optimizerDescription: String {
        var s = "\(optimizer.rawValue) lr \(lr)"
        if momentum > 0 && (optimizer == .sgd || optimizer == .nesterov) { s += " momentum \(momentum)" }
        if weightDecay > 0 { s += " weight-decay \(weightDecay)" }
        if schedule != .constant { s += " schedule \(learningRateSchedule.token)" }
        if warmupEpochs > 0 { s += " warmup \(warmupEpochs)" }
        if let clipNorm { s += " clip-grad-norm \(clipNorm)" }
        if let maxNorm { s += " max-norm \(maxNorm)" }
        if let annealEpochs { s += " anneal \(annealEpochs)" }
        return s
    }
}

/// The defaults of the settings a flag leaves unset, by the kind of data: images (MNIST) and tables
/// (CSV) are best trained differently. For tables, Adam with a cosine schedule and a little L2
/// weight decay (chosen on validation splits of Adult and Diamonds, see the README).
public struct TrainingDefaults {
    public var optimizer: OptimizerKind
    public var schedule: LearningRateSchedule.Kind
    /// The learning rate for Adam and AdamW (SGD's is 0.05 either way).
    public var adamLR: Float
    /// L2 weight decay for sgd, nesterov and adam (AdamW's decoupled default is 0.01 either way).
    public var weightDecay: Float
    /// Whether a classification's splits keep each class's share (images: a plain seeded shuffle).
    public var stratify: Bool
    /// Without an epoch count: train until the validation loss stops improving (UntilConverged),
    /// rather than a fixed number of epochs.
    public var untilConverged: Bool

    public static let images = TrainingDefaults(
        optimizer: .sgd, schedule: .constant, adamLR: 1e-3, weightDecay: 0, stratify: false,
        untilConverged: false)
    public static let tables = TrainingDefaults(
        optimizer: .adam, schedule: .cosine, adamLR: 0.002, weightDecay: 3e-4, stratify: true,
        untilConverged: true)
    /// SGD's and Nesterov's learning rate, whatever the data.
    public static let sgdLR: Float = 0.05
    /// AdamW's decoupled weight decay, whatever the data.
    public static let adamwWeightDecay: Float = 0.01

    /// A default as --help shows it: "sgd" when images and tables share it, else "images sgd; tables adam".
    public static func note(_ value: (TrainingDefaults) -> String) -> String {
        let i = value(.images)
        let t = value(.tables)
        return i == t ? i : "images \(i); tables \(t)"
    }

    public static var optimizerNote: String { note { $0.optimizer.rawValue } }
    public static var scheduleNote: String { note { LearningRateSchedule(base: 0, kind: $0.schedule).token } }

    /// The learning rate's default as --help shows it: the data's own optimizer's first.
    public static var learningRateNote: String {
        note { d in
            d.optimizer == .adam || d.optimizer == .adamw
                ? "\(shown(d.adamLR)), or \(shown(sgdLR)) with sgd/nesterov"
                : "\(shown(sgdLR)), or \(shown(d.adamLR)) with adam/adamw"
        }
    }

    /// The weight decay's default as --help shows it.
    public static var weightDecayNote: String { note { shown($0.weightDecay) } + "; \(shown(adamwWeightDecay)) with adamw" }

    /// A number as a user types it: "0", "0.0003".
    public static func shown(_ x: Float) -> String { x == x.rounded() && abs(x) < 1e6 ? "\(Int(x))" : "\(x)" }
}
