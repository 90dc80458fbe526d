// The Huber loss, as PyTorch's HuberLoss (reduction "mean"): squared error near the target, absolute
// error beyond δ, so a few far-off targets pull less than under MSE.
//
// Shapes: outputs Ŷ (B, C), targets T (B, C); d = Ŷ − T.
// Forward:  loss = (1/(B·C)) Σ h(d),  h(d) = ½d² for |d| ≤ δ, δ·(|d| − ½δ) otherwise
// Backward: dŶ = h'(d)/(B·C),  h'(d) = d for |d| ≤ δ, δ·sign(d) otherwise
// Weighted (row weights w ≥ 0): each row's terms count w_b times and the mean divides by C·Σ w
// (Losses/WeightedElementwiseMean.swift).

public final class HuberLoss: Loss {
    public let delta: Float
    public private(set) var gradient = Matrix(rows: 0, cols: 0)

    public init(delta: Float = 1) { self.delta = delta }

    public var token: String { delta == 1 ? "huber" : "huber:\(delta)" }

    public func forward(
        _ output: Matrix, labels: UnsafePointer<Int32>?, targets: Matrix?,
        weights: UnsafePointer<Float>?, computeGradient: Bool
    ) -> Float {
        if computeGradient { gradient = gradientBuffer(gradient, like: output) }
        let k = delta
        // in the forward pass this was h(Ŷ − T), so now we have h'(Ŷ − T), over B·C
        return elementwiseMean(
            output, labels: labels, targets: targets, weights: weights, gradient: computeGradient ? gradient : nil,
            term: { y, t in
                let d = abs(y - t)
                return d <= k ? 0.5 * d * d : k * (d - 0.5 * k)
            },
            derivative: { y, t in
                let d = y - t
                return d > k ? k : (d < -k ? -k : d)
            })
    }

    public func probabilities(_ output: Matrix, into result: Matrix) { result.copy(from: output) }
}
