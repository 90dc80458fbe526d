// The training configuration as one typed value: the network, the loss, the optimizer and its
// hyper-parameters, the schedule, batch size, epochs, seed, clipping, the validation split and the
// monitors. The command line builds it (init(_:)); a checkpoint stores it as a JSON object
// (TrainingConfiguration+JSON.swift) and `--resume` reads it back directly.
import Formats
import Tables
import Model

struct TrainingConfiguration: Equatable {
    /// The hidden layers, or the whole architecture; the output layer's width comes from the data.
    enum NetworkSpec: Equatable {
        /// `--hidden`: dense layers with one activation, then a linear layer with one unit per output.
        case hidden([Int], Activation)
        /// `--layers`: every layer, the last one included.
        case layers([LayerSpec])

        /// The layers for a problem with `outputs` outputs (classes, or a regression's targets).
        func specs(outputs: Int, regression: Bool = false) throws(ArchitectureError) -> [LayerSpec] {
            switch self {
            case .hidden(let h, let a): return Architecture.fromHidden(h, classes: outputs, activation: a)
            case .layers(let l):
                try Architecture.checkOutput(l, outputs: outputs, regression: regression)
                return l
            }
        }

        /// The layers, taking `outputs` for the width of the output layer where it is not given
        /// (for estimates made before the data is read).
        func specs(assuming outputs: Int) -> [LayerSpec] {
            switch self {
            case .hidden(let h, let a): return Architecture.fromHidden(h, classes: outputs, activation: a)
            case .layers(let l): return l
            }
        }
    }

    /// A validation metric watched from epoch to epoch, and for how many epochs.
    struct Watch: Equatable {
        var metric: MetricMonitor.Metric
        var patience: Int
    }

    // The data: which CSV columns are the targets and how the file is read (IDX data ignores these).
    /// The target columns; nil: the last column.
    var target: [String]?
    /// nil: inferred from the target column (Task.rule).
    var task: Task?
    /// Columns one-hot encoded even though they hold numbers.
    var categorical: [String] = []
    /// How missing feature values are filled; nil: they are errors.
    var missing: MissingPolicy?
    var delimiter = UInt8(ascii: ",")
    /// How the CSV numbers are written (--decimal, --thousands).
    var numbers = CSVNumberFormat.standard
    /// The values read as missing: with --missing, pandas' markers too (a checkpoint written before
    /// mlp read them keeps the basic ones, so that a resumed run reads its data as it began).
    var missingMarkers = CSVMissingMarkers.basic
    /// A seeded fraction of the CSV rows held out as the test set (without --test-data).
    var testSplit: Float?

    var network: NetworkSpec = .hidden([128], .relu)
    /// The output layer's width when it is not the data's class count: checkpoints of format 1
    /// come from an mlp whose networks always had 10 outputs. nil: one per class of the data.
    var outputs: Int?
    /// The loss token (`cross_entropy`, `cross_entropy:0.1`, `bce`, `mse`, `mae`, `huber:1.5`); nil: the
    /// task's default (cross_entropy for classification, mse for regression).
    var loss: String?
    var initializer: Initializer?
    var optimizer: OptimizerKind = .sgd
    var lr: Float = 0.05
    var momentum: Float = 0.9
    var weightDecay: Float = 0
    var beta1: Float = 0.9, beta2: Float = 0.999
    var schedule = LearningRateSchedule.Kind.constant
    var warmupEpochs = 0
    var clipNorm: Float?
    /// The max-norm limit of every dense layer that sets none of its own.
    var maxNorm: Float?
    var epochs = 5
    var batchSize = 64
    var seed: UInt64 = 1
    /// Fraction of the (seeded, shuffled-once) training set held out for validation.
    var validationSplit: Float?
    var earlyStopping: Watch?
    /// Multiply the learning rate by `factor` after `watch.patience` flat epochs.
    var plateau: (factor: Float, watch: Watch)?
    /// How the training images are distorted as they are gathered (images only); nil: not at all.
    var augment: AugmentationSpec?

    static func == (a: TrainingConfiguration, b: TrainingConfiguration) -> Bool {
        a.target == b.target && a.task == b.task && a.categorical == b.categorical && a.missing == b.missing
            && a.delimiter == b.delimiter && a.numbers == b.numbers && a.missingMarkers == b.missingMarkers && a.testSplit == b.testSplit
            && a.network == b.network && a.outputs == b.outputs && a.loss == b.loss && a.initializer == b.initializer && a.optimizer == b.optimizer
            && a.lr == b.lr && a.momentum == b.momentum && a.weightDecay == b.weightDecay && a.beta1 == b.beta1
            && a.beta2 == b.beta2 && a.schedule == b.schedule && a.warmupEpochs == b.warmupEpochs
            && a.clipNorm == b.clipNorm && a.maxNorm == b.maxNorm && a.epochs == b.epochs && a.batchSize == b.batchSize && a.seed == b.seed
            && a.validationSplit == b.validationSplit && a.earlyStopping == b.earlyStopping
            && a.plateau?.factor == b.plateau?.factor && a.plateau?.watch == b.plateau?.watch
            && a.augment == b.augment
    }

    init() {}

    var adamLike: Bool { optimizer == .adam || optimizer == .adamw }

    /// How the training table is read and what is learnt from it (CSV data).
    var tableSettings: TableSettings {
        TableSettings(target: target, task: task, categorical: categorical, missing: missing, delimiter: delimiter,
                      numbers: numbers, missingMarkers: missingMarkers, testSplit: testSplit)
    }

    /// The learning-rate schedule with its base rate.
    var learningRateSchedule: LearningRateSchedule {
        LearningRateSchedule(base: lr, kind: schedule, warmupEpochs: warmupEpochs)
    }

    /// The loss function for `task` (its token was checked when the configuration was made).
    func makeLoss(for task: Task) -> Loss { LossKind.make(loss ?? (task == .regression ? "mse" : "cross_entropy"))! }

    /// The optimizer for a network's parameters.
    func makeOptimizer(_ net: Network) -> Optimizer {
        switch optimizer {
        case .sgd: return SGD(network: net, momentum: momentum, weightDecay: weightDecay)
        case .nesterov: return SGD(network: net, momentum: momentum, nesterov: true, weightDecay: weightDecay)
        case .adam: return Adam(network: net, beta1: beta1, beta2: beta2, weightDecay: weightDecay)
        case .adamw: return Adam(network: net, beta1: beta1, beta2: beta2, weightDecay: weightDecay, decoupled: true)
        }
    }

    /// Flat state buffers the optimizer keeps (for the memory estimate).
    var optimizerSlots: Int { optimizer.stateSlots(momentum: momentum) }

    /// A one-line description for logs and the model file.
    var optimizerDescription: String {
        var s = "\(optimizer.rawValue) lr \(lr)"
        if momentum > 0 && (optimizer == .sgd || optimizer == .nesterov) { s += " momentum \(momentum)" }
        if weightDecay > 0 { s += " weight-decay \(weightDecay)" }
        if schedule != .constant { s += " schedule \(learningRateSchedule.token)" }
        if warmupEpochs > 0 { s += " warmup \(warmupEpochs)" }
        if let clipNorm { s += " clip-grad-norm \(clipNorm)" }
        if let maxNorm { s += " max-norm \(maxNorm)" }
        return s
    }
}

/// The defaults of the settings a flag leaves unset, by the kind of data: images (MNIST) and tables
/// (CSV) are best trained differently. For tables, Adam with a cosine schedule and a little L2
/// weight decay (chosen on validation splits of Adult and Diamonds, see the README).
struct TrainingDefaults {
    var optimizer: OptimizerKind
    var schedule: LearningRateSchedule.Kind
    /// The learning rate for Adam and AdamW (SGD's is 0.05 either way).
    var adamLR: Float
    /// L2 weight decay for sgd, nesterov and adam (AdamW's decoupled default is 0.01 either way).
    var weightDecay: Float

    static let images = TrainingDefaults(optimizer: .sgd, schedule: .constant, adamLR: 1e-3, weightDecay: 0)
    static let tables = TrainingDefaults(optimizer: .adam, schedule: .cosine, adamLR: 0.002, weightDecay: 3e-4)
    /// SGD's and Nesterov's learning rate, whatever the data.
    static let sgdLR: Float = 0.05
    /// AdamW's decoupled weight decay, whatever the data.
    static let adamwWeightDecay: Float = 0.01

    /// A default as --help shows it: "sgd" when images and tables share it, else "images sgd; tables adam".
    static func note(_ value: (TrainingDefaults) -> String) -> String {
        let i = value(.images), t = value(.tables)
        return i == t ? i : "images \(i); tables \(t)"
    }

    static var optimizerNote: String { note { $0.optimizer.rawValue } }
    static var scheduleNote: String { note { LearningRateSchedule(base: 0, kind: $0.schedule).token } }

    /// The learning rate's default as --help shows it: the data's own optimizer's first.
    static var learningRateNote: String {
        note { d in
            d.optimizer == .adam || d.optimizer == .adamw ? "\(shown(d.adamLR)), or \(shown(sgdLR)) with sgd/nesterov"
                                                          : "\(shown(sgdLR)), or \(shown(d.adamLR)) with adam/adamw"
        }
    }

    /// The weight decay's default as --help shows it.
    static var weightDecayNote: String { note { shown($0.weightDecay) } + "; \(shown(adamwWeightDecay)) with adamw" }

    /// A number as a user types it: "0", "0.0003".
    static func shown(_ x: Float) -> String { x == x.rounded() && abs(x) < 1e6 ? "\(Int(x))" : "\(x)" }
}

extension TrainingConfiguration {
    /// The configuration the command line describes; every mistake is a usage error naming the flag.
    /// (Whether the monitors have a validation set to watch depends on the data flags too: the
    /// train command checks that, for new and resumed runs alike.)
    init(_ a: Arguments, defaults: TrainingDefaults = .images) throws(CLIError) {
        self.init()
        let cmd = a.command
        if a.has(Flags.layers) && a.has(Flags.hidden) {
            throw .usage("--layers and --hidden both describe the hidden layers; give one of them", command: cmd)
        }
        if a.has(Flags.layers) && a.has(Flags.activation) {
            throw .usage("--activation applies to --hidden; with --layers give each layer its own (e.g. 128:tanh)", command: cmd)
        }
        if let text = a.string(Flags.layers) {
            do { network = .layers(try Architecture.parse(text)) } catch {
                throw .usage("--layers: \(error.message)", command: cmd)
            }
        } else {
            var hidden = [128]
            if let text = a.string(Flags.hidden) {
                hidden = []
                for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let n = Int(part.trimmingCharacters()), n > 0, n <= 1 << 20 else {
                        throw .usage("--hidden expects positive layer widths separated by commas (e.g. 128,64), got '\(text)'", command: cmd)
                    }
                    hidden.append(n)
                }
            }
            var act = Activation.relu
            if let name = a.string(Flags.activation) {
                guard let parsed = Activation(name: name) else {
                    throw .usage("--activation '\(name)' is not one of \(Activation.names.joined(separator: ", "))", command: cmd)
                }
                act = parsed
            }
            network = .hidden(hidden, act)
        }
        if let lossToken = a.string(Flags.loss) {
            guard let l = LossKind.make(lossToken) else {
                throw .usage("--loss '\(lossToken)' is not one of \(LossKind.names.joined(separator: ", "))", command: cmd)
            }
            loss = l.token
        }
        try readData(a)
        if let name = a.string(Flags.initializer) {
            guard let i = Initializer(rawValue: name.lowercased()) else {
                throw .usage("--init '\(name)' is not one of \(Initializer.allCases.map(\.rawValue).joined(separator: ", "))", command: cmd)
            }
            initializer = i
        }
        let optName = (a.string(Flags.optimizer) ?? defaults.optimizer.rawValue).lowercased()
        guard let o = OptimizerKind(rawValue: optName) else {
            throw .usage("--optimizer '\(optName)' is not one of \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", "))", command: cmd)
        }
        optimizer = o
        lr = try a.float(Flags.lr) ?? (adamLike ? defaults.adamLR : TrainingDefaults.sgdLR)
        momentum = try a.float(Flags.momentum) ?? 0.9
        if o == .nesterov && momentum == 0 {
            throw .usage("--optimizer nesterov needs a momentum above 0", command: cmd)
        }
        if adamLike && a.has(Flags.momentum) {
            throw .usage("--momentum applies to sgd and nesterov; Adam's moments are --beta1/--beta2 (defaults 0.9, 0.999)", command: cmd)
        }
        weightDecay = try a.float(Flags.weightDecay) ?? (o == .adamw ? TrainingDefaults.adamwWeightDecay : defaults.weightDecay)
        let kindText = a.string(Flags.schedule) ?? LearningRateSchedule(base: 0, kind: defaults.schedule).token
        guard let kind = LearningRateSchedule.parseKind(kindText) else {
            throw .usage("--schedule '\(kindText)' is not one of \(LearningRateSchedule.names.joined(separator: ", "))", command: cmd)
        }
        schedule = kind
        epochs = try a.int(Flags.epochs, default: 5)
        warmupEpochs = try a.int(Flags.warmup, default: 0)
        clipNorm = try a.float(Flags.clipGradNorm)
        maxNorm = try a.float(Flags.maxNorm)
        batchSize = try a.int(Flags.batchSize, default: 64)
        seed = UInt64(try a.int(Flags.seed, default: 1))
        beta1 = try a.float(Flags.beta1) ?? 0.9
        beta2 = try a.float(Flags.beta2) ?? 0.999
        if !adamLike && (a.has(Flags.beta1) || a.has(Flags.beta2)) {
            throw .usage("--beta1/--beta2 apply to adam and adamw", command: cmd)
        }
        validationSplit = try a.float(Flags.validationSplit)
        let monitorName = a.string(Flags.monitor) ?? "val_loss"
        guard let metric = MetricMonitor.Metric(rawValue: monitorName) else {
            throw .usage("--monitor '\(monitorName)' is not one of val_loss, val_accuracy, val_r2", command: cmd)
        }
        if let patience = try a.int(Flags.earlyStopping) {
            earlyStopping = Watch(metric: metric, patience: patience)
        }
        if let text = a.string(Flags.reduceLROnPlateau) {
            guard let p = TrainingConfiguration.plateau(text, metric: metric) else {
                throw .usage("--reduce-lr-on-plateau expects FACTOR,PATIENCE with FACTOR in (0, 1) and PATIENCE ≥ 1 (e.g. 0.5,2), got '\(text)'", command: cmd)
            }
            plateau = p
        }
        if let text = a.string(Flags.augment) {
            do { augment = try AugmentationSpec.parse(text) } catch {
                throw .usage("--augment: \(error.message)", command: cmd)
            }
        }
    }

    /// The CSV data flags.
    private mutating func readData(_ a: Arguments) throws(CLIError) {
        let cmd = a.command
        func names(_ f: Flag) throws(CLIError) -> [String]? {
            guard let text = a.string(f) else { return nil }
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0.trimmingCharacters()) }
            guard !parts.contains(where: \.isEmpty), Set(parts).count == parts.count else {
                throw .usage("--\(f.name) expects column names separated by commas, each once, got '\(text)'", command: cmd)
            }
            return parts
        }
        target = try names(Flags.target)
        categorical = try names(Flags.categorical) ?? []
        if let t = a.string(Flags.task) {
            guard let parsed = Task(rawValue: t.lowercased()) else {
                throw .usage("--task '\(t)' is not one of classification, regression", command: cmd)
            }
            task = parsed
        }
        if task == .classification, let target, target.count > 1 {
            throw .usage("--task classification predicts one target column; several (\(target.joined(separator: ","))) make a regression", command: cmd)
        }
        if let m = a.string(Flags.missing) {
            guard let p = MissingPolicy(rawValue: m.lowercased()) else {
                throw .usage("--missing '\(m)' is not one of mean, median, most-frequent", command: cmd)
            }
            missing = p
            missingMarkers = .pandas
        }
        if let d = a.string(Flags.delimiter) {
            guard let b = TableSettings.delimiter(d) else {
                throw .usage("--delimiter '\(d)' is not one of , ; tab |", command: cmd)
            }
            delimiter = b
        }
        numbers = try TrainingConfiguration.numberFormat(a, base: numbers)
        testSplit = try a.float(Flags.testSplit)
        if let l = loss, task == .regression, !["mse", "mae"].contains(l) && !l.hasPrefix("huber") {
            throw .usage("--loss \(l) is for classification; a regression takes \(LossKind.regressionNames.joined(separator: ", "))", command: cmd)
        }
    }

    /// `base` with what --decimal and --thousands change (train, and predict and evaluate over the
    /// model's own format).
    static func numberFormat(_ a: Arguments, base: CSVNumberFormat) throws(CLIError) -> CSVNumberFormat {
        try NumberFormatFlags(a).format(over: base)
    }

    /// "FACTOR,PATIENCE" with FACTOR in (0, 1) and PATIENCE ≥ 1.
    static func plateau(_ text: String, metric: MetricMonitor.Metric) -> (factor: Float, watch: Watch)? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2, let f = Float(parts[0]), f > 0, f < 1, let p = Int(parts[1]), p >= 1, p <= 100_000 else { return nil }
        return (f, Watch(metric: metric, patience: p))
    }
}

extension Substring {
    func trimmingCharacters() -> Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
