// Sigmoid and binary cross-entropy fused (PyTorch's BCEWithLogitsLoss), for multi-label targets.
//
// Shapes: logits Z (B, C), targets T (B, C) in [0, 1] (one-hot of the labels when none are given).
// Forward:  loss = (1/(B·C)) Σ max(Z, 0) − Z·T + log(1 + exp(−|Z|))   (stable form of
//           −T·log σ(Z) − (1 − T)·log(1 − σ(Z)))
// Backward: dZ = (σ(Z) − T)/(B·C)
// Weighted: the term of row b and label k counts e_bk = w_b·(T·pos_k + (1 − T)·neg_k) times (row weights
// w, label weights `labelWeights`, each 1 when absent) and the mean divides by Σ e:
// loss = Σ e·ℓ / Σ e, dZ = e·(σ(Z) − T)/Σ e (Losses/WeightedElementwiseMean.swift).

public final class SigmoidBinaryCrossEntropy: Loss {
    public private(set) var gradient = Matrix(rows: 0, cols: 0)
    /// Per label, the weight of a positive and of a negative target (training only; nil: all 1).
    public var labelWeights: LabelWeights?
    public init() {}
    public var token: String { "bce" }

    public func forward(
        _ output: Matrix, labels: UnsafePointer<Int32>?, targets: Matrix?,
        weights: UnsafePointer<Float>?, computeGradient: Bool
    ) -> Float {
        if computeGradient { gradient = gradientBuffer(gradient, like: output) }
        // in the forward pass this was BCE(σ(Z), T), so now we have σ(Z) − T, over B·C
        return elementwiseMean(
            output, labels: labels, targets: targets, weights: weights, labelWeights: labelWeights,
            gradient: computeGradient ? gradient : nil,
            term: { z, t in max(z, 0) - z * t + _logf(1 + _expf(-abs(z))) },
            derivative: { z, t in Activation.sigmoid(z) - t })
    }

    public func probabilities(_ output: Matrix, into result: Matrix) {
        result.resize(rows: output.rows)
        for i in 0..<output.count { result.data[i] = Activation.sigmoid(output.data[i]) }
    }
}
