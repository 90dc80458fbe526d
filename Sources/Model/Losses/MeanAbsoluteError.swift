// Mean absolute error over every output, as PyTorch's L1Loss (reduction "mean"), for regression
// that should not chase outliers.
//
// Shapes: outputs Ŷ (B, C), targets T (B, C).
// Forward:  loss = (1/(B·C)) Σ |Ŷ − T|
// Backward: dŶ = sign(Ŷ − T)/(B·C)   (0 where Ŷ = T, as PyTorch)
// Weighted (row weights w ≥ 0): each row's terms count w_b times and the mean divides by C·Σ w
// (Losses/WeightedElementwiseMean.swift).

public final class MeanAbsoluteError: Loss {
    public private(set) var gradient = Matrix(rows: 0, cols: 0)
    public init() {}
    public var token: String { "mae" }

    public func forward(
        _ output: Matrix, labels: UnsafePointer<Int32>?, targets: Matrix?,
        weights: UnsafePointer<Float>?, computeGradient: Bool
    ) -> Float {
        if computeGradient { gradient = gradientBuffer(gradient, like: output) }
        // in the forward pass this was |Ŷ − T|, so now we have sign(Ŷ − T), over B·C
        return elementwiseMean(
            output, labels: labels, targets: targets, weights: weights, gradient: computeGradient ? gradient : nil,
            term: { y, t in abs(y - t) }, derivative: { y, t in y > t ? 1 : (y < t ? -1 : 0) })
    }

    public func probabilities(_ output: Matrix, into result: Matrix) { result.copy(from: output) }
}
