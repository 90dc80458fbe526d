// Sigmoid and binary cross-entropy fused (PyTorch's BCEWithLogitsLoss), for multi-label targets.
//
// Shapes: logits Z (B, C), targets T (B, C) in [0, 1] (one-hot of the labels when none are given).
// Forward:  loss = (1/(B·C)) Σ max(Z, 0) − Z·T + log(1 + exp(−|Z|))   (stable form of
//           −T·log σ(Z) − (1 − T)·log(1 − σ(Z)))
// Backward: dZ = (σ(Z) − T)/(B·C)

public final class SigmoidBinaryCrossEntropy: Loss {
    public private(set) var gradient = Matrix(rows: 0, cols: 0)
    public init() {}
    public var token: String { "bce" }

    public func forward(_ output: Matrix, labels: UnsafePointer<Int32>?, targets: Matrix?,
                        computeGradient: Bool) -> Float {
        let batch = output.rows, c = output.cols
        if computeGradient { gradient = gradientBuffer(gradient, like: output) }
        let scale = 1 / Float(batch * c)
        var total: Double = 0
        for r in 0..<batch {
            let z = output.data + r * c
            let label = labels.map { Int($0[r]) } ?? -1
            for k in 0..<c {
                let t: Float = targets.map { $0.data[r * c + k] } ?? (k == label ? 1 : 0)
                let v = z[k]
                total += Double(max(v, 0) - v * t + _logf(1 + _expf(-abs(v))))
                // in the forward pass this was BCE(σ(Z), T), so now we have σ(Z) − T, over B·C
                if computeGradient { gradient.data[r * c + k] = (Activation.sigmoid(v) - t) * scale }
            }
        }
        return Float(total) * scale
    }

    public func probabilities(_ output: Matrix, into result: Matrix) {
        result.resize(rows: output.rows)
        for i in 0..<output.count { result.data[i] = Activation.sigmoid(output.data[i]) }
    }
}
