// Watches a validation metric from epoch to epoch: whether it improved, and for how many epochs
// it has not. Early stopping and reduce-on-plateau each keep one.

public struct MetricMonitor {
    public enum Metric: String, CaseIterable { case valLoss = "val_loss", valAccuracy = "val_accuracy", valR2 = "val_r2" }
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
        if let best { improved = metric == .valLoss ? value < best : value > best } else { improved = true }  // accuracy, R²: higher is better
        if improved { best = value; badEpochs = 0 } else { badEpochs += 1 }
        return improved
    }

    /// Whether `patience` epochs have passed without improvement.
    public var exhausted: Bool { badEpochs >= patience }
}
