// The training configuration the command line describes: every flag read, checked and turned into
// the typed value; every mistake is a usage error naming the flag.
import Formats
import Model
import Tables
import Training

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
                        throw .usage(
                            "--hidden expects positive layer widths separated by commas (e.g. 128,64), got '\(text)'", command: cmd)
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
            throw .usage(
                "--optimizer '\(optName)' is not one of \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", "))", command: cmd)
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
            throw .usage("--monitor '\(monitorName)' is not one of \(MetricMonitor.Metric.names)", command: cmd)
        }
        if let patience = try a.int(Flags.earlyStopping) {
            earlyStopping = Watch(metric: metric, patience: patience)
        }
        annealEpochs = try a.int(Flags.anneal)
        if let text = a.string(Flags.reduceLROnPlateau) {
            guard let p = TrainingConfiguration.plateau(text, metric: metric) else {
                throw .usage(
                    "--reduce-lr-on-plateau expects FACTOR,PATIENCE with FACTOR in (0, 1) and PATIENCE ≥ 1 (e.g. 0.5,2), got '\(text)'",
                    command: cmd)
            }
            plateau = p
        }
        if let text = a.string(Flags.augment) {
            do { augment = try AugmentationSpec.parse(text) } catch {
                throw .usage("--augment: \(error.message)", command: cmd)
            }
        }
        try readWeighting(a)
        stratify = defaults.stratify
        if defaults.untilConverged && !a.has(Flags.epochs) && !a.configurationMembers.contains(where: { $0.0 == "epochs" }) {
            trainUntilConverged(given: TrainingConfiguration.given(a), metric: metric)
        }
        self = try overlaid(a.configurationMembers, command: cmd)
    }

    /// Which of the settings the automatic epoch count chooses the command line gives.
    static func given(_ a: Arguments) -> GivenSettings {
        GivenSettings(
            validationSplit: a.has(Flags.validationSplit), earlyStopping: a.has(Flags.earlyStopping),
            schedule: a.has(Flags.schedule), plateau: a.has(Flags.reduceLROnPlateau), anneal: a.has(Flags.anneal))
    }

    /// --class-weight, --weight-column and --metrics.
    private mutating func readWeighting(_ a: Arguments) throws(CLIError) {
        let cmd = a.command
        if let text = a.string(Flags.classWeight) {
            switch ClassWeighting.parse(text) {
            case .success(let w): classWeight = w
            case .failure(.notAPair(let part)):
                throw .usage(
                    "--class-weight expects balanced, or LABEL:W pairs separated by commas with each W a number of at least 0 (e.g. '>50K:3'), got '\(part)'",
                    command: cmd)
            case .failure(.repeated(let label)):
                throw .usage("--class-weight names class '\(label)' twice", command: cmd)
            }
        }
        if a.has(Flags.weightColumn) { weightColumn = try a.required(Flags.weightColumn) }
        if let text = a.string(Flags.metrics) {
            switch MetricSelection.parse(text) {
            case .success(let m): metrics = m
            case .failure(.unknown(let name)):
                let hint = NearestName.hint(for: name, in: ClassificationMetric.allCases.map(\.rawValue) + ["all"]) { "'\($0)'" }
                throw .usage("--metrics '\(name)' is not one of \(ClassificationMetric.names) or all\(hint)", command: cmd)
            case .failure(.repeated(let name)):
                throw .usage("--metrics names \(name) twice", command: cmd)
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
        ignore = try names(Flags.ignore) ?? []
        features = try names(Flags.features)
        if a.has(Flags.ignore) && a.has(Flags.features) {
            throw .usage("--ignore and --features both choose the columns to learn from; give one of them", command: cmd)
        }
        if let m = a.string(Flags.missingTarget) {
            guard let p = MissingTargetPolicy(rawValue: m.lowercased()) else {
                throw .usage("--missing-target '\(m)' is not one of skip, error", command: cmd)
            }
            missingTarget = p
        }
        if let t = a.string(Flags.task) {
            guard let parsed = Task(rawValue: t.lowercased()) else {
                throw .usage("--task '\(t)' is not one of classification, regression, multilabel", command: cmd)
            }
            task = parsed
        }
        if task == .classification, let target, target.count > 1 {
            throw .usage(
                "--task classification predicts one target column; several (\(target.joined(separator: ","))) make a multi-label target (--task multilabel) or a regression",
                command: cmd)
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

extension TrainingConfiguration {
    /// A format 1 checkpoint's configuration, stored as the flags given: read as the command line
    /// reads them.
    static func fromVersion1Flags(_ given: [(name: String, value: String)]) throws(TrainingError) -> TrainingConfiguration {
        var args: [String] = []
        for (name, value) in given { args += ["--\(name)", value] }
        do { return try TrainingConfiguration(Arguments(args[...], flags: Flags.configuration, command: "train")) } catch {
            throw .data(error.message)
        }
    }
}

extension Checkpoint {
    /// A checkpoint's configuration as the command line reads it (format 1's flags too), its
    /// errors in the command line's words.
    static func commandLineConfiguration(_ file: SafetensorsFile, path: String) throws(CLIError) -> TrainingConfiguration {
        try library { try Checkpoint.configuration(file, path: path, flags: TrainingConfiguration.fromVersion1Flags) }
    }
}
