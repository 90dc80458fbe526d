// A loss turns the network's raw outputs and the targets into one number (the batch mean) and,
// in the same pass, into dLoss/dOutput. The loss owns its gradient buffer.
//
// Weights: a batch may come with one weight w_b ≥ 0 per row (the example's sample weight times its
// class's weight, filled in by the batch gather). The loss is then the weighted mean Σ w_b·ℓ_b / Σ w_b
// in every loss: scikit-learn's log_loss(sample_weight=…) and PyTorch's CrossEntropyLoss(weight=…,
// reduction="mean") both divide by Σ w (Keras divides by the row count instead, so its loss scale moves
// with the weights). A batch whose weights are all 0 has loss 0 and a zero gradient.

public protocol Loss: AnyObject {
    /// The token recorded in the model file and accepted by --loss.
    var token: String { get }
    /// dLoss/dOutput from the last `forward` with `computeGradient`.
    var gradient: Matrix { get }
    /// Mean loss over the batch. Targets are class labels (one per row), or `targets` (B, C) when
    /// given (regression and multi-label). With `computeGradient`, also fills `gradient`.
    /// `weights` (B values, ≥ 0, or nil for all 1) makes it the weighted mean Σ w·loss / Σ w, and the
    /// gradient that of the weighted mean; nil runs the unweighted code, unchanged.
    func forward(
        _ output: Matrix, labels: UnsafePointer<Int32>?, targets: Matrix?,
        weights: UnsafePointer<Float>?, computeGradient: Bool
    ) -> Float
    /// What the outputs mean as probabilities: softmax, sigmoid, or the outputs themselves.
    func probabilities(_ output: Matrix, into result: Matrix)
}

extension Loss {
    /// The unweighted mean loss (every row weighs 1).
    @inline(__always)
    public func forward(_ output: Matrix, labels: UnsafePointer<Int32>?, targets: Matrix?, computeGradient: Bool) -> Float {
        forward(output, labels: labels, targets: targets, weights: nil, computeGradient: computeGradient)
    }
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
/// With `weights` or `labelWeights`, the weighted mean instead (Losses/WeightedElementwiseMean.swift).
func elementwiseMean(
    _ output: Matrix, labels: UnsafePointer<Int32>?, targets: Matrix?,
    weights: UnsafePointer<Float>? = nil, labelWeights: LabelWeights? = nil, gradient: Matrix?,
    term: (Float, Float) -> Float, derivative: (Float, Float) -> Float
) -> Float {
    if weights != nil || labelWeights != nil {
        return weightedElementwiseMean(
            output, labels: labels, targets: targets, weights: weights, labelWeights: labelWeights,
            gradient: gradient, term: term, derivative: derivative)
    }
    let batch = output.rows
    let c = output.cols
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
