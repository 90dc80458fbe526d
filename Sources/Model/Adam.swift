// Adam and AdamW, following PyTorch's torch.optim.Adam / AdamW (amsgrad off):
//   Adam:  g ← g + λ·p (L2 weight decay, weights only)     AdamW: p ← p − lr·λ·p (decoupled)
//   m ← β₁·m + (1 − β₁)·g,   v ← β₂·v + (1 − β₂)·g²
//   m̂ = m/(1 − β₁ᵗ),  v̂ = v/(1 − β₂ᵗ)
//   p ← p − lr·m̂/(√v̂ + ε)      (ε outside the square root, as PyTorch)

public final class Adam: Optimizer {
    public let beta1: Float, beta2: Float, epsilon: Float
    public let weightDecay: Float
    /// True for AdamW: weight decay is applied to the weights directly, not added to the gradient.
    public let decoupled: Bool
    public var stepCount = 0
    private let parameters: [Parameter]
    private let m: [Matrix], v: [Matrix]
    private let chunks: TensorChunks

    public init(parameters: [Parameter], beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0, decoupled: Bool = false) {
        self.parameters = parameters
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupled = decoupled
        chunks = TensorChunks(counts: parameters.map(\.count))
        m = parameters.map { Matrix(rows: $0.value.rows, cols: $0.value.cols) }
        v = parameters.map { Matrix(rows: $0.value.rows, cols: $0.value.cols) }
    }

    public var token: String { decoupled ? "adamw" : "adam" }

    public var state: [(name: String, value: Matrix)] {
        m.enumerated().map { ("exp_avg.\($0.offset)", $0.element) }
            + v.enumerated().map { ("exp_avg_sq.\($0.offset)", $0.element) }
    }

    public func step(lr: Float) {
        stepCount += 1
        let t = Double(stepCount)
        // Bias corrections in Double: β^t underflows gracefully and 1 − β^t keeps its digits.
        let c1 = Float(1 - pow(Double(beta1), t)), c2 = Float(1 - pow(Double(beta2), t))
        let stepSize = lr / c1, invSqrtC2 = 1 / c2.squareRoot()
        // One region for the whole update, in chunks of every tensor.
        let u = Update(adam: self, lr: lr, stepSize: stepSize, invSqrtC2: invSqrtC2)
        ElementwiseThreads.shared.run(chunks: chunks.count, context: u) { context, c in
            let u = context.load(as: Update.self)
            u.adam.update(chunk: c, u)
        }
    }

    private struct Update {
        unowned(unsafe) let adam: Adam
        let lr: Float, stepSize: Float, invSqrtC2: Float
    }

    private func update(chunk c: Int, _ u: Update) {
        let i = chunks.tensors[c], r = chunks.ranges[c], p = parameters[i]
        let o = r.lowerBound, wd = p.decays ? weightDecay : 0
        // p − lr·m̂/(√v̂ + ε) with m̂ = m/c1 and √v̂ = √v/√c2
        Kernels.adam(p.value.data + o, p.grad.data + o, m[i].data + o, v[i].data + o, count: r.count,
                     b1: beta1, b2: beta2, l2: decoupled ? 0 : wd, shrink: decoupled ? 1 - u.lr * wd : 1,
                     stepSize: u.stepSize, invSqrtC2: u.invSqrtC2, eps: epsilon)
    }
}

@inline(__always) private func pow(_ x: Double, _ y: Double) -> Double { _pow(x, y) }
