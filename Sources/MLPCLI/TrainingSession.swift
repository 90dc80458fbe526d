// One training session owns the whole loop: epochs of steps (Model's Trainer), evaluation on the
// validation and test sets, early stopping and its best weights, reduce-on-plateau, the time
// budget, interruption between steps, divergence. Everything else watches it through observers:
// the progress display, the logs and plots, the checkpoints (TrainingObservers.swift). Everything
// it holds that changes while training is what a checkpoint saves (Checkpoint.swift), so a session
// resumed from one continues exactly where it stopped.
import Model
import Tables

/// The data a session trains on: the training set, the test set (always for IDX data; for a CSV
/// file only with --test-data or --test-split), and a validation set given as files (a
/// --validation-split is cut from the training set by the session, with the configuration's seed).
struct TrainingData {
    var train: Dataset
    var test: Dataset?
    var validation: Dataset?
    /// For regression targets (standardized in the datasets): each target's standard deviation, to
    /// report errors in the target's units.
    var targetScale: [Float] = []
}

/// What a session tells those who watch it.
protocol SessionObserver: AnyObject {
    /// After every step (progress bars); `elapsed` is the epoch's training time so far.
    func stepFinished(_ session: TrainingSession, epoch: Int, done: Int, total: Int, elapsed: Double)
    /// After an epoch's evaluation, before the monitors act (the epoch line).
    func epochFinished(_ session: TrainingSession, _ stats: EpochStats)
    /// After the monitors have acted, with the session's state complete for this epoch (logs,
    /// plots, checkpoints). A failure to write stops training with that error.
    func epochRecorded(_ session: TrainingSession) throws(CLIError)
    /// A line worth telling (the learning rate reduced on a plateau, early stopping, the time budget).
    func note(_ line: String)
    /// Once, when `run` has returned, whatever the outcome (what is written only at the end).
    func sessionEnded(_ session: TrainingSession) throws(CLIError)
}

extension SessionObserver {
    func stepFinished(_ session: TrainingSession, epoch: Int, done: Int, total: Int, elapsed: Double) {}
    func epochFinished(_ session: TrainingSession, _ stats: EpochStats) {}
    func epochRecorded(_ session: TrainingSession) throws(CLIError) {}
    func note(_ line: String) {}
    func sessionEnded(_ session: TrainingSession) throws(CLIError) {}
}

final class TrainingSession {
    enum Outcome {
        /// Every epoch ran.
        case finished
        /// Early stopping ended it (the best weights are back in place).
        case stoppedEarly
        /// --max-seconds ended it after an epoch.
        case outOfTime
        /// An interrupt stopped it at `place` ("epoch 2, step 17 of 938", "the end of epoch 2").
        case interrupted(place: String)
        /// The loss became NaN or infinite in `epoch` at `step` of `steps`.
        case diverged(epoch: Int, step: Int, steps: Int, loss: Float)
    }

    let config: TrainingConfiguration
    let network: Network
    let optimizer: Optimizer
    let trainer: Trainer
    let train: Dataset, validation: Dataset?, test: Dataset?
    let task: Task
    /// Per regression target, its standard deviation: errors are reported in its units.
    let targetScale: [Float]

    /// Epochs completed.
    var epoch = 0
    /// Where this process began the current epoch: at step 0, or, resumed from a checkpoint made
    /// mid-epoch, at its position and that many seconds of the epoch's training time.
    private(set) var epochResumedAt = (steps: 0, seconds: 0.0)
    var history: [EpochStats] = []
    var early: MetricMonitor?
    var plateau: MetricMonitor?
    /// The parameters and state at the best validation metric (early stopping).
    var best: (values: FloatBuffer, state: FloatBuffer)?
    var bestEpoch = 0

    var observers: [SessionObserver] = []
    /// Asked after every step and every epoch: true stops the loop (a pending interrupt).
    var shouldStop: () -> Bool = { false }
    /// The other ranks, when mpirun started this process (DataParallelJob.swift): each step then
    /// computes this rank's share of the batch, evaluation is shared out, and every decision to stop
    /// is agreed among the ranks.
    var job: DataParallelJob? {
        didSet {
            trainer.exchange = job
            job?.wantsToStop = { [unowned self] in shouldStop() }
        }
    }
    /// Whether any rank says true (this rank alone when training alone).
    private func agreed(_ flag: Bool) -> Bool { job?.any(flag) ?? flag }
    /// Stop after the epoch that passes this many seconds of training.
    var maxSeconds: Float?
    /// Measure each parameter's gradient norm every step (the logs report them).
    var measureGradientNorms: Bool {
        get { trainer.measureGradientNorms }
        set { trainer.measureGradientNorms = newValue }
    }

    /// A new session: splits off the validation set the configuration asks for, builds the network
    /// with as many outputs as the labels have classes, and its optimizer and trainer.
    init(config: TrainingConfiguration, data: TrainingData, loops: Loops = Loops()) throws(CLIError) {
        self.config = config
        var train = data.train, validation = data.validation
        if let f = config.validationSplit {
            (train, validation) = try TrainingSession.split(train, fraction: f, seed: config.seed)
        }
        self.train = train
        self.validation = validation
        test = data.test
        task = train.targetWidth > 0 ? .regression : .classification
        targetScale = task == .regression ? (data.targetScale.isEmpty ? [Float](repeating: 1, count: train.targetWidth) : data.targetScale) : []
        let outputs: Int
        if task == .regression {
            outputs = train.targetWidth
        } else {
            let labelled = max(train.classCount, validation?.classCount ?? 0)
            if let fixed = config.outputs, labelled > fixed {
                throw CLIError(.dataError, "the labels go up to \(labelled - 1) but the network has \(fixed) outputs")
            }
            outputs = config.outputs ?? labelled
        }
        if let m = config.earlyStopping?.metric ?? config.plateau?.watch.metric {
            if task == .regression && m == .valAccuracy {
                throw .usage("--monitor val_accuracy watches a classification; a regression has val_loss and val_r2", command: "train")
            }
            if task == .classification && m == .valR2 {
                throw .usage("--monitor val_r2 watches a regression; a classification has val_loss and val_accuracy", command: "train")
            }
        }
        let loss = config.makeLoss(for: task)
        if task == .classification && (loss is MeanAbsoluteError || loss is HuberLoss) {
            throw .usage("--loss \(loss.token) is for regression; a classification takes cross_entropy, bce or mse", command: "train")
        }
        if task == .regression && !LossKind.isRegression(loss) {
            throw .usage("--loss \(loss.token) is for classification; a regression takes \(LossKind.regressionNames.joined(separator: ", "))", command: "train")
        }
        let specs: [LayerSpec]
        do { specs = try config.network.specs(outputs: outputs, regression: task == .regression) } catch {
            throw .usage("--layers: \(error.message)", command: "train")
        }
        network = Network(inputs: train.features, specs: specs, loss: loss,
                          initializer: config.initializer, seed: config.seed, maxNorm: config.maxNorm, loops: loops)
        optimizer = config.makeOptimizer(network)
        trainer = Trainer(network: network, optimizer: optimizer, schedule: config.learningRateSchedule,
                          batchSize: config.batchSize, epochs: config.epochs, clipNorm: config.clipNorm,
                          targetWidth: train.targetWidth, seed: config.seed)
        if let spec = config.augment {
            guard let image = train.image, case .bytes = train.storage else {
                throw .usage("--augment distorts images (IDX files); a CSV table has no images to distort", command: "train")
            }
            guard image.rows >= 2, image.cols >= 2, (image.rows + 3) * (image.cols + 3) <= ImageAugmenter.maxPixels else {
                throw CLIError(.dataError, "--augment distorts two-dimensional images of at least 2×2 and at most about 2045×2045 pixels; the training images are \(image.rows)×\(image.cols)")
            }
            trainer.augmenter = ImageAugmenter(spec: spec, rows: image.rows, cols: image.cols, batchSize: config.batchSize, seed: config.seed)
        }
        early = config.earlyStopping.map { MetricMonitor(metric: $0.metric, patience: $0.patience) }
        plateau = config.plateau.map { MetricMonitor(metric: $0.watch.metric, patience: $0.watch.patience) }
    }

    /// Runs the remaining epochs (from where a checkpoint left off, if restored).
    func run() throws(CLIError) -> Outcome {
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
            let val = validation.map { evaluate($0) }
            let ev = test.map { evaluate($0) }
            let evaluationSeconds = val == nil && ev == nil ? 0 : now() - evaluationStart
            epoch = e
            let names = network.store.parameters.map(\.name)
            var stats = EpochStats(epoch: e, step: t.step, learningRate: r.learningRate, loss: r.loss,
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
                if early != nil {
                    if early!.record(val.value(early!.metric)) { snapshotBest() }
                    if early!.exhausted { stoppedEarly = true }
                }
                if let factor = config.plateau?.factor, plateau != nil {
                    _ = plateau!.record(val.value(plateau!.metric))
                    if plateau!.exhausted {
                        t.schedule.base *= factor
                        plateau!.badEpochs = 0
                        note("mlp: \(plateau!.metric.rawValue) has not improved for \(plateau!.patience) epoch(s); learning rate now \(t.schedule.base)")
                    }
                }
            }
            for o in observers { try o.epochRecorded(self) }
            if agreed(shouldStop()) { return .interrupted(place: "the end of epoch \(e)") }
            if stoppedEarly {
                note("mlp: early stopping: \(early!.metric.rawValue) has not improved for \(early!.patience) epoch(s); restoring the weights of epoch \(bestEpoch)")
                restoreBest()
                return .stoppedEarly
            }
            if let maxSeconds, agreed(now() - trainingStart >= Double(maxSeconds)) {
                note("mlp: stopping after epoch \(e): --max-seconds \(maxSeconds) reached")
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
    /// larger GEMMs than a small training batch's. The figures are the same (OpenBLAS sums each output
    /// over the inputs in the same order whatever the rows; workload A's test loss matched to the bit).
    var evaluationBatch: Int { max(config.batchSize, 1000) }

    /// With other ranks, each evaluates its share of the rows and the shares' sums are added up.
    func evaluate(_ data: Dataset) -> SetMetrics {
        let rows = job?.share(of: data.count)
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

    private func note(_ line: String) { for o in observers { o.note(line) } }

    /// Remembers the current parameters and state as the best so far.
    func snapshotBest() {
        if best == nil { best = (FloatBuffer(count: network.store.values.count), FloatBuffer(count: network.store.state.count)) }
        best!.values.copy(from: network.store.values)
        best!.state.copy(from: network.store.state)
        bestEpoch = epoch
    }

    /// Puts the best parameters and state back (when there are any).
    func restoreBest() {
        guard let best else { return }
        network.store.values.copy(from: best.values)
        network.store.state.copy(from: best.state)
    }

    /// The validation split: the last `fraction` of the training set shuffled once with a generator
    /// derived from the seed.
    static func split(_ data: Dataset, fraction: Float, seed: UInt64) throws(CLIError) -> (Dataset, Dataset) {
        let (kept, held) = try splitOrder(count: data.count, fraction: fraction, seed: seed)
        return (data.subset(kept), data.subset(held))
    }

    /// The examples `split` keeps for training and holds out for validation, by index, in the
    /// order the datasets take them.
    static func splitOrder(count: Int, fraction: Float, seed: UInt64) throws(CLIError) -> (kept: ArraySlice<Int32>, held: ArraySlice<Int32>) {
        guard let split = SeededSplit.split(count: count, fraction: fraction, seed: seed, purpose: .validation) else {
            let held = SeededSplit.heldCount(count: count, fraction: fraction)
            throw CLIError(.usage, "--validation-split \(fraction) of \(count) training images leaves \(held == 0 ? "no validation" : "no training") images", command: "train")
        }
        return split
    }
}
