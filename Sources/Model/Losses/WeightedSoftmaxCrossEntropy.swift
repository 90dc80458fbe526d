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
        var total: Double = 0
        for r in 0..<batch {
            let w = weights[r]
            let d = gradient.map { $0.data + r * c }
            if w == 0 {
                d?.update(repeating: 0, count: c)
                continue
            }
            // dZ = s·(P − q), s = w_b/W this row's share of the weighted mean
            let rowLoss = row(
                output.data + r * c, c: c, gradient: d, target: targets.map { $0.data + r * c },
                label: labels.map { Int($0[r]) }, scale: Float(Double(w) * invW))
            total += Double(w) * Double(rowLoss)
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
