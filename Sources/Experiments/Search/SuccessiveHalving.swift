// Asynchronous successive halving (ASHA; Li et al., "A System for Massively Parallel Hyperparameter
// Tuning", MLSys 2020) over a list of trials. Every trial starts on the smallest epoch budget; the
// rungs' budgets grow by the halving factor η up to the configurations' epochs (min·η^k, the last
// rung the full epochs). Whenever a slot is free, the scheduler promotes a trial that is in the top
// ⌊n/η⌋ of the n results of its rung and has not been promoted yet (looking from the highest rung
// down), and only when there is none starts the next trial: promotions happen as soon as a rung has
// enough results, never waiting for a rung to fill. A promoted trial continues from the checkpoint
// it left at the end of its rung, so its rungs add up to one uninterrupted run: each trial's
// configuration keeps its full epoch count, and its learning-rate schedule spans those epochs from
// the start (a cosine schedule is not yet annealed at the low rungs, which rank trials by where an
// uninterrupted run would stand at that epoch).
//
// With folds (cross-validation inside each trial), a trial's rung is one job per fold, and its
// result the mean of the folds' figures once all are in.
//
// Resuming: the results so far (the leaderboard) and the rungs that were running when the search
// stopped are given back; those run first, from the checkpoints of the rungs before them, in the
// order they started, so that one slot resumes exactly the uninterrupted search.
import Formats
import Model
import Training

public final class SuccessiveHalving: JobScheduler {
    public struct Trial {
        public let index: Int
        /// Each dimension's value, as its flag takes it.
        public let parameters: [(name: String, value: String)]
        public let config: TrainingConfiguration
        public init(index: Int, parameters: [(name: String, value: String)], config: TrainingConfiguration) {
            self.index = index
            self.parameters = parameters
            self.config = config
        }
    }

    /// One trial's result at one rung.
    public struct Result {
        public let trial: Int, rung: Int
        public var epochs: Int
        /// The objective at the rung's end (the mean over folds); NaN when the trial diverged.
        public var value: Double
        /// Every validation figure at the rung's end (means over folds), by name.
        public var figures: [(name: String, value: Double)]
        /// The objective per epoch from the trial's start (the first fold's with folds).
        public var curve: [Double]
        public var seconds: Double
        public var status: JobOutcome.Status
        public var stoppedEarly: Bool
        public var rank: Int
    }

    public let trials: [Trial]
    public let budgets: [Int]
    public let eta: Int
    public let objective: String
    public let higherIsBetter: Bool
    public let folds: Int
    /// Where each trial leaves its checkpoints (a directory).
    public let checkpoints: String

    /// Results by rung, in the order they arrived.
    public private(set) var results: [[Result]]
    private var promoted: [Set<Int>]
    private var nextTrial = 0
    /// Rungs started and not yet recorded, in the order they started: (trial, rung).
    public private(set) var running: [(trial: Int, rung: Int)] = []
    /// Rungs to run before anything else (cut off when the search last stopped).
    private var again: [(trial: Int, rung: Int)] = []
    /// The fold jobs of started rungs not handed out yet.
    private var pendingJobs: [TrainingJob] = []
    /// With folds: the outcomes of a rung's folds so far.
    private var foldOutcomes: [Int: [Int: JobOutcome]] = [:]
    /// Told whenever results or the running rungs change (the leaderboard, the progress line).
    public var changed: (_ newResult: Result?) -> Void = { _ in }
    /// Whether new trials may start (false once the search's budget of time is spent).
    public var mayStartTrials = true

    /// The budgets: min·η^k below the full epochs, then the full epochs.
    public static func budgets(minEpochs: Int, maxEpochs: Int, eta: Int) -> [Int] {
        var b: [Int] = []
        var e = max(1, minEpochs)
        while e * eta <= maxEpochs && e < maxEpochs {
            b.append(e)
            e *= eta
        }
        return b + [maxEpochs]
    }

    public init(trials: [Trial], minEpochs: Int, eta: Int, objective: String, folds: Int = 1, checkpoints: String) {
        self.trials = trials
        self.eta = max(2, eta)
        self.objective = objective
        higherIsBetter = EvaluationFigures.higherIsBetter(objective)
        self.folds = max(1, folds)
        self.checkpoints = checkpoints
        let maxEpochs = trials.first?.config.epochs ?? 1
        budgets = SuccessiveHalving.budgets(minEpochs: min(minEpochs, maxEpochs), maxEpochs: maxEpochs, eta: self.eta)
        results = Array(repeating: [], count: budgets.count)
        promoted = Array(repeating: [], count: budgets.count)
    }

    /// Puts back what an earlier run of the same search recorded: its results, and the rungs it
    /// was running (run again first).
    public func restore(results old: [Result], running wasRunning: [(trial: Int, rung: Int)]) {
        for r in old where r.rung < budgets.count && r.trial < trials.count {
            results[r.rung].append(r)
            if r.rung > 0 { promoted[r.rung - 1].insert(r.trial) }
            nextTrial = max(nextTrial, r.trial + 1)
        }
        for u in wasRunning where u.rung < budgets.count && u.trial < trials.count && !hasResult(u.trial, u.rung) {
            again.append(u)
            if u.rung > 0 { promoted[u.rung - 1].insert(u.trial) }
            nextTrial = max(nextTrial, u.trial + 1)
        }
    }

    func hasResult(_ trial: Int, _ rung: Int) -> Bool { results[rung].contains { $0.trial == trial } }

    /// The checkpoint a trial leaves at the end of a rung (one per fold with folds).
    public func checkpoint(trial: Int, rung: Int, fold: Int) -> String {
        checkpoints + "/trial-\(pad(trial))-rung-\(rung)" + (folds > 1 ? "-fold-\(fold)" : "") + ".ckpt"
    }

    private func pad(_ n: Int) -> String {
        let s = "\(n)"
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    /// Whether `a` is a better value of the objective than `b` (NaN is never better).
    public func better(_ a: Double, than b: Double) -> Bool {
        guard !a.isNaN else { return false }
        guard !b.isNaN else { return true }
        return higherIsBetter ? a > b : a < b
    }

    /// A rung's results, best first.
    public func ranked(_ rung: Int) -> [Result] {
        results[rung].sorted { better($0.value, than: $1.value) || ($0.value == $1.value && $0.trial < $1.trial) }
    }

    /// The next rung to run: one cut off earlier, a promotion, or a new trial.
    private func nextRung() -> (trial: Int, rung: Int)? {
        if !again.isEmpty { return again.removeFirst() }
        for k in stride(from: budgets.count - 2, through: 0, by: -1) {
            let quota = results[k].count / eta
            guard quota > 0 else { continue }
            for r in ranked(k).prefix(quota)
            where !promoted[k].contains(r.trial) && r.status == .finished && !r.stoppedEarly && !r.value.isNaN {
                promoted[k].insert(r.trial)
                return (r.trial, k + 1)
            }
        }
        guard mayStartTrials, nextTrial < trials.count else { return nil }
        nextTrial += 1
        return (nextTrial - 1, 0)
    }

    public func nextJob() -> TrainingJob? {
        if pendingJobs.isEmpty {
            guard let u = nextRung() else { return nil }
            running.append(u)
            let t = trials[u.trial]
            pendingJobs = (0..<folds).map { f in
                TrainingJob(
                    id: (u.trial * budgets.count + u.rung) * folds + f, config: t.config, epochs: budgets[u.rung],
                    fold: folds > 1 ? f : nil, resume: u.rung > 0 ? checkpoint(trial: u.trial, rung: u.rung - 1, fold: f) : nil,
                    checkpoint: checkpoint(trial: u.trial, rung: u.rung, fold: f))
            }
            changed(nil)
        }
        return pendingJobs.removeFirst()
    }

    /// The (trial, rung, fold) of a job's id.
    public func unit(of id: Int) -> (trial: Int, rung: Int, fold: Int) {
        (id / folds / budgets.count, (id / folds) % budgets.count, id % folds)
    }

    public func record(_ outcome: JobOutcome, of job: TrainingJob) {
        let (trial, rung, fold) = unit(of: job.id)
        if outcome.status == .cutOff {
            // Not a result: the rung runs again (when the search does).
            running.removeAll { $0.trial == trial && $0.rung == rung }
            foldOutcomes[trial * budgets.count + rung] = nil
            changed(nil)
            return
        }
        var got = foldOutcomes[trial * budgets.count + rung] ?? [:]
        got[fold] = outcome
        guard got.count == folds else {
            foldOutcomes[trial * budgets.count + rung] = got
            return
        }
        foldOutcomes[trial * budgets.count + rung] = nil
        let outs = (0..<folds).map { got[$0]! }
        let failed = outs.first { $0.status != .finished }
        var figures: [(name: String, value: Double)] = []
        if failed == nil, let first = outs.first?.validation {
            for (name, _) in first.json("val") {
                let values = outs.compactMap { o in
                    o.validation.flatMap { v in v.json("val").first { $0.0 == name } }.flatMap { x -> Double? in
                        if case .number(let d) = x.1 { return d }
                        return nil
                    }
                }
                figures.append((name, values.reduce(0, +) / Double(max(values.count, 1))))
            }
        }
        let value = figures.first { $0.name == objective }?.value ?? .nan
        let curve = outs[0].history.map { e -> Double in
            guard let v = e.validation else { return .nan }
            return v.json("val").first { $0.0 == objective }.flatMap { x -> Double? in
                if case .number(let d) = x.1 { return d }
                return nil
            } ?? .nan
        }
        let result = Result(
            trial: trial, rung: rung, epochs: outs.map(\.epochs).min() ?? 0, value: value, figures: figures, curve: curve,
            seconds: outs.reduce(0) { $0 + $1.seconds }, status: failed?.status ?? .finished,
            stoppedEarly: outs.contains { $0.stoppedEarly }, rank: outs[0].rank)
        results[rung].append(result)
        running.removeAll { $0.trial == trial && $0.rung == rung }
        changed(result)
        // The rung before is continued for good: its checkpoints are not needed any more.
        if rung > 0 { for f in 0..<folds { unlink(checkpoint(trial: trial, rung: rung - 1, fold: f)) } }
    }

    public var exhausted: Bool { false }

    /// The best result: the best of the highest rung that has any.
    public var best: Result? {
        for k in stride(from: budgets.count - 1, through: 0, by: -1) {
            if let r = ranked(k).first(where: { !$0.value.isNaN }) { return r }
        }
        return nil
    }

    /// Epochs of training done and the epochs the whole search would take, for the time left:
    /// every trial's first rung, and ⌊n/η^k⌋ of them on to each later rung.
    public var work: (done: Double, total: Double) {
        var done = 0.0
        var total = 0.0
        let n = Double(trials.count)
        for k in budgets.indices {
            let step = Double(budgets[k] - (k > 0 ? budgets[k - 1] : 0)) * Double(folds)
            done += Double(results[k].count) * step
            total += (n / pow(Double(eta), Double(k))).rounded(.down) * step
        }
        return (done, max(total, done))
    }
}

#if canImport(Glibc)
    import Glibc
#endif
