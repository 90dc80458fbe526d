// Learning rate as a function of training progress, evaluated every step.
//   constant:      lr
//   step:          lr · γ^⌊epoch / every⌋
//   cosine:        lr_min + (lr − lr_min)·(1 + cos(π·t/T))/2 over all steps (PyTorch's
//                  CosineAnnealingLR with T_max = total steps, lr_min = 0)
//   warm-up:       the first W epochs ramp linearly from lr/(steps in W) to lr, then the schedule runs
//                  over the remaining steps.
//   anneal:        from a step decided while training (early stopping's patience ran out), whatever
//                  the kind, lr·(1 + cos(π·t/T))/2 over the T steps that follow, then 0.

public struct LearningRateSchedule: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case constant
        case step(every: Int, gamma: Float)
        case cosine
    }

    /// A decay to 0 that starts at global step `start` and lasts `steps` steps (cosine).
    public struct Anneal: Equatable, Sendable {
        public var start: Int, steps: Int
        public init(start: Int, steps: Int) {
            self.start = start
            self.steps = steps
        }
    }

    public var base: Float
    public var kind: Kind
    public var warmupEpochs: Int
    /// Set while training, when the run anneals (nil: it does not).
    public var anneal: Anneal?

    public init(base: Float, kind: Kind = .constant, warmupEpochs: Int = 0) {
        self.base = base
        self.kind = kind
        self.warmupEpochs = warmupEpochs
    }

    /// The token recorded in logs ("constant", "step:10:0.5", "cosine").
    public var token: String {
        switch kind {
        case .constant: return "constant"
        case .step(let every, let gamma): return "step:\(every):\(gamma)"
        case .cosine: return "cosine"
        }
    }

    public static let names = ["constant", "step[:EVERY[:GAMMA]]", "cosine"]

    /// Parses a schedule token; nil when unknown.
    public static func parseKind(_ token: String) -> Kind? {
        let parts = token.lowercased().split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch parts[0] {
        case "constant", "none": return parts.count == 1 ? .constant : nil
        case "cosine": return parts.count == 1 ? .cosine : nil
        case "step":
            guard parts.count <= 3 else { return nil }
            let every = parts.count > 1 ? Int(parts[1]) : 1
            let gamma = parts.count > 2 ? Float(parts[2]) : 0.5
            guard let every, every > 0, let gamma, gamma > 0, gamma.isFinite else { return nil }
            return .step(every: every, gamma: gamma)
        default: return nil
        }
    }

    /// The learning rate for global step `step` (0-based) of `stepsPerEpoch · epochs`.
    public func rate(step: Int, stepsPerEpoch: Int, epochs: Int) -> Float {
        if let a = anneal, step >= a.start {
            let t = Double(step - a.start) / Double(max(a.steps, 1))
            return Float(Double(base) * (1 + _cosd(Double.pi * min(t, 1))) / 2)
        }
        let warmupSteps = min(warmupEpochs, epochs) * stepsPerEpoch
        if step < warmupSteps { return base * Float(step + 1) / Float(warmupSteps) }
        switch kind {
        case .constant:
            return base
        case .step(let every, let gamma):
            var lr = base
            for _ in 0..<((step / max(stepsPerEpoch, 1)) / every) { lr *= gamma }
            return lr
        case .cosine:
            let total = max(stepsPerEpoch * epochs - warmupSteps, 1)
            let t = Double(step - warmupSteps) / Double(total)
            return Float(Double(base) * (1 + _cosd(Double.pi * min(t, 1))) / 2)
        }
    }
}
