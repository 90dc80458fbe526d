// Mean squared error over every output, as PyTorch's MSELoss (reduction "mean").
//
// Shapes: outputs Ŷ (B, C), targets T (B, C) (one-hot of the labels when none are given).
// Forward:  loss = (1/(B·C)) Σ (Ŷ − T)²
// Backward: dŶ = 2·(Ŷ − T)/(B·C)
// Weighted (row weights w ≥ 0): each row's terms count w_b times and the mean divides by C·Σ w
// (Losses/WeightedElementwiseMean.swift).

public final class MeanSquaredError: Loss {
    public private(set) var gradient = Matrix(rows: 0, cols: 0)
    public init() {}
    public var token: String { "mse" }

    public func forward(
        _ output: Matrix, labels: UnsafePointer<Int32>?, targets: Matrix?,
        weights: UnsafePointer<Float>?, computeGradient: Bool
    ) -> Float {
        if computeGradient { gradient = gradientBuffer(gradient, like: output) }
        // in the forward pass this was (Ŷ − T)², so now we have 2·(Ŷ − T), over B·C
        return elementwiseMean(
            output, labels: labels, targets: targets, weights: weights, gradient: computeGradient ? gradient : nil,
            term: { y, t in (y - t) * (y - t) }, derivative: { y, t in 2 * (y - t) })
    }

    public func probabilities(_ output: Matrix, into result: Matrix) { result.copy(from: output) }
}
