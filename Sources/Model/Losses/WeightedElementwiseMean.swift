// The weighted mean of an elementwise loss (MSE, MAE, Huber, sigmoid binary cross-entropy).
//
// Shapes: outputs Z (B, C), targets T (B, C) (the one-hot of the labels when none are given), row
// weights w (B, all 1 when nil), label weights pos, neg (C each, all 1 when nil).
// Element weight: e[b,k] = w_b · (T[b,k]·pos_k + (1 − T[b,k])·neg_k)   (= w_b without label weights)
// Forward:  loss = Σ e·term(Z, T) / Σ e        (without label weights: Σ_b w_b Σ_k term / (C·Σ_b w_b))
// Backward: dZ = e·term'(Z, T) / Σ e
// An element of weight 0 adds nothing and gets a zero gradient; Σ e = 0 gives loss 0 and a zero gradient.

func weightedElementwiseMean(
    _ output: Matrix, labels: UnsafePointer<Int32>?, targets: Matrix?,
    weights: UnsafePointer<Float>?, labelWeights: LabelWeights?, gradient: Matrix?,
    term: (Float, Float) -> Float, derivative: (Float, Float) -> Float
) -> Float {
    let batch = output.rows
    let c = output.cols
    precondition(
        labelWeights.map { $0.positive.count == c && $0.negative.count == c } ?? true,
        "label weights do not match the outputs")
    @inline(__always) func target(_ r: Int, _ k: Int, _ label: Int) -> Float {
        if let targets { return targets.data[r * c + k] }
        return k == label ? 1 : 0
    }
    @inline(__always) func weight(_ r: Int, _ k: Int, _ t: Float) -> Float {
        let w = weights?[r] ?? 1
        guard let lw = labelWeights else { return w }
        return w * (t * lw.positive[k] + (1 - t) * lw.negative[k])
    }
    var totalWeight: Double = 0
    if labelWeights == nil, let weights {
        totalWeight = WeightedLoss.total(weights, count: batch) * Double(c)
    } else {
        for r in 0..<batch {
            let label = labels.map { Int($0[r]) } ?? -1
            for k in 0..<c { totalWeight += Double(weight(r, k, target(r, k, label))) }
        }
    }
    let invW = totalWeight > 0 ? 1 / totalWeight : 0
    var total: Double = 0
    for r in 0..<batch {
        let z = output.data + r * c
        let label = labels.map { Int($0[r]) } ?? -1
        for k in 0..<c {
            let t = target(r, k, label)
            let e = weight(r, k, t)
            if e == 0 {
                if let gradient { gradient.data[r * c + k] = 0 }
                continue
            }
            total += Double(e) * Double(term(z[k], t))
            if let gradient { gradient.data[r * c + k] = derivative(z[k], t) * Float(Double(e) * invW) }
        }
    }
    return Float(total * invW)
}
