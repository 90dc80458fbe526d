// One unit of an experiment's work: a training session of one configuration, on one part of the
// data (a cross-validation fold, or the whole training set), up to an epoch budget, perhaps
// continuing from a checkpoint and leaving one. Jobs and their outcomes travel between the ranks
// of an mpirun job as JSON, so every figure is written in its shortest exact form.
import Formats
import Model
import Training

public struct TrainingJob {
    /// The experiment's number for the job (unique within the experiment).
    public var id: Int
    public var config: TrainingConfiguration
    /// Train until this many epochs are done (at most the configuration's).
    public var epochs: Int
    /// The part of the data: a fold's index (cross-validation), or nil for the training set.
    public var fold: Int?
    /// The checkpoint to continue from, if any.
    public var resume: String?
    /// Where to leave a checkpoint when the budget is reached, if anywhere.
    public var checkpoint: String?
    /// Evaluate the finished network on the part's test rows (cross-validation's figures).
    public var evaluateTest: Bool

    public init(
        id: Int, config: TrainingConfiguration, epochs: Int, fold: Int? = nil, resume: String? = nil,
        checkpoint: String? = nil, evaluateTest: Bool = false
    ) {
        self.id = id
        self.config = config
        self.epochs = epochs
        self.fold = fold
        self.resume = resume
        self.checkpoint = checkpoint
        self.evaluateTest = evaluateTest
    }

    public var json: JSONValue {
        .object([
            ("id", JSONValue(id)), ("config", config.json), ("epochs", JSONValue(epochs)),
            ("fold", fold.map { JSONValue($0) } ?? .null), ("resume", resume.map { JSONValue($0) } ?? .null),
            ("checkpoint", checkpoint.map { JSONValue($0) } ?? .null), ("evaluate_test", JSONValue(evaluateTest)),
        ])
    }

    public init(json v: JSONValue) throws(TrainingError) {
        func num(_ k: String) -> Int? {
            if case .number(let d)? = v[k] { return Int(d) }
            return nil
        }
        func str(_ k: String) -> String? {
            if case .string(let s)? = v[k] { return s }
            return nil
        }
        guard let id = num("id"), let epochs = num("epochs"), let c = v["config"] else { throw .data("a job message is malformed") }
        self.id = id
        self.epochs = epochs
        config = try TrainingConfiguration(json: c) { TrainingError.data("a job's configuration \($0)") }
        fold = num("fold")
        resume = str("resume")
        checkpoint = str("checkpoint")
        evaluateTest = v["evaluate_test"] == .bool(true)
    }
}

/// What became of a job.
public struct JobOutcome {
    public enum Status: String {
        /// The budget's epochs ran (or early stopping ended the run).
        case finished
        /// The loss became NaN or infinite: the configuration is hopeless.
        case diverged
        /// Stopped before the budget (an interrupt, the experiment's time budget): run it again.
        case cutOff = "cut_off"
        /// The job could not run (its message says why).
        case failed
    }

    public var id: Int
    public var status: Status
    /// Epochs done when it ended.
    public var epochs: Int
    /// Whether early stopping ended the run (it cannot go further).
    public var stoppedEarly = false
    /// The session's epochs so far (a resumed run's from its start).
    public var history: [EpochStats] = []
    /// The network's figures on the part's test rows (when asked).
    public var test: EvaluationFigures?
    /// Seconds of wall time the job took here.
    public var seconds: Double
    /// Which rank ran it.
    public var rank = 0
    public var message: String?
    /// The trained network, when the caller asked to keep it (never sent between ranks).
    public var network: Network?

    public init(id: Int, status: Status, epochs: Int, seconds: Double) {
        self.id = id
        self.status = status
        self.epochs = epochs
        self.seconds = seconds
    }

    /// The last epoch's validation figures.
    public var validation: SetMetrics? { history.last?.validation }

    public var json: JSONValue {
        var m: [(String, JSONValue)] = [
            ("id", JSONValue(id)), ("status", JSONValue(status.rawValue)), ("epochs", JSONValue(epochs)),
            ("stopped_early", JSONValue(stoppedEarly)), ("history", .array(history.map(\.json))),
            ("seconds", JSONValue(seconds)), ("rank", JSONValue(rank)),
        ]
        if let test { m.append(("test", .object(test.values.map { ($0.name, JSONValue($0.value)) }))) }
        if let message { m.append(("message", JSONValue(message))) }
        return .object(m)
    }

    public init(json v: JSONValue) throws(TrainingError) {
        func num(_ k: String) -> Double? {
            if case .number(let d)? = v[k] { return d }
            return nil
        }
        guard let id = num("id"), case .string(let s)? = v["status"], let status = Status(rawValue: s), let e = num("epochs"),
            let sec = num("seconds")
        else { throw .data("a job's outcome message is malformed") }
        self.init(id: Int(id), status: status, epochs: Int(e), seconds: sec)
        stoppedEarly = v["stopped_early"] == .bool(true)
        if case .array(let items)? = v["history"] { history = items.compactMap { EpochStats(json: $0) } }
        if case .object(let t)? = v["test"] {
            test = EvaluationFigures(
                t.compactMap { k, x in
                    if case .number(let d) = x { return (k, d) }
                    return nil
                })
        }
        rank = num("rank").map { Int($0) } ?? 0
        if case .string(let m)? = v["message"] { message = m }
    }
}
