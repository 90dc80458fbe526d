// One training session owns the whole loop: epochs of steps (Model's Trainer), evaluation on the
// validation and test sets, early stopping and its best weights, reduce-on-plateau, the time
// budget, interruption between steps, divergence. Everything else watches it through observers:
// the progress display, the logs and plots, the checkpoints (Observers.swift). Everything
// it holds that changes while training is what a checkpoint saves (Checkpoint.swift), so a session
// resumed from one continues exactly where it stopped.
import Formats
import Model
import Tables

#if canImport(Glibc)
    import Glibc
#endif

/// The data a session trains on: the training set, the test set (if any), and a validation set
/// given apart (a validation split is cut from the training set by the session, with the
/// configuration's seed), and the task, decided once by whoever read the data.
public struct TrainingData {
    public var train: Dataset
    public var test: Dataset?
    public var validation: Dataset?
    /// Classification (the datasets hold class labels), regression (they hold values) or multi-label
    /// (they hold a 0/1 value per label).
    public var task: Task
    /// For regression targets (standardized in the datasets): each target's standard deviation, to
    /// report errors in the target's units.
    public var targetScale: [Float] = []
    /// The classes' names as the data writes them (class weights name them); nil: "0", "1", ….
    public var classNames: [String]?

    public init(train: Dataset, test: Dataset? = nil, validation: Dataset? = nil, task: Task, targetScale: [Float] = []) {
        precondition(
            (task == .classification) == (train.targetWidth == 0),
            "a \(task.rawValue) needs \(task == .classification ? "class" : "value") targets")
        self.train = train
        self.test = test
        self.validation = validation
        self.task = task
        self.targetScale = targetScale
    }
}

/// What a session tells those who watch it.
public protocol SessionObserver: AnyObject {
    /// After every step (progress bars); `elapsed` is the epoch's training time so far.
    func stepFinished(_ session: TrainingSession, epoch: Int, done: Int, total: Int, elapsed: Double)
    /// After an epoch's evaluation, before the monitors act (the epoch line).
    func epochFinished(_ session: TrainingSession, _ stats: EpochStats)
    /// After the monitors have acted, with the session's state complete for this epoch (logs,
    /// plots, checkpoints). A failure to write stops training with that error.
    func epochRecorded(_ session: TrainingSession) throws(TrainingError)
    /// Something worth telling (the learning rate reduced on a plateau, early stopping, the time budget).
    func note(_ note: SessionNote)
    /// Once, when `run` has returned, whatever the outcome (what is written only at the end).
    func sessionEnded(_ session: TrainingSession) throws(TrainingError)
}

extension SessionObserver {
    public func stepFinished(_ session: TrainingSession, epoch: Int, done: Int, total: Int, elapsed: Double) {}
    public func epochFinished(_ session: TrainingSession, _ stats: EpochStats) {}
    public func epochRecorded(_ session: TrainingSession) throws(TrainingError) {}
    public func note(_ note: SessionNote) {}
    public func sessionEnded(_ session: TrainingSession) throws(TrainingError) {}
}

/// What a session tells its observers between epochs.
public enum SessionNote: CustomStringConvertible {
    /// `metric` has not improved for `patience` epochs: the learning rate is now `learningRate`.
    case learningRateReduced(metric: MetricMonitor.Metric, patience: Int, learningRate: Float)
    /// `metric` has not improved for `patience` epochs: training stops with the weights of `bestEpoch`.
    case stoppedEarly(metric: MetricMonitor.Metric, patience: Int, bestEpoch: Int)
    /// The time budget of `seconds` is spent: training stops after `epoch`.
    case outOfTime(epoch: Int, seconds: Float)
    /// The learning rate anneals to 0 over `epochs` epochs from the weights of `fromEpoch`, on
    /// every training row when `allRows` (the validation split's too): `metric` has not improved for
    /// `patience` epochs (nil: the run is that close to its end).
    case annealing(metric: MetricMonitor.Metric, patience: Int?, epochs: Int, fromEpoch: Int, allRows: Bool)

    /// The note in one line; `timeBudget` names the setting that gives the time budget.
    public func message(timeBudget: String) -> String {
        switch self {
        case .learningRateReduced(let m, let patience, let lr):
            return "\(m.rawValue) has not improved for \(patience) epoch(s); learning rate now \(lr)"
        case .stoppedEarly(let m, let patience, let best):
            return "early stopping: \(m.rawValue) has not improved for \(patience) epoch(s); restoring the weights of epoch \(best)"
        case .outOfTime(let epoch, let seconds):
            return "stopping after epoch \(epoch): \(timeBudget) \(seconds) reached"
        case .annealing(let m, let patience, let epochs, let from, let allRows):
            let why = patience.map { "\(m.rawValue) has not improved for \($0) epoch(s)" } ?? "\(epochs) epoch(s) before the last"
            return
                "\(why): from the weights of epoch \(from), annealing the learning rate to 0 over \(epochs) epoch(s)\(allRows ? " on all the training rows (the validation rows too)" : ""); the last epoch's weights are the model"
        }
    }

    public var description: String { message(timeBudget: "the time budget of") }
}

public final class TrainingSession {
    public enum Outcome {
        /// Every epoch ran.
        case finished
        /// Early stopping ended it (the best weights are back in place).
        case stoppedEarly
        /// The time budget (`maxSeconds`) ended it after an epoch.
        case outOfTime
        /// An interrupt stopped it at `place` ("epoch 2, step 17 of 938", "the end of epoch 2").
        case interrupted(place: String)
        /// The loss became NaN or infinite in `epoch` at `step` of `steps`.
        case diverged(epoch: Int, step: Int, steps: Int, loss: Float)

        public var isStoppedEarly: Bool {
            if case .stoppedEarly = self { return true }
            return false
        }
        public var isOutOfTime: Bool {
            if case .outOfTime = self { return true }
            return false
        }
    }

    public let config: TrainingConfiguration
    public let network: Network
    public let optimizer: Optimizer
    public let trainer: Trainer
    /// The rows trained on: the training set less a validation split, or (annealing) all of it.
    public internal(set) var train: Dataset
    public let validation: Dataset?, test: Dataset?
    /// The whole training set, validation split included: an anneal trains on all of it.
    public let trainingRows: Dataset
    public let task: Task
    /// Per regression target, its standard deviation: errors are reported in its units.
    public let targetScale: [Float]
    /// The classification metrics the validation and test figures carry (the configuration's, and
    /// the one a monitor watches), in the vocabulary's order.
    public let reportedMetrics: [ClassificationMetric]

    /// Epochs completed.
    public var epoch = 0
    /// Where this process began the current epoch: at step 0, or, resumed from a checkpoint made
    /// mid-epoch, at its position and that many seconds of the epoch's training time.
    public private(set) var epochResumedAt = (steps: 0, seconds: 0.0)
    public var history: [EpochStats] = []
    public var early: MetricMonitor?
    public var plateau: MetricMonitor?
    /// The parameters and state at the best validation metric (early stopping).
    public var best: (values: FloatBuffer, state: FloatBuffer)?
    public var bestEpoch = 0
    /// The epoch after which an anneal that has begun ends (nil: none has begun).
    public internal(set) var annealEnd: Int? {
        // A validation split rejoins the training rows for the anneal.
        didSet { if annealEnd != nil && config.validationSplit != nil { train = trainingRows } }
    }
    /// Whether the validation set is still watched: not while an anneal trains on it.
    public var watchesValidation: Bool { annealEnd == nil || config.validationSplit == nil }

    public var observers: [SessionObserver] = []
    /// Asked after every step and every epoch: true stops the loop (a pending interrupt).
    public var shouldStop: () -> Bool = { false }
    /// The other ranks, when mpirun started this process (DataParallelJob.swift): each step then
    /// computes this rank's share of the batch, evaluation is shared out, and every decision to stop
    /// is agreed among the ranks.
    public var job: DataParallelJob? {
        didSet {
            trainer.exchange = job
            job?.wantsToStop = { [unowned self] in shouldStop() }
        }
    }
    /// Whether any rank says true (this rank alone when training alone).
    private func agreed(_ flag: Bool) -> Bool { job?.any(flag) ?? flag }
    /// Stop after the epoch that passes this many seconds of training.
    public var maxSeconds: Float?
    /// Measure each parameter's gradient norm every step (the logs report them).
    public var measureGradientNorms: Bool {
        get { trainer.measureGradientNorms }
        set { trainer.measureGradientNorms = newValue }
    }

    /// A new session: splits off the validation set the configuration asks for, builds the network
    /// `architecture` describes, and its optimizer and trainer. `loops` runs the network's loops.
    public init(config: TrainingConfiguration, data: TrainingData, loops: Loops = Loops()) throws(TrainingError) {
        self.config = config
        var train = data.train
        var validation = data.validation
        trainingRows = data.train
        if let f = config.validationSplit {
            (train, validation) = try TrainingSession.split(train, fraction: f, seed: config.seed, stratified: config.stratifies(data.task))
        }
        self.train = train
        self.validation = validation
        test = data.test
        task = data.task
        targetScale =
            task == .regression ? (data.targetScale.isEmpty ? [Float](repeating: 1, count: train.targetWidth) : data.targetScale) : []
        let (loss, specs) = try TrainingSession.architecture(config: config, data: data)
        network = Network(
            inputs: train.features, specs: specs, loss: loss,
            initializer: config.initializer, seed: config.seed, maxNorm: config.maxNorm, loops: loops)
        optimizer = config.makeOptimizer(network)
        trainer = Trainer(
            network: network, optimizer: optimizer, schedule: config.learningRateSchedule,
            batchSize: config.batchSize, epochs: config.epochs, clipNorm: config.clipNorm,
            targetWidth: train.targetWidth, seed: config.seed)
        if let spec = config.augment, let image = train.image {
            trainer.augmenter = ImageAugmenter(
                spec: spec, rows: image.rows, cols: image.cols, batchSize: config.batchSize, seed: config.seed)
        }
        early = config.earlyStopping.map { MetricMonitor(metric: $0.metric, patience: $0.patience) }
        plateau = config.plateau.map { MetricMonitor(metric: $0.watch.metric, patience: $0.watch.patience) }
        reportedMetrics = try TrainingSession.metrics(config: config, task: task, classes: network.outputFeatures)
        if let weighting = config.classWeight {
            trainer.classWeights = try TrainingSession.classWeights(weighting, data: data, train: train, classes: network.outputFeatures)
        }
    }

    /// The classification metrics the figures carry: the configuration's, and the monitors', each
    /// checked against the problem.
    static func metrics(config: TrainingConfiguration, task: Task, classes: Int) throws(TrainingError) -> [ClassificationMetric] {
        var chosen = Set<ClassificationMetric>()
        if !config.metrics.isEmpty {
            if task == .regression, let m = config.metrics.metrics.first ?? ClassificationMetric.allCases.first {
                throw .metricDoesNotApply(setting: .metrics, name: config.metrics.all ? "all" : m.rawValue, metric: m, classes: 0)
            }
            let (resolved, wrong) = config.metrics.resolve(classes: classes)
            if let wrong { throw .metricDoesNotApply(setting: .metrics, name: wrong.rawValue, metric: wrong, classes: classes) }
            chosen.formUnion(resolved)
        }
        for m in [config.earlyStopping?.metric, config.plateau?.watch.metric].compactMap({ $0?.classification }) {
            guard m.applies(classes: classes) else {
                throw .metricDoesNotApply(setting: .monitor, name: "val_" + m.rawValue, metric: m, classes: classes)
            }
            chosen.insert(m)
        }
        return ClassificationMetric.allCases.filter(chosen.contains)
    }

    /// The weight of each class in the loss, from the training set's class counts.
    static func classWeights(_ weighting: ClassWeighting, data: TrainingData, train: Dataset, classes: Int) throws(TrainingError) -> [Float]
    {
        var counts = [Int](repeating: 0, count: classes)
        for y in train.labels where Int(y) < classes { counts[Int(y)] += 1 }
        let names = data.classNames ?? (0..<classes).map { "\($0)" }
        return try weighting.weights(labels: names, counts: counts)
    }

    /// The loss and the layers of the network `config` trains on `data`, checked against the data's
    /// task before anything is built: as many outputs as the labels have classes (or the targets
    /// values), a monitor and a loss of the task, the architecture's output layer, and images to
    /// augment. The session builds exactly this network; a caller may size its threads by it.
    public static func architecture(config: TrainingConfiguration, data: TrainingData) throws(TrainingError) -> (
        loss: Loss, specs: [LayerSpec]
    ) {
        let task = data.task
        let train = data.train
        let outputs: Int
        if task != .classification {
            outputs = train.targetWidth
        } else {
            let labelled = max(train.classCount, data.validation?.classCount ?? 0)
            if let fixed = config.outputs, labelled > fixed {
                throw .data("the labels go up to \(labelled - 1) but the network has \(fixed) outputs")
            }
            outputs = config.outputs ?? labelled
        }
        if let m = config.earlyStopping?.metric ?? config.plateau?.watch.metric {
            if (task == .regression && m == .valAccuracy) || (task != .classification && m.classification != nil)
                || (task != .regression && m == .valR2)
            {
                throw .metricNeedsOtherTask(m, task: task)
            }
        }
        if config.classWeight != nil && task != .classification { throw .classWeightNeedsClassification }
        let loss = config.makeLoss(for: task)
        if (task == .classification && (loss is MeanAbsoluteError || loss is HuberLoss))
            || (task == .regression && !LossKind.isRegression(loss))
            || (task == .multilabel && !(loss is SigmoidBinaryCrossEntropy))
        {
            throw .lossNeedsOtherTask(loss: loss.token, task: task)
        }
        let specs: [LayerSpec]
        do { specs = try config.network.specs(outputs: outputs, regression: task == .regression) } catch {
            throw .architecture(error)
        }
        if config.augment != nil {
            guard let image = train.image, case .bytes = train.storage else { throw .augmentNeedsImages }
            guard image.rows >= 2, image.cols >= 2, (image.rows + 3) * (image.cols + 3) <= ImageAugmenter.maxPixels else {
                throw .augmentImageSize(rows: image.rows, cols: image.cols)
            }
        }
        return (loss, specs)
    }

    /// Runs the remaining epochs (from where a checkpoint left off, if restored).
    public func run() throws(TrainingError) -> Outcome {
        let trainingStart = now()
        while epoch < config.epochs {
            let e = epoch + 1
            let t = trainer
            // The trainer's seconds are the current epoch's only when it resumes one mid-way.
            epochResumedAt = t.position > 0 ? (t.position, t.seconds) : (0, 0)
            let epochStart = now() - epochResumedAt.seconds
            let r = t.runEpoch(e, on: train) { done, total, _ in
                for o in observers { o.stepFinished(self, epoch: e, done: done, total: total, elapsed: now() - epochStart) }
                return (job?.stopAgreed ?? shouldStop()) ? .stop : .proceed
            }
            guard let r else {
                let steps = t.stepsPerEpoch(train)
                if let last = t.lastStep, !last.loss.isFinite {
                    return .diverged(epoch: e, step: t.position, steps: steps, loss: last.loss)
                }
                return .interrupted(place: "epoch \(e), step \(t.position) of \(steps)")
            }
            let evaluationStart = now()
            let val = watchesValidation ? validation.map { evaluate($0) } : nil
            let ev = test.map { evaluate($0) }
            let evaluationSeconds = val == nil && ev == nil ? 0 : now() - evaluationStart
            epoch = e
            let names = network.store.parameters.map(\.name)
            var stats = EpochStats(
                epoch: e, step: t.step, learningRate: r.learningRate, loss: r.loss,
                accuracy: task == .classification ? r.accuracy : nil, validation: val, test: ev,
                seconds: r.seconds, samplesPerSecond: r.samplesPerSecond,
                gradientNorms: Array(zip(names, r.gradientNorms)))
            stats.evaluationSeconds = evaluationSeconds
            if t.augmenter != nil { stats.augmentSeconds = r.augmentSeconds }
            history.append(stats)
            for o in observers { o.epochFinished(self, stats) }

            // The monitors watch the validation metric.
            var stoppedEarly = false
            if let val {
                if early != nil && annealEnd == nil {
                    if early!.record(val.value(early!.metric)) { snapshotBest() }
                    if early!.exhausted { stoppedEarly = true }
                }
                if let factor = config.plateau?.factor, plateau != nil, annealEnd == nil {
                    _ = plateau!.record(val.value(plateau!.metric))
                    if plateau!.exhausted {
                        t.schedule.base *= factor
                        plateau!.badEpochs = 0
                        note(.learningRateReduced(metric: plateau!.metric, patience: plateau!.patience, learningRate: t.schedule.base))
                    }
                }
            }
            // An anneal begins when early stopping's patience runs out, or when the run is as close to
            // its last epoch as the anneal is long: from the best weights, on every training row (a
            // validation split rejoins them), the learning rate decays to 0; the last epoch's weights
            // are the model.
            var annealed = false
            if let length = config.annealEpochs, early != nil {
                if let end = annealEnd {
                    annealed = e >= end
                } else if stoppedEarly || e >= config.epochs - length {
                    let epochs = min(length, config.epochs - e)
                    if epochs > 0 {
                        note(
                            .annealing(
                                metric: early!.metric, patience: stoppedEarly ? early!.patience : nil, epochs: epochs,
                                fromEpoch: best == nil ? e : bestEpoch, allRows: config.validationSplit != nil))
                        restoreBest()
                        best = nil
                        annealEnd = e + epochs
                        t.schedule.anneal = LearningRateSchedule.Anneal(start: t.step, steps: epochs * t.stepsPerEpoch(train))
                        stoppedEarly = false
                    }
                }
            }
            for o in observers { try o.epochRecorded(self) }
            if agreed(shouldStop()) { return .interrupted(place: "the end of epoch \(e)") }
            if annealed { return e < config.epochs ? .stoppedEarly : .finished }
            if stoppedEarly {
                note(.stoppedEarly(metric: early!.metric, patience: early!.patience, bestEpoch: bestEpoch))
                restoreBest()
                return .stoppedEarly
            }
            if let maxSeconds, agreed(now() - trainingStart >= Double(maxSeconds)) {
                note(.outOfTime(epoch: e, seconds: maxSeconds))
                if early != nil { restoreBest() }
                return .outOfTime
            }
        }
        if early != nil { restoreBest() }
        return .finished
    }

    /// The network's figures on a dataset: loss and accuracy, or loss
    /// and the regression errors in the targets' units (the mean over the targets) and R².
    /// Evaluation runs in batches of at least 1,000 (the memory estimate's widest batch, MemoryBudget.swift):
    /// larger GEMMs than a small training batch's. The figures are the same: OpenBLAS sums each output
    /// over the inputs in the same order whatever the rows.
    public var evaluationBatch: Int { max(config.batchSize, 1000) }

    /// With other ranks, each evaluates its share of the rows and the shares' sums are added up
    /// (weighted rows and classification metrics need every row: each rank evaluates them all).
    /// A multi-label model's accuracy is the subset accuracy (the rows with every label right); its
    /// figures are unweighted.
    public func evaluate(_ data: Dataset) -> SetMetrics {
        let rows = job?.share(of: data.count)
        if task == .multilabel {
            let ev = MultilabelEvaluation.run(network, on: data, rows: rows, batchSize: evaluationBatch)
            var sums = [ev.lossSum, Double(ev.exact)]
            job?.sum(&sums)
            let n = Double(max(data.count, 1))
            return SetMetrics(loss: Float(sums[0] / n), accuracy: Float(sums[1] / n))
        }
        if data.weights != nil || (task == .classification && !reportedMetrics.isEmpty) { return evaluateWhole(data) }
        if task == .classification {
            let ev = Evaluation.run(network, on: data, rows: rows, batchSize: evaluationBatch)
            guard let job else { return SetMetrics(loss: ev.loss, accuracy: ev.accuracy) }
            var sums = [ev.lossSum, Double(ev.correct)]
            job.sum(&sums)
            let n = Double(max(data.count, 1))
            return SetMetrics(loss: Float(sums[0] / n), accuracy: Float(sums[1] / n))
        }
        var ev = RegressionEvaluation.run(network, on: data, rows: rows, batchSize: evaluationBatch)
        if let job {
            var sums = ev.sums.flattened
            job.sum(&sums)
            ev = RegressionEvaluation(sums: .init(flattened: sums))
        }
        let m = SessionMetrics.regression(ev, scale: targetScale)
        return SetMetrics(loss: ev.loss, rmse: m.rmse, mae: m.mae, r2: m.r2)
    }

    /// The figures that need every row at once: weighted ones, and the classification metrics.
    private func evaluateWhole(_ data: Dataset) -> SetMetrics {
        let outputs = ModelOutputs.collect(network, on: data, batchSize: evaluationBatch)
        if task == .regression {
            guard case .values(let targets, _) = data.targets else { preconditionFailure("a regression has value targets") }
            guard let r = EvaluationReport.regression(outputs, targets: targets, scale: targetScale, weights: data.weights).regression
            else {
                preconditionFailure("a regression report")
            }
            return SetMetrics(loss: outputs.loss, rmse: r.rmse, mae: r.mae, r2: r.r2)
        }
        // A diverged network's NaN outputs have no figures beyond its loss.
        guard outputs.values.allSatisfy({ $0.isFinite }) else {
            return SetMetrics(loss: outputs.loss, accuracy: 0, figures: reportedMetrics.map { .init(metric: $0, value: nil) })
        }
        let report = EvaluationReport.classification(outputs, labels: data.labels, weights: data.weights)
        guard let c = report.classification else { preconditionFailure("a classification report") }
        // Unweighted, the accuracy as the batched evaluation computes it (correct / rows, in Float).
        let correct = zip(c.predictions, data.labels).reduce(0) { $0 + ($1.0 == Int($1.1) ? 1 : 0) }
        let accuracy = data.weights == nil ? Float(correct) / Float(max(data.count, 1)) : Float(c.accuracy)
        return SetMetrics(loss: outputs.loss, accuracy: accuracy, figures: reportedMetrics.map { .init(metric: $0, value: c.value($0)) })
    }

    private func note(_ n: SessionNote) { for o in observers { o.note(n) } }

    /// Remembers the current parameters and state as the best so far.
    public func snapshotBest() {
        if best == nil { best = (FloatBuffer(count: network.store.values.count), FloatBuffer(count: network.store.state.count)) }
        best!.values.copy(from: network.store.values)
        best!.state.copy(from: network.store.state)
        bestEpoch = epoch
    }

    /// Puts the best parameters and state back (when there are any).
    public func restoreBest() {
        guard let best else { return }
        network.store.values.copy(from: best.values)
        network.store.state.copy(from: best.state)
    }

    /// The validation split: the last `fraction` of the training set shuffled once with a generator
    /// derived from the seed; `stratified` (a classification table), the last examples of each class
    /// in that order, in proportion to the class's size (StratifiedSplit).
    public static func split(_ data: Dataset, fraction: Float, seed: UInt64, stratified: Bool = false) throws(TrainingError) -> (
        Dataset, Dataset
    ) {
        let (kept, held) = try splitOrder(of: data, fraction: fraction, seed: seed, stratified: stratified)
        return (data.subset(kept), data.subset(held))
    }

    /// The examples `split` keeps for training and holds out for validation, by index, in the
    /// order the datasets take them.
    public static func splitOrder(of data: Dataset, fraction: Float, seed: UInt64, stratified: Bool = false) throws(TrainingError)
        -> (kept: ArraySlice<Int32>, held: ArraySlice<Int32>)
    {
        let split =
            stratified && data.targetWidth == 0
            ? StratifiedSplit.split(labels: data.labels, fraction: fraction, seed: seed, purpose: .validation)
            : SeededSplit.split(count: data.count, fraction: fraction, seed: seed, purpose: .validation)
        guard let split else {
            throw .validationSplitLeavesNothing(
                fraction: fraction, count: data.count,
                noValidation: SeededSplit.heldCount(count: data.count, fraction: fraction) == 0)
        }
        return split
    }
}

/// A monotonic clock reading in seconds.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
