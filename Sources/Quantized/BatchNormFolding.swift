// Batch norm (evaluation form) folded into the dense layer before it, so the quantized model has
// one matrix product per layer and the per-channel weight scales absorb γ/σ:
//
//   BN(Wx + b) = γ·(Wx + b − μ)/√(σ² + ε) + β = W'x + b',
//   a_j = γ_j/√(σ²_j + ε),   W'[j,:] = a_j·W[j,:],   b'_j = a_j·(b_j − μ_j) + β_j
//
// It applies only when nothing sits between the dense layer and the batch norm (an activation in
// between does not commute with the affine map).

public enum BatchNormFolding {
    /// (W', b') for a dense layer [out, in] (row-major) followed by batch norm over its `out` units.
    public static func fold(
        weight: [Float], bias: [Float], gamma: [Float], beta: [Float],
        runningMean: [Float], runningVar: [Float], epsilon: Float = 1e-5
    ) -> (weight: [Float], bias: [Float]) {
        let out = bias.count
        precondition(
            out > 0 && weight.count % out == 0 && [gamma.count, beta.count, runningMean.count, runningVar.count].allSatisfy { $0 == out },
            "BatchNormFolding: shapes disagree")
        let inputs = weight.count / out
        var w = weight
        var b = bias
        for j in 0..<out {
            let a = gamma[j] / (runningVar[j] + epsilon).squareRoot()
            for c in 0..<inputs { w[j * inputs + c] = a * weight[j * inputs + c] }
            b[j] = a * (bias[j] - runningMean[j]) + beta[j]
        }
        return (w, b)
    }
}
