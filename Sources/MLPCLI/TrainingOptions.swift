// The model and optimization flags of `mlp train`, parsed into Model objects.
import Model

struct TrainingOptions {
    var specs: [LayerSpec]
    var loss: Loss
    var initializer: Initializer?
    var optimizer: OptimizerKind
    var lr: Float
    var momentum: Float
    var weightDecay: Float
    var schedule: LearningRateSchedule
    var clipNorm: Float?
    var epochs: Int
    var batchSize: Int
    var seed: UInt64
    /// Fraction of the (seeded, shuffled-once) training set held out for validation.
    var validationSplit: Float?
    /// Early stopping: the metric and the patience in epochs.
    var earlyStopping: MetricMonitor?
    /// Reduce-on-plateau: multiply the learning rate by `factor` after `patience` flat epochs.
    var plateau: (factor: Float, monitor: MetricMonitor)?

    static let defaultHidden = [128]

    /// The flags that define a training run; a checkpoint stores them, and --resume refuses to
    /// change any but --epochs.
    static let configFlags = ["hidden", "activation", "layers", "loss", "init", "optimizer", "lr", "momentum",
                              "weight-decay", "beta1", "beta2", "schedule", "warmup", "clip-grad-norm", "epochs",
                              "batch-size", "seed", "validation-split", "early-stopping", "monitor",
                              "reduce-lr-on-plateau"]

    init(_ a: Arguments, classes: Int) throws(CLIError) {
        let cmd = a.command
        if a.has("layers") && a.has("hidden") {
            throw .usage("--layers and --hidden both describe the hidden layers; give one of them", command: cmd)
        }
        if a.has("layers") && a.has("activation") {
            throw .usage("--activation applies to --hidden; with --layers give each layer its own (e.g. 128:tanh)", command: cmd)
        }
        if let text = a.string("layers") {
            do { specs = try Architecture.parse(text, classes: classes) } catch {
                throw .usage("--layers: \(error.message)", command: cmd)
            }
        } else {
            var hidden = TrainingOptions.defaultHidden
            if let text = a.string("hidden") {
                hidden = []
                for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let n = Int(part.trimmingCharacters()), n > 0, n <= 1 << 20 else {
                        throw .usage("--hidden expects positive layer widths separated by commas (e.g. 128,64), got '\(text)'", command: cmd)
                    }
                    hidden.append(n)
                }
            }
            var act = Activation.relu
            if let name = a.string("activation") {
                guard let parsed = Activation(name: name) else {
                    throw .usage("--activation '\(name)' is not one of \(Activation.names.joined(separator: ", "))", command: cmd)
                }
                act = parsed
            }
            specs = Architecture.fromHidden(hidden, classes: classes, activation: act)
        }
        let lossToken = a.string("loss") ?? "cross_entropy"
        guard let l = LossKind.make(lossToken) else {
            throw .usage("--loss '\(lossToken)' is not one of \(LossKind.names.joined(separator: ", "))", command: cmd)
        }
        loss = l
        if let name = a.string("init") {
            guard let i = Initializer(rawValue: name.lowercased()) else {
                throw .usage("--init '\(name)' is not one of \(Initializer.allCases.map(\.rawValue).joined(separator: ", "))", command: cmd)
            }
            initializer = i
        }
        let optName = (a.string("optimizer") ?? "sgd").lowercased()
        guard let o = OptimizerKind(rawValue: optName) else {
            throw .usage("--optimizer '\(optName)' is not one of \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", "))", command: cmd)
        }
        optimizer = o
        let adamLike = o == .adam || o == .adamw
        lr = try a.float("lr", default: adamLike ? 1e-3 : 0.05, "positive") { $0 > 0 }
        momentum = try a.float("momentum", default: 0.9, "in [0, 1)") { $0 >= 0 && $0 < 1 }
        if o == .nesterov && momentum == 0 {
            throw .usage("--optimizer nesterov needs a momentum above 0", command: cmd)
        }
        if adamLike && a.has("momentum") {
            throw .usage("--momentum applies to sgd and nesterov; Adam's moments are --beta1/--beta2 (defaults 0.9, 0.999)", command: cmd)
        }
        weightDecay = try a.float("weight-decay", default: adamLike && o == .adamw ? 0.01 : 0, "zero or positive") { $0 >= 0 }
        let kindText = a.string("schedule") ?? "constant"
        guard let kind = LearningRateSchedule.parseKind(kindText) else {
            throw .usage("--schedule '\(kindText)' is not one of \(LearningRateSchedule.names.joined(separator: ", "))", command: cmd)
        }
        epochs = try a.int("epochs", default: 5, in: 1...100_000)
        let warmup = try a.int("warmup", default: 0, in: 0...100_000)
        schedule = LearningRateSchedule(base: lr, kind: kind, warmupEpochs: warmup)
        clipNorm = try a.optionalFloat("clip-grad-norm", "positive") { $0 > 0 }
        batchSize = try a.int("batch-size", default: 64, in: 1...1 << 20)
        seed = UInt64(try a.int("seed", default: 1, in: 0...Int.max))
        beta1 = try a.float("beta1", default: 0.9, "in [0, 1)") { $0 >= 0 && $0 < 1 }
        beta2 = try a.float("beta2", default: 0.999, "in [0, 1)") { $0 >= 0 && $0 < 1 }
        if !adamLike && (a.has("beta1") || a.has("beta2")) {
            throw .usage("--beta1/--beta2 apply to adam and adamw", command: cmd)
        }
        validationSplit = try a.optionalFloat("validation-split", "between 0 and 1 (exclusive)") { $0 > 0 && $0 < 1 }
        let monitorName = a.string("monitor") ?? "val_loss"
        guard let metric = MetricMonitor.Metric(rawValue: monitorName) else {
            throw .usage("--monitor '\(monitorName)' is not one of val_loss, val_accuracy", command: cmd)
        }
        if let patience = try a.optionalInt("early-stopping", in: 1...100_000) {
            earlyStopping = MetricMonitor(metric: metric, patience: patience)
        }
        if let text = a.string("reduce-lr-on-plateau") {
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == 2, let f = Float(parts[0]), f > 0, f < 1, let p = Int(parts[1]), p >= 1 else {
                throw .usage("--reduce-lr-on-plateau expects FACTOR,PATIENCE with FACTOR in (0, 1) and PATIENCE ≥ 1 (e.g. 0.5,2), got '\(text)'", command: cmd)
            }
            plateau = (f, MetricMonitor(metric: metric, patience: p))
        }
        let hasValidation = validationSplit != nil || a.has("validation-images")
        if !hasValidation && (earlyStopping != nil || plateau != nil || a.has("monitor")) {
            let flag = earlyStopping != nil ? "--early-stopping" : plateau != nil ? "--reduce-lr-on-plateau" : "--monitor"
            throw .usage("\(flag) watches a validation set: add --validation-split F or --validation-images/--validation-labels", command: cmd)
        }
        if validationSplit != nil && a.has("validation-images") {
            throw .usage("--validation-split and --validation-images both name a validation set; give one of them", command: cmd)
        }
        if a.has("validation-images") != a.has("validation-labels") {
            throw .usage("--validation-images and --validation-labels go together", command: cmd)
        }
    }

    var beta1: Float = 0.9, beta2: Float = 0.999

    /// The optimizer for a network's parameters.
    func makeOptimizer(_ net: Network) -> Optimizer {
        switch optimizer {
        case .sgd: return SGD(parameters: net.parameters, momentum: momentum, weightDecay: weightDecay)
        case .nesterov: return SGD(parameters: net.parameters, momentum: momentum, nesterov: true, weightDecay: weightDecay)
        case .adam: return Adam(parameters: net.parameters, beta1: beta1, beta2: beta2, weightDecay: weightDecay)
        case .adamw: return Adam(parameters: net.parameters, beta1: beta1, beta2: beta2, weightDecay: weightDecay, decoupled: true)
        }
    }

    /// A one-line description for logs and the model file.
    var optimizerDescription: String {
        var s = "\(optimizer.rawValue) lr \(lr)"
        if momentum > 0 && (optimizer == .sgd || optimizer == .nesterov) { s += " momentum \(momentum)" }
        if weightDecay > 0 { s += " weight-decay \(weightDecay)" }
        if schedule.kind != .constant { s += " schedule \(schedule.token)" }
        if schedule.warmupEpochs > 0 { s += " warmup \(schedule.warmupEpochs)" }
        if let clipNorm { s += " clip-grad-norm \(clipNorm)" }
        return s
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
