// Watches a validation metric from epoch to epoch: whether it improved, and for how many epochs
// it has not. Early stopping and reduce-on-plateau each keep one. The loss, log-loss and Brier score
// improve downwards, every other metric upwards.

public struct MetricMonitor {
    /// val_loss, val_accuracy (classification), val_r2 (regression), or val_NAME of a classification
    /// metric (ClassificationMetric: val_auc, val_f1, val_log_loss, …).
    public enum Metric: Hashable, RawRepresentable, CaseIterable, Sendable {
        case valLoss, valAccuracy, valR2
        case valClassification(ClassificationMetric)

        public init?(rawValue: String) {
            switch rawValue {
            case "val_loss": self = .valLoss
            case "val_accuracy": self = .valAccuracy
            case "val_r2": self = .valR2
            default:
                guard rawValue.hasPrefix("val_"), let m = ClassificationMetric(rawValue: String(rawValue.dropFirst(4))) else { return nil }
                self = .valClassification(m)
            }
        }

        public var rawValue: String {
            switch self {
            case .valLoss: return "val_loss"
            case .valAccuracy: return "val_accuracy"
            case .valR2: return "val_r2"
            case .valClassification(let m): return "val_" + m.rawValue
            }
        }

        public static var allCases: [Metric] {
            [.valLoss, .valAccuracy, .valR2] + ClassificationMetric.allCases.map { .valClassification($0) }
        }

        /// The names, for messages and help.
        public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

        /// Larger is better.
        public var higherIsBetter: Bool {
            switch self {
            case .valLoss: return false
            case .valAccuracy, .valR2: return true
            case .valClassification(let m): return m.higherIsBetter
            }
        }

        /// The classification metric it watches, if it is one.
        public var classification: ClassificationMetric? {
            if case .valClassification(let m) = self { return m }
            return nil
        }
    }

    public let metric: Metric
    public let patience: Int
    /// The best value so far, and the epochs since it.
    public var best: Double?
    public var badEpochs = 0

    public init(metric: Metric, patience: Int) {
        self.metric = metric
        self.patience = patience
    }

    /// Records an epoch's value; true when it is a new best.
    public mutating func record(_ value: Double) -> Bool {
        let improved: Bool
        if let best { improved = metric.higherIsBetter ? value > best : value < best } else { improved = true }
        if improved {
            best = value
            badEpochs = 0
        } else {
            badEpochs += 1
        }
        return improved
    }

    /// Whether `patience` epochs have passed without improvement.
    public var exhausted: Bool { badEpochs >= patience }
}
