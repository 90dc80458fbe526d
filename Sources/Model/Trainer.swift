// The training loop: epochs of shuffled mini-batches through Network.trainStep.
//
// Everything a step touches is allocated here once (the batch matrix, the label buffer, the
// permutation), so the step itself allocates nothing.

public final class Trainer {
    public let network: Network
    public let optimizer: Optimizer
    public var schedule: LearningRateSchedule
    public let batchSize: Int
    public let epochs: Int
    public var clipNorm: Float?
    /// Input scaling applied while batches are gathered (1/255 for bytes to [0, 1]).
    public let scale: Float
    /// Shuffling generator (part of a checkpoint's state).
    public var rng: RandomGenerator
    /// Global step count, across epochs.
    public var step = 0

    private let x: Matrix
    private let labels: UnsafeMutablePointer<Int32>
    private var order: [Int32] = []

    public init(network: Network, optimizer: Optimizer, schedule: LearningRateSchedule,
                batchSize: Int, epochs: Int, clipNorm: Float? = nil, scale: Float, seed: UInt64) {
        self.network = network
        self.optimizer = optimizer
        self.schedule = schedule
        self.batchSize = batchSize
        self.epochs = epochs
        self.clipNorm = clipNorm
        self.scale = scale
        rng = RandomGenerator(seed: seed ^ 0x5348_5546_464C_4521)
        x = Matrix(rows: batchSize, cols: network.inputFeatures)
        labels = .allocate(capacity: batchSize)
        labels.initialize(repeating: 0, count: batchSize)
    }

    deinit { labels.deallocate() }

    public struct EpochResult {
        public var epoch: Int
        public var loss: Float
        public var accuracy: Float
        public var seconds: Double
        public var samples: Int
        public var learningRate: Float
        public var samplesPerSecond: Double { seconds > 0 ? Double(samples) / seconds : 0 }
    }

    public func stepsPerEpoch(_ data: Dataset) -> Int { (data.count + batchSize - 1) / batchSize }

    /// One pass over `data` in a fresh random order. `onStep` (if any) sees each step's result,
    /// e.g. for a progress bar; return false from it to stop after that step.
    @discardableResult
    public func runEpoch(_ epoch: Int, on data: Dataset,
                         onStep: ((Int, Int, Network.StepResult) -> Bool)? = nil) -> EpochResult {
        let clock = ContinuousClock()
        let start = clock.now
        if order.count != data.count { order = (0..<Int32(data.count)).map { $0 } }
        let steps = stepsPerEpoch(data)
        var lossSum: Double = 0, correct = 0, seen = 0
        var lr = schedule.base
        order.withUnsafeMutableBufferPointer { perm in
            rng.shuffle(perm)
            for s in 0..<steps {
                let begin = s * batchSize, n = min(batchSize, data.count - begin)
                data.gather(perm.baseAddress! + begin, count: n, scale: scale, into: x, labels: labels)
                lr = schedule.rate(step: step, stepsPerEpoch: steps, epochs: epochs)
                let r = network.trainStep(x, labels: labels, optimizer: optimizer, lr: lr, clipNorm: clipNorm)
                step += 1
                lossSum += Double(r.loss) * Double(n)
                correct += r.correct
                seen += n
                if let onStep, !onStep(s + 1, steps, r) { break }
            }
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return EpochResult(epoch: epoch, loss: Float(lossSum / Double(max(seen, 1))),
                           accuracy: Float(correct) / Float(max(seen, 1)), seconds: seconds,
                           samples: seen, learningRate: lr)
    }
}
