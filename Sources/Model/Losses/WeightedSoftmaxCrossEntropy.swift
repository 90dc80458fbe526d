// Softmax cross-entropy with one weight per row: the same fused pass as the unweighted loss, with each
// row's loss and gradient scaled by its share of the batch's total weight.
//
// Shapes: logits Z (B, C), labels y (B) or targets (B, C), weights w (B), W = Σ_b w_b.
// Forward:  loss = (1/W) Σ_b w_b·ℓ_b,   ℓ_b = −Σ_c q[b,c]·log P[b,c]   (q: smoothed one-hot or the target row)
// Backward: dZ_b = (w_b/W)·(P_b − q_b)
// The weight scales the row's whole smoothed loss (Keras' class_weight does the same); PyTorch's
// CrossEntropyLoss(weight=…, label_smoothing=…) weights the smoothing term of each class by that class's
// weight instead. A row of weight 0 is skipped (its gradient row is 0, whatever its logits hold); W = 0
// gives loss 0 and a zero gradient.

extension SoftmaxCrossEntropy {
    func weightedForward(
        _ output: Matrix, labels: UnsafePointer<Int32>?, targets: Matrix?,
        weights: UnsafePointer<Float>, gradient: Matrix?
    ) -> Float {
        let batch = output.rows
        let c = output.cols
        let totalWeight = WeightedLoss.total(weights, count: batch)
        let invW = totalWeight > 0 ? 1 / totalWeight : 0
        let eps = labelSmoothing
        let uniform = labelSmoothing / Float(c)
        var total: Double = 0
        for r in 0..<batch {
            let w = weights[r]
            let d = gradient.map { $0.data + r * c }
            if w == 0 {
                d?.update(repeating: 0, count: c)
                continue
            }
            let z = output.data + r * c
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
            let logSum = _logf(sum) + m
            var rowLoss: Float = 0
            if let targets {
                let t = targets.data + r * c
                for k in 0..<c { rowLoss -= t[k] * (z[k] - logSum) }
            } else if let labels {
                let y = Int(labels[r])
                rowLoss = -(1 - eps) * (z[y] - logSum)
                if eps > 0 {
                    var sumLogP: Float = 0
                    for k in 0..<c { sumLogP += z[k] - logSum }
                    rowLoss -= uniform * sumLogP
                }
            }
            total += Double(w) * Double(rowLoss)
            if let d {
                // dZ = s·(P − q), s = w_b/W this row's share of the weighted mean
                let s = Float(Double(w) * invW)
                let scale = s / sum
                for k in 0..<c { d[k] *= scale }
                if let targets {
                    let t = targets.data + r * c
                    for k in 0..<c { d[k] -= t[k] * s }
                } else if let labels {
                    if eps > 0 { for k in 0..<c { d[k] -= uniform * s } }
                    d[Int(labels[r])] -= (1 - eps) * s
                }
            }
        }
        return Float(total * invW)
    }
}

/// Helpers of the weighted losses.
enum WeightedLoss {
    /// Σ w over `count` row weights, in Double.
    @inline(__always)
    static func total(_ weights: UnsafePointer<Float>, count: Int) -> Double {
        var s: Double = 0
        for r in 0..<count { s += Double(weights[r]) }
        return s
    }
}
