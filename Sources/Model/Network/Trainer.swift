// The training loop: epochs of shuffled mini-batches through Network.trainStep.
//
// Everything a step touches is allocated here once (the batch matrix, the label buffer, the
// permutation), so the step itself allocates nothing. The loop's whole position — the current
// epoch's permutation, the next step in it, the running sums — is public state, so a checkpoint
// taken between any two steps resumes to bit-identical weights.

public final class Trainer {
    public let network: Network
    public let optimizer: Optimizer
    public var schedule: LearningRateSchedule
    public let batchSize: Int
    public let epochs: Int
    public var clipNorm: Float?
    /// Shuffling generator (part of a checkpoint's state).
    public var rng: RandomGenerator
    /// Global step count, across epochs.
    public var step = 0

    /// The current epoch's order of examples (drawn when `position` is 0).
    public var order: [Int32] = []
    /// The next step within the current epoch; 0 means the epoch has not started.
    public var position = 0
    /// Running sums of the current epoch.
    public var lossSum: Double = 0, correct = 0, seen = 0, seconds: Double = 0
    /// Weighted data (example weights or class weights): the total weight of the epoch's steps so far,
    /// and `lossSum` sums each step's loss times its batch's weight; 0 while unweighted, when `lossSum`
    /// sums loss times rows. Part of a checkpoint's state when the data are weighted.
    public var weightSum: Double = 0
    /// The weight of each class's examples in the loss (class labels only; nil: all 1). Multiplies the
    /// examples' own weights (`Dataset.weights`) as each batch is gathered.
    public var classWeights: [Float]? {
        didSet { precondition(classWeights.map { $0.allSatisfy { $0 >= 0 && $0.isFinite } } ?? true, "class weights are finite and ≥ 0") }
    }
    /// Data-parallel training: the ranks this process trains with (nil: it trains alone). Each step
    /// computes this rank's share of the batch and the exchange sums the shares (GradientExchange.swift).
    public var exchange: GradientExchange?
    /// Distorts the training images as each batch is gathered (`--augment`); nil: they go in as they are.
    public var augmenter: ImageAugmenter?
    /// Seconds the current epoch spent gathering distorted batches (the augmentation's cost).
    public var augmentSeconds: Double = 0
    /// When true, each step also accumulates per-parameter gradient norms (for logs).
    public var measureGradientNorms = false
    /// Sum over the epoch's steps of each parameter's gradient L2 norm, in `network.store.parameters` order.
    public private(set) var gradientNormSums: [Double]

    private let x: Matrix
    private let labels: UnsafeMutablePointer<Int32>
    /// Real-valued targets of the batch (regression), or nil for class labels.
    private let targets: Matrix?
    /// The loss weights of the batch's rows (weighted data only).
    private let weights: UnsafeMutablePointer<Float>

    /// `targetWidth` is the number of real-valued targets per example (0: class labels).
    public init(
        network: Network, optimizer: Optimizer, schedule: LearningRateSchedule,
        batchSize: Int, epochs: Int, clipNorm: Float? = nil, targetWidth: Int = 0, seed: UInt64
    ) {
        self.network = network
        self.optimizer = optimizer
        self.schedule = schedule
        self.batchSize = batchSize
        self.epochs = epochs
        self.clipNorm = clipNorm
        rng = RandomGenerator(seed: seed ^ 0x5348_5546_464C_4521)
        x = Matrix(rows: batchSize, cols: network.inputFeatures)
        labels = .allocate(capacity: batchSize)
        labels.initialize(repeating: 0, count: batchSize)
        weights = .allocate(capacity: batchSize)
        weights.initialize(repeating: 1, count: batchSize)
        targets = targetWidth > 0 ? Matrix(rows: batchSize, cols: targetWidth) : nil
        gradientNormSums = [Double](repeating: 0, count: network.store.parameters.count)
    }

    deinit {
        labels.deallocate()
        weights.deallocate()
    }

    /// The current epoch's mean loss so far: weighted by the examples' weights when there are any.
    public var epochLoss: Double { weightSum > 0 ? lossSum / weightSum : lossSum / Double(max(seen, 1)) }

    public struct EpochResult {
        public var epoch: Int
        public var loss: Float
        public var accuracy: Float
        public var seconds: Double
        public var samples: Int
        /// Of `seconds`, the time spent gathering distorted batches (0 without an augmenter).
        public var augmentSeconds: Double
        public var learningRate: Float
        /// Per parameter, the mean gradient norm over the epoch's steps (empty unless measured).
        public var gradientNorms: [Double]
        public var samplesPerSecond: Double { seconds > 0 ? Double(samples) / seconds : 0 }
    }

    /// What the per-step callback can tell the loop.
    public enum StepVerdict { case proceed, stop }

    public func stepsPerEpoch(_ data: Dataset) -> Int { (data.count + batchSize - 1) / batchSize }

    /// Runs the rest of the current epoch (all of it when `position` is 0). `onStep` sees each
    /// step (step within the epoch, steps in the epoch, result) and may stop the loop after that
    /// step: then the epoch is left mid-way (resumable) and nil is returned. A non-finite loss
    /// also stops it; the caller sees it in `lastStep`.
    public func runEpoch(
        _ epoch: Int, on data: Dataset,
        onStep: (Int, Int, Network.StepResult) -> StepVerdict = { _, _, _ in .proceed }
    ) -> EpochResult? {
        let clock = ContinuousClock()
        let start = clock.now
        let steps = stepsPerEpoch(data)
        if position == 0 {
            if order.count != data.count { order = (0..<Int32(data.count)).map { $0 } }
            order.withUnsafeMutableBufferPointer { rng.shuffle($0) }
            lossSum = 0
            correct = 0
            seen = 0
            seconds = 0
            augmentSeconds = 0
            weightSum = 0
            for i in gradientNormSums.indices { gradientNormSums[i] = 0 }
        }
        var lr = schedule.base
        var stopped = false
        precondition(classWeights == nil || targets == nil, "class weights need class labels")
        precondition(classWeights.map { $0.count >= data.classCount } ?? true, "a class has no weight")
        let weighted = data.weights != nil || classWeights != nil
        order.withUnsafeBufferPointer { perm in
            while position < steps {
                let begin = position * batchSize
                let n = min(batchSize, data.count - begin)
                let share = exchange.map { BatchShare(batch: n, exchange: $0) }
                // Every rank takes the batch's key, so the generators stay in step.
                let distortion = augmenter.map { $0.batch(key: $0.nextKey(), firstRow: share?.before ?? 0) }
                let gatherStart = distortion == nil ? nil : clock.now
                data.gather(
                    perm.baseAddress! + begin + (share?.before ?? 0), count: share?.own ?? n, into: x,
                    labels: targets == nil ? labels : nil, targets: targets, loops: network.loops,
                    distortion: distortion)
                if let gatherStart { augmentSeconds += Trainer.seconds(clock.now - gatherStart) }
                // The whole batch's weights, on every rank: a rank's share of the gradient is its share of them.
                let batchWeight =
                    weighted
                    ? data.gatherWeights(
                        perm.baseAddress! + begin, count: n, classWeights: classWeights,
                        into: weights) : 0
                lr = schedule.rate(step: step, stepsPerEpoch: steps, epochs: epochs)
                let r = network.trainStep(
                    x, labels: targets == nil ? labels : nil, targets: targets,
                    weights: weighted ? weights : nil,
                    optimizer: optimizer, lr: lr, clipNorm: clipNorm,
                    keepsGradients: measureGradientNorms, share: share)
                lastStep = r
                step += 1
                position += 1
                if weighted {
                    lossSum += Double(r.loss) * batchWeight
                    weightSum += batchWeight
                } else {
                    lossSum += Double(r.loss) * Double(n)
                }
                correct += r.correct
                seen += n
                if measureGradientNorms { accumulateGradientNorms() }
                if !r.loss.isFinite || onStep(position, steps, r) == .stop {
                    stopped = true
                    break
                }
            }
        }
        // Every rank stops at the same step (the stop and the loss are agreed in the step's reduction),
        // so they all average their batch-norm statistics here.
        if let exchange { network.averageState(over: exchange) }
        seconds += Trainer.seconds(clock.now - start)
        if stopped && position < steps { return nil }
        if stopped && !(lastStep?.loss.isFinite ?? true) { return nil }
        position = 0
        let stepsRun = Double(max(steps, 1))
        return EpochResult(
            epoch: epoch, loss: Float(epochLoss),
            accuracy: Float(correct) / Float(max(seen, 1)), seconds: seconds,
            samples: seen, augmentSeconds: augmentSeconds, learningRate: lr,
            gradientNorms: measureGradientNorms ? gradientNormSums.map { $0 / stepsRun } : [])
    }

    @inline(__always)
    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// The last step's result (its loss tells a diverged run).
    public private(set) var lastStep: Network.StepResult?

    private func accumulateGradientNorms() {
        for (i, p) in network.store.parameters.enumerated() {  // a stored array: no allocation
            let g = p.grad!
            var s: Float = 0
            for j in 0..<p.count { s += g[j] * g[j] }
            gradientNormSums[i] += Double(s.squareRoot())
        }
    }
}
