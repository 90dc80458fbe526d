// One run of `mlp train`: the data, the network and its optimizer, the loop's position and what
// the run has learned about itself (history, best validation metric, best weights). Everything
// here that changes while training is saved by a checkpoint and restored by --resume.
import Formats
import Model
#if canImport(Glibc)
import Glibc
#endif

final class TrainingRun {
    let opts: TrainingOptions
    /// The configuration flags as given (stored in checkpoints).
    let config: [(String, String)]
    let network: Network
    let optimizer: Optimizer
    let trainer: Trainer
    let train: Dataset, validation: Dataset?, test: Dataset
    let scale: Float = 1.0 / 255.0

    /// Epochs completed.
    var epoch = 0
    var history: [EpochStats] = []
    var early: MetricMonitor?
    var plateau: MetricMonitor?
    /// Copies of every parameter and buffer at the best validation metric (early stopping).
    var best: [Matrix]?
    var bestEpoch = 0

    init(opts: TrainingOptions, config: [(String, String)], train: Dataset, validation: Dataset?, test: Dataset) {
        self.opts = opts
        self.config = config
        self.train = train
        self.validation = validation
        self.test = test
        network = Network(inputs: train.features, specs: opts.specs, loss: opts.loss,
                          initializer: opts.initializer, seed: opts.seed)
        optimizer = opts.makeOptimizer(network)
        trainer = Trainer(network: network, optimizer: optimizer, schedule: opts.schedule,
                          batchSize: opts.batchSize, epochs: opts.epochs, clipNorm: opts.clipNorm,
                          scale: scale, seed: opts.seed)
        early = opts.earlyStopping
        plateau = opts.plateau?.monitor
    }

    /// Every saved tensor of the network (parameters, then buffers), by model-file name.
    var state: [(name: String, value: Matrix)] {
        network.namedParameters.map { ($0.name, $0.parameter.value) } + network.namedBuffers
    }

    /// Remembers the current weights as the best so far.
    func snapshotBest() {
        let s = state
        if best == nil { best = s.map { Matrix(rows: $0.value.rows, cols: $0.value.cols) } }
        for (dst, src) in zip(best!, s) { dst.copy(from: src.value) }
        bestEpoch = epoch
    }

    /// Puts the best weights back.
    func restoreBest() {
        guard let best else { return }
        for (src, dst) in zip(best, state) { dst.value.copy(from: src) }
    }

    /// The validation split of issue: the last `fraction` of the training set shuffled once with a
    /// generator derived from the seed.
    static func split(_ data: Dataset, fraction: Float, seed: UInt64) throws(CLIError) -> (Dataset, Dataset) {
        var order = (0..<Int32(data.count)).map { $0 }
        var rng = RandomGenerator(seed: seed ^ 0x5641_4C49_4441_5445)
        order.withUnsafeMutableBufferPointer { rng.shuffle($0) }
        let held = Int((Float(data.count) * fraction).rounded())
        guard held >= 1, held < data.count else {
            throw CLIError(.usage, "--validation-split \(fraction) of \(data.count) training images leaves \(held == 0 ? "no validation" : "no training") images", command: "train")
        }
        return (data.subset(order[0..<(data.count - held)]), data.subset(order[(data.count - held)...]))
    }
}
