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
    private let store: ParameterStore
    private let loops: Loops
    private let m: FloatBuffer, v: FloatBuffer
    private let chunks: UpdateChunks

    public init(
        store: ParameterStore, loops: Loops = Loops(), beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float = 0, decoupled: Bool = false
    ) {
        self.store = store
        self.loops = loops
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupled = decoupled
        chunks = UpdateChunks(store)
        m = FloatBuffer(count: store.values.count)
        v = FloatBuffer(count: store.values.count)
    }

    public convenience init(
        network: Network, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
        weightDecay: Float = 0, decoupled: Bool = false
    ) {
        self.init(
            store: network.store, loops: network.loops, beta1: beta1, beta2: beta2, epsilon: epsilon,
            weightDecay: weightDecay, decoupled: decoupled)
    }

    public var token: String { decoupled ? "adamw" : "adam" }

    public var state: [(name: String, buffer: FloatBuffer)] { [("exp_avg", m), ("exp_avg_sq", v)] }

    public func step(lr: Float) {
        stepCount += 1
        let t = Double(stepCount)
        // Bias corrections in Double: β^t underflows gracefully and 1 − β^t keeps its digits.
        let c1 = Float(1 - _pow(Double(beta1), t))
        let c2 = Float(1 - _pow(Double(beta2), t))
        let stepSize = lr / c1
        let invSqrtC2 = 1 / c2.squareRoot()
        // One region for the whole update, in chunks of the flat buffers.
        let u = Update(
            w: store.values.data, g: store.gradients.data, m: m.data, v: v.data, chunks: chunks,
            b1: beta1, b2: beta2, eps: epsilon, lr: lr, wd: weightDecay, decoupled: decoupled,
            stepSize: stepSize, invSqrtC2: invSqrtC2)
        loops.run(chunks: chunks.total, context: u) { context, c in
            let u = context.load(as: Update.self)
            let (r, decays) = u.chunks.range(c)
            let o = r.lowerBound
            let wd = decays ? u.wd : 0
            // p − lr·m̂/(√v̂ + ε) with m̂ = m/c1 and √v̂ = √v/√c2
            Kernels.adam(
                u.w + o, u.g + o, u.m + o, u.v + o, count: r.count,
                b1: u.b1, b2: u.b2, l2: u.decoupled ? 0 : wd, shrink: u.decoupled ? 1 - u.lr * wd : 1,
                stepSize: u.stepSize, invSqrtC2: u.invSqrtC2, eps: u.eps)
        }
    }

    private struct Update {
        let w: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>
        let m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>
        let chunks: UpdateChunks
        let b1: Float, b2: Float, eps: Float, lr: Float, wd: Float, decoupled: Bool
        let stepSize: Float, invSqrtC2: Float
    }
}
