// K-fold cross-validation of one configuration, repeated R times: every fold of every repeat is a
// job (its part of the data is the fold's number, repeat·K + fold), trained on the other folds'
// rows and evaluated on its own. Repeat r shuffles the folds and trains with the seed + r, so
// repeat 0 trains as `mlp train` would with the configuration's seed. The report: each fold's
// figures (every figure evaluate reports, EvaluationFigures) and their mean and standard deviation.
import Formats
import Model
import Tables
import Training

public final class CrossValidation: JobScheduler {
    public let config: TrainingConfiguration
    public let folds: Int, repeats: Int
    /// Outcomes by part (repeat·folds + fold).
    public private(set) var outcomes: [Int: JobOutcome] = [:]
    private var next = 0
    /// Parts to run again (cut off by an interrupt, which ends the run anyway).
    public private(set) var failures: [JobOutcome] = []

    public init(config: TrainingConfiguration, folds: Int, repeats: Int) {
        self.config = config
        self.folds = folds
        self.repeats = repeats
    }

    public var parts: Int { folds * repeats }

    /// The seed of repeat `r`: the fold shuffle's and the training's.
    public func seed(repeat r: Int) -> UInt64 { config.seed &+ UInt64(r) }

    /// The test rows of each fold of repeat `r`, for `count` rows with these class labels (nil: a regression).
    public func testRows(repeat r: Int, count: Int, labels: [Int32]?) -> [[Int]] {
        StratifiedFolds.folds(count: count, labels: labels, k: folds, seed: seed(repeat: r))
    }

    public func nextJob() -> TrainingJob? {
        guard next < parts else { return nil }
        var c = config
        c.seed = seed(repeat: next / folds)
        let job = TrainingJob(id: next, config: c, epochs: c.epochs, fold: next, evaluateTest: true)
        next += 1
        return job
    }

    public func record(_ outcome: JobOutcome, of job: TrainingJob) {
        if outcome.status == .finished && outcome.test != nil { outcomes[job.id] = outcome } else { failures.append(outcome) }
    }

    public var exhausted: Bool { next >= parts }

    /// Per figure, in report order: the folds' values (in part order), mean and standard deviation
    /// (the population's, as NumPy's std gives it).
    public var summary: [(name: String, values: [Double], mean: Double, std: Double)] {
        let done = outcomes.keys.sorted().compactMap { outcomes[$0]?.test }
        guard let first = done.first else { return [] }
        return first.values.map { f in
            let values = done.compactMap { $0[f.name] }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            return (f.name, values, mean, variance.squareRoot())
        }
    }
}
