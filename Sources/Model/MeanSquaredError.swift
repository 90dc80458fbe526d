// Mean squared error over every output, as PyTorch's MSELoss (reduction "mean").
//
// Shapes: outputs Ŷ (B, C), targets T (B, C) (one-hot of the labels when none are given).
// Forward:  loss = (1/(B·C)) Σ (Ŷ − T)²
// Backward: dŶ = 2·(Ŷ − T)/(B·C)

public final class MeanSquaredError: Loss {
    public private(set) var gradient = Matrix(rows: 0, cols: 0)
    public init() {}
    public var token: String { "mse" }

    public func forward(_ output: Matrix, labels: UnsafePointer<Int32>?, targets: Matrix?,
                        computeGradient: Bool) -> Float {
        let batch = output.rows, c = output.cols
        if computeGradient { gradient = gradientBuffer(gradient, like: output) }
        let scale = 1 / Float(batch * c)
        var total: Double = 0
        for r in 0..<batch {
            let y = output.data + r * c
            let label = labels.map { Int($0[r]) } ?? -1
            for k in 0..<c {
                let t: Float = targets.map { $0.data[r * c + k] } ?? (k == label ? 1 : 0)
                let d = y[k] - t
                total += Double(d * d)
                // in the forward pass this was (Ŷ − T)², so now we have 2·(Ŷ − T), over B·C
                if computeGradient { gradient.data[r * c + k] = 2 * d * scale }
            }
        }
        return Float(total) * scale
    }

    public func probabilities(_ output: Matrix, into result: Matrix) { result.copy(from: output) }
}
