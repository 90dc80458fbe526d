// Softmax and cross-entropy fused, numerically stable, forward and backward in one pass.
//
// Shapes: logits Z (B, C), labels y (B), probabilities P (B, C).
// Forward:  log P[b,c] = Z[b,c] − m − log Σ_k exp(Z[b,k] − m), m = max_k Z[b,k]  (log-sum-exp)
//           with targets q = (1 − ε)·onehot(y) + ε/C (ε = label smoothing, 0 by default),
//           loss = (1/B) Σ_b −Σ_c q[b,c]·log P[b,c]
// Backward: dZ = (P − q)/B
// Weighted (row weights w ≥ 0): loss = Σ_b w_b·ℓ_b / Σ_b w_b, dZ_b = w_b·(P_b − q_b)/Σ_b w_b, where ℓ_b is
// the row's whole smoothed loss above (Losses/WeightedSoftmaxCrossEntropy.swift).

public final class SoftmaxCrossEntropy: Loss {
    public let labelSmoothing: Float
    public private(set) var gradient = Matrix(rows: 0, cols: 0)

    public init(labelSmoothing: Float = 0) {
        self.labelSmoothing = labelSmoothing
    }

    public var token: String { labelSmoothing == 0 ? "cross_entropy" : "cross_entropy:\(labelSmoothing)" }

    public func forward(
        _ output: Matrix, labels: UnsafePointer<Int32>?, targets: Matrix?,
        weights: UnsafePointer<Float>?, computeGradient: Bool
    ) -> Float {
        let batch = output.rows
        let c = output.cols
        if computeGradient { gradient = gradientBuffer(gradient, like: output) }
        if let weights {
            return weightedForward(
                output, labels: labels, targets: targets, weights: weights,
                gradient: computeGradient ? gradient : nil)
        }
        let invB = 1 / Float(batch)
        var total: Double = 0
        for r in 0..<batch {
            let d = computeGradient ? gradient.data + r * c : nil
            total += Double(
                row(
                    output.data + r * c, c: c, gradient: d, target: targets.map { $0.data + r * c },
                    label: labels.map { Int($0[r]) }, scale: invB))
        }
        return Float(total / Double(batch))
    }

    /// One row of the fused pass: returns ℓ = −Σ q·log P for logits `z` (C = `c`) and, with a gradient
    /// row `d`, writes dZ = scale·(P − q) there (scale: 1/B, or a weighted row's w/W). q is the target
    /// row, or the smoothed one-hot of `label`.
    @inline(__always)
    func row(
        _ z: UnsafeMutablePointer<Float>, c: Int, gradient d: UnsafeMutablePointer<Float>?,
        target t: UnsafeMutablePointer<Float>?, label: Int?, scale s: Float
    ) -> Float {
        let eps = labelSmoothing
        let uniform = labelSmoothing / Float(c)
        var m = z[0]
        for k in 1..<c where z[k] > m { m = z[k] }
        // exp(Z − m) goes straight into the gradient row when there is one: it becomes P there.
        var sum: Float = 0
        if let d {
            for k in 0..<c {
                let e = _expf(z[k] - m)
                d[k] = e
                sum += e
            }
        } else {
            for k in 0..<c { sum += _expf(z[k] - m) }
        }
        let logSum = _logf(sum) + m  // log Σ exp Z
        // −Σ q·log P, with q from a label or a given target row
        var rowLoss: Float = 0
        if let t {
            for k in 0..<c { rowLoss -= t[k] * (z[k] - logSum) }
        } else if let y = label {
            rowLoss = -(1 - eps) * (z[y] - logSum)
            if eps > 0 {
                var sumLogP: Float = 0
                for k in 0..<c { sumLogP += z[k] - logSum }
                rowLoss -= uniform * sumLogP
            }
        }
        if let d {
            // in the forward pass ℓ = −Σ q·log softmax(Z), so now we have dZ = s·(P − q)
            let scale = s / sum
            for k in 0..<c { d[k] *= scale }
            if let t {
                for k in 0..<c { d[k] -= t[k] * s }
            } else if let y = label {
                if eps > 0 { for k in 0..<c { d[k] -= uniform * s } }
                d[y] -= (1 - eps) * s
            }
        }
        return rowLoss
    }

    public func probabilities(_ output: Matrix, into result: Matrix) {
        let batch = output.rows
        let c = output.cols
        result.resize(rows: batch)
        for r in 0..<batch {
            let z = output.data + r * c
            let p = result.data + r * c
            var m = z[0]
            for k in 1..<c where z[k] > m { m = z[k] }
            var sum: Float = 0
            for k in 0..<c {
                p[k] = _expf(z[k] - m)
                sum += p[k]
            }
            let inv = 1 / sum
            for k in 0..<c { p[k] *= inv }
        }
    }

}
