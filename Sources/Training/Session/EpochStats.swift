// What one epoch of training measured: one line of the logs, one point of the curves.
import Formats

/// A model's figures on one dataset: the loss, and the accuracy (classification) or the errors in
/// the target's units and R² (regression), and the classification metrics asked for.
public struct SetMetrics: Equatable {
    public var loss: Float
    public var accuracy: Float?
    public var rmse: Double?, mae: Double?, r2: Double?
    /// Classification metrics (`--metrics`, a monitor's), in the vocabulary's order; nil where a
    /// figure is undefined on this set (an area with one class present).
    public var figures: [Figure] = []

    public struct Figure: Equatable, Sendable {
        public let metric: ClassificationMetric
        public let value: Double?
        public init(metric: ClassificationMetric, value: Double?) {
            self.metric = metric
            self.value = value
        }
    }

    /// Members of a log line for the set called `prefix` ("val", "test").
    public func json(_ prefix: String) -> [(String, JSONValue)] {
        var m: [(String, JSONValue)] = [("\(prefix)_loss", JSONValue(loss))]
        if let accuracy { m.append(("\(prefix)_accuracy", JSONValue(accuracy))) }
        if let rmse, let mae, let r2 {
            m += [
                ("\(prefix)_rmse", JSONValue(Float(rmse))), ("\(prefix)_mae", JSONValue(Float(mae))),
                ("\(prefix)_r2", JSONValue(Float(r2))),
            ]
        }
        for f in figures { m.append(("\(prefix)_\(f.metric.rawValue)", f.value.map { JSONValue(Float($0)) } ?? .null)) }
        return m
    }

    /// Reads what `json(prefix)` wrote, or nil when the set is not there.
    public init?(json v: JSONValue, _ prefix: String) {
        func num(_ k: String) -> Double? {
            if case .number(let x)? = v["\(prefix)_\(k)"] { return x }
            return nil
        }
        guard let l = num("loss") else { return nil }
        loss = Float(l)
        accuracy = num("accuracy").map(Float.init)
        rmse = num("rmse")
        mae = num("mae")
        r2 = num("r2")
        figures = ClassificationMetric.allCases.compactMap { m in
            switch v["\(prefix)_\(m.rawValue)"] {
            case .number(let x)?: return Figure(metric: m, value: x)
            case .null?: return Figure(metric: m, value: nil)
            default: return nil
            }
        }
    }

    public init(loss: Float, accuracy: Float? = nil, rmse: Double? = nil, mae: Double? = nil, r2: Double? = nil, figures: [Figure] = []) {
        self.loss = loss
        self.accuracy = accuracy
        self.rmse = rmse
        self.mae = mae
        self.r2 = r2
        self.figures = figures
    }

    /// A classification metric's value, when the set has it.
    public func value(of m: ClassificationMetric) -> Double? { figures.first { $0.metric == m }?.value }

    /// The value a monitor watches (an undefined figure is the worst there is).
    public func value(_ m: MetricMonitor.Metric) -> Double {
        switch m {
        case .valLoss: return Double(loss)
        case .valAccuracy: return Double(accuracy ?? 0)
        case .valR2: return r2 ?? -Double.infinity
        case .valClassification(let c): return value(of: c) ?? (c.higherIsBetter ? -Double.infinity : Double.infinity)
        }
    }
}

public struct EpochStats {
    public var epoch: Int
    public var step: Int
    public var learningRate: Float
    public var loss: Float
    /// Train accuracy over the epoch's steps (classification only).
    public var accuracy: Float?
    public var validation: SetMetrics?
    public var test: SetMetrics?
    public var seconds: Double
    public var samplesPerSecond: Double
    /// Time spent evaluating the validation and test sets after the epoch (not in `seconds`).
    public var evaluationSeconds: Double = 0
    /// Of `seconds`, the time spent gathering distorted batches (nil: the run does not augment).
    public var augmentSeconds: Double?
    /// Mean gradient L2 norm over the epoch's steps, per parameter ("layers.0.weight").
    public var gradientNorms: [(String, Double)]

    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("epoch", JSONValue(epoch)), ("step", JSONValue(step)), ("lr", JSONValue(learningRate)), ("loss", JSONValue(loss)),
        ]
        if let accuracy { members.append(("accuracy", JSONValue(accuracy))) }
        if let validation { members += validation.json("val") }
        if let test { members += test.json("test") }
        members += [("seconds", JSONValue(seconds, decimals: 6)), ("samples_per_second", JSONValue(samplesPerSecond.rounded()))]
        if validation != nil || test != nil { members.append(("eval_seconds", JSONValue(evaluationSeconds, decimals: 6))) }
        if let augmentSeconds { members.append(("augment_seconds", JSONValue(augmentSeconds, decimals: 6))) }
        if !gradientNorms.isEmpty {
            members.append(("grad_norm", .object(gradientNorms.map { ($0.0, JSONValue(Float($0.1))) })))
        }
        return .object(members)
    }

    /// The columns of the CSV log, for a run with these sets (the first epoch decides).
    public var csvHeader: [String] {
        var h = ["epoch", "step", "lr", "loss"]
        if accuracy != nil { h.append("accuracy") }
        for (prefix, set) in [("val", validation), ("test", test)] {
            guard let set else { continue }
            h.append("\(prefix)_loss")
            if set.accuracy != nil { h.append("\(prefix)_accuracy") }
            if set.r2 != nil { h += ["\(prefix)_rmse", "\(prefix)_mae", "\(prefix)_r2"] }
            h += set.figures.map { "\(prefix)_\($0.metric.rawValue)" }
        }
        return h + ["seconds", "samples_per_second"] + (augmentSeconds != nil ? ["augment_seconds"] : [])
    }

    /// Parses the object `json` wrote (checkpoints keep the history this way).
    public init?(json v: JSONValue) {
        func num(_ k: String) -> Double? {
            if case .number(let x)? = v[k] { return x }
            return nil
        }
        guard let e = num("epoch"), let s = num("step"), let lr = num("lr"), let l = num("loss"),
            let sec = num("seconds"), let sps = num("samples_per_second")
        else { return nil }
        epoch = Int(e)
        step = Int(s)
        learningRate = Float(lr)
        loss = Float(l)
        accuracy = num("accuracy").map(Float.init)
        validation = SetMetrics(json: v, "val")
        test = SetMetrics(json: v, "test")
        seconds = sec
        samplesPerSecond = sps
        evaluationSeconds = num("eval_seconds") ?? 0
        augmentSeconds = num("augment_seconds")
        if case .object(let g)? = v["grad_norm"] {
            gradientNorms = g.compactMap { k, x in
                if case .number(let d) = x { return (k, d) }
                return nil
            }
        } else {
            gradientNorms = []
        }
    }

    public init(
        epoch: Int, step: Int, learningRate: Float, loss: Float, accuracy: Float?, validation: SetMetrics?,
        test: SetMetrics?, seconds: Double, samplesPerSecond: Double, gradientNorms: [(String, Double)]
    ) {
        self.epoch = epoch
        self.step = step
        self.learningRate = learningRate
        self.loss = loss
        self.accuracy = accuracy
        self.validation = validation
        self.test = test
        self.seconds = seconds
        self.samplesPerSecond = samplesPerSecond
        self.gradientNorms = gradientNorms
    }
}
