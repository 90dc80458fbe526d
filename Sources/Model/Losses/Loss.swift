// A loss turns the network's raw outputs and the targets into one number (the batch mean) and,
// in the same pass, into dLoss/dOutput. The loss owns its gradient buffer.

public protocol Loss: AnyObject {
    /// The token recorded in the model file and accepted by --loss.
    var token: String { get }
    /// dLoss/dOutput from the last `forward` with `computeGradient`.
    var gradient: Matrix { get }
    /// Mean loss over the batch. Targets are class labels (one per row), or `targets` (B, C) when
    /// given (regression and multi-label). With `computeGradient`, also fills `gradient`.
    func forward(_ output: Matrix, labels: UnsafePointer<Int32>?, targets: Matrix?,
                 computeGradient: Bool) -> Float
    /// What the outputs mean as probabilities: softmax, sigmoid, or the outputs themselves.
    func probabilities(_ output: Matrix, into result: Matrix)
}

public enum LossKind {
    public static let names = ["cross_entropy", "cross_entropy:SMOOTHING", "mse", "bce", "mae", "huber[:DELTA]"]

    /// The losses that compare outputs with real-valued targets, for regression.
    public static let regressionNames = ["mse", "mae", "huber[:DELTA]"]

    /// Whether a loss can train a regression (a linear output against real-valued targets).
    public static func isRegression(_ loss: Loss) -> Bool {
        loss is MeanSquaredError || loss is MeanAbsoluteError || loss is HuberLoss
    }

    /// Builds a loss from its token; nil when unknown.
    public static func make(_ token: String) -> Loss? {
        let parts = token.lowercased().split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch parts[0] {
        case "cross_entropy", "crossentropy", "ce", "softmax_cross_entropy":
            if parts.count == 1 { return SoftmaxCrossEntropy() }
            guard parts.count == 2, let s = Float(parts[1]), s >= 0, s < 1 else { return nil }
            return SoftmaxCrossEntropy(labelSmoothing: s)
        case "mse", "mean_squared_error":
            return parts.count == 1 ? MeanSquaredError() : nil
        case "bce", "binary_cross_entropy", "sigmoid_bce":
            return parts.count == 1 ? SigmoidBinaryCrossEntropy() : nil
        case "mae", "l1", "mean_absolute_error":
            return parts.count == 1 ? MeanAbsoluteError() : nil
        case "huber":
            if parts.count == 1 { return HuberLoss() }
            guard parts.count == 2, let d = Float(parts[1]), d > 0, d.isFinite else { return nil }
            return HuberLoss(delta: d)
        default:
            return nil
        }
    }
}

/// The loss's gradient buffer, reshaped for `output` (reallocated only when the class count changes
/// or the batch grows).
func gradientBuffer(_ current: Matrix, like output: Matrix) -> Matrix {
    let g = current.cols == output.cols ? current : Matrix(rows: output.rows, cols: output.cols)
    g.resize(rows: output.rows)
    return g
}

/// The mean over every output of an elementwise loss `term(z, t)`, where the target t is
/// `targets`' entry or the one-hot of `labels`; with `gradient`, also writes d(mean)/dz =
/// `derivative(z, t)`/(B·C) there. Shared by the losses that treat each output on its own.
func elementwiseMean(_ output: Matrix, labels: UnsafePointer<Int32>?, targets: Matrix?, gradient: Matrix?,
                     term: (Float, Float) -> Float, derivative: (Float, Float) -> Float) -> Float {
    let batch = output.rows, c = output.cols
    let scale = 1 / Float(batch * c)
    var total: Double = 0
    for r in 0..<batch {
        let z = output.data + r * c
        let label = labels.map { Int($0[r]) } ?? -1
        for k in 0..<c {
            let t: Float = targets.map { $0.data[r * c + k] } ?? (k == label ? 1 : 0)
            total += Double(term(z[k], t))
            if let gradient { gradient.data[r * c + k] = derivative(z[k], t) * scale }
        }
    }
    return Float(total) * scale
}
