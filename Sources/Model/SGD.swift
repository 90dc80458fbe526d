// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay,
// following PyTorch's torch.optim.SGD (dampening 0):
//   g ← g + λ·p                       (weight decay, weights only)
//   v ← μ·v + g                       (momentum buffer; v₁ = g₁)
//   g ← g + μ·v  (Nesterov)  or  g ← v
//   p ← p − lr·g

public final class SGD: Optimizer {
    public let momentum: Float
    public let nesterov: Bool
    public let weightDecay: Float
    public var stepCount = 0
    private let store: ParameterStore
    private let loops: Loops
    private let velocity: FloatBuffer?
    private let chunks: UpdateChunks

    public init(store: ParameterStore, loops: Loops = Loops(), momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        self.store = store
        self.loops = loops
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        chunks = UpdateChunks(store)
        velocity = momentum == 0 ? nil : FloatBuffer(count: store.values.count)
    }

    public convenience init(network: Network, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        self.init(store: network.store, loops: network.loops, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay)
    }

    public var token: String { nesterov ? "nesterov" : "sgd" }

    public var state: [(name: String, buffer: FloatBuffer)] { velocity.map { [("momentum_buffer", $0)] } ?? [] }

    public func step(lr: Float) { update(lr: lr, weightsFused: false) }

    // The weights (the leading, decayed range of the buffer) can take their update inside the
    // weight-gradient GEMM: plain SGD without decay as W ← −lr·(dZᵀ·X) + 1·W, momentum as
    // v ← 1·(dZᵀ·X) + μ·v, leaving w ← w − lr·(v + λw)... for the pass. Each weight byte is then
    // touched once less per step, and no gradient is written for them. Nesterov needs g and v apart.
    public func fusedWeightGradient(lr: Float) -> FusedWeightGradient? {
        if nesterov { return nil }
        if let velocity { return FusedWeightGradient(buffer: velocity.data, alpha: 1, beta: momentum) }
        return weightDecay == 0 ? FusedWeightGradient(buffer: store.values.data, alpha: -lr, beta: 1) : nil
    }

    public func stepAfterFusedWeights(lr: Float) { update(lr: lr, weightsFused: true) }

    private func update(lr: Float, weightsFused: Bool) {
        stepCount += 1
        // One region for the whole update, in chunks of the flat buffers.
        let u = Update(w: store.values.data, g: store.gradients.data, v: velocity?.data, chunks: chunks, lr: lr,
                       mu: momentum, wd: weightDecay, nesterov: nesterov, weightsFused: weightsFused)
        loops.run(chunks: chunks.total, context: u) { context, c in
            let u = context.load(as: Update.self)
            let (r, decays) = u.chunks.range(c)
            let o = r.lowerBound, wd = decays ? u.wd : 0
            if decays && u.weightsFused {
                // The GEMM did W's part: nothing left for plain SGD; v ← v + λw, w ← w − lr·v for momentum.
                if let v = u.v { Kernels.momentumAfterFusedGradient(u.w + o, v + o, count: r.count, lr: u.lr, wd: wd) }
            } else if let v = u.v {
                // PyTorch initializes the buffer with the first gradient; μ·0 + g is the same.
                Kernels.momentum(u.w + o, u.g + o, v + o, count: r.count, lr: u.lr, mu: u.mu, wd: wd, nesterov: u.nesterov)
            } else {
                Kernels.sgd(u.w + o, u.g + o, count: r.count, lr: u.lr, wd: wd)
            }
        }
    }

    private struct Update {
        let w: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>?
        let chunks: UpdateChunks
        let lr: Float, mu: Float, wd: Float, nesterov: Bool, weightsFused: Bool
    }
}
