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
        scaledRanges = store.parameters.filter { $0.offset < store.decayedEnd && SGD.keepsScaledBuffer($0.count) }
            .map { $0.offset..<$0.offset + $0.count }
    }

    public convenience init(network: Network, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        self.init(store: network.store, loops: network.loops, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay)
    }

    public var token: String { nesterov ? "nesterov" : "sgd" }

    public var state: [(name: String, buffer: FloatBuffer)] { velocity.map { [("momentum_buffer", $0)] } ?? [] }

    /// Whether the momentum buffers of the large weights (`scaledFrom` values or more) hold μ·v
    /// (PyTorch's buffer times μ, the share of it the next step keeps) rather than v. A fused step
    /// leaves them so: its update pass reads v anyway, and storing μ·v lets the next weight-gradient
    /// GEMM add to the buffer with beta 1, which spares OpenBLAS a pass over C to scale it (the
    /// arithmetic is the same: fl(fl(μ·v) + g)). Smaller weights keep v and beta μ: the pass costs
    /// them nothing, and OpenBLAS's small-matrix kernels, which their GEMMs may take, round
    /// beta·C + AB in one step, so beta 1 would change their last bits. A new optimizer's zeros count
    /// as v. (Nesterov, never fused, always holds v.) This is how the buffers are kept, not what
    /// they mean: `plainMomentum` gives v for a checkpoint, and after v is put back (false here) the
    /// first fused step scales the buffers to μ·v exactly as the last step before the checkpoint did.
    public var momentumBufferScaled = false

    /// Weights of at least this many values keep μ·v after a fused step: at batches of 16 rows or
    /// more their GEMMs are too large for OpenBLAS's small-matrix kernels, which stop at 10⁶
    /// multiply-adds. (A shorter last batch may take one, and round that step's last bits otherwise
    /// than beta μ on v would; the run is as deterministic as ever.)
    public static let scaledFrom = 1 << 16

    /// Whether a weight of `count` values keeps μ·v after a fused step.
    static func keepsScaledBuffer(_ count: Int) -> Bool { count >= scaledFrom }

    /// The buffer ranges that `momentumBufferScaled` is about.
    private let scaledRanges: [Range<Int>]

    /// The momentum buffer of the parameter at `range` of the flat buffers as PyTorch keeps it, v,
    /// for a checkpoint: nil when the buffer holds v itself; else (a large weight after a fused
    /// step, whose buffer holds u = fl(μ·v)) a v with fl(μ·v) = u bit for bit. Multiplying by μ < 1
    /// is not one-to-one in floats, so the v the step had may not be recovered (one in ten differs
    /// in its last bit at μ = 0.9), but every u it makes has such a v next to u/μ: fl(u/μ) itself
    /// in every case tried, and a walk of an ulp or two makes sure. Put back, it makes the same u
    /// again (the first fused step after a resume scales by μ), so the run goes on exactly as if
    /// never stopped.
    public func plainMomentum(_ range: Range<Int>) -> [Float]? {
        guard momentumBufferScaled, let velocity, scaledRanges.contains(where: { $0.overlaps(range) }) else { return nil }
        let mu = momentum
        return (range.lowerBound..<range.upperBound).map { i in
            let u = velocity.data[i]
            // fl(μ·x) never decreases as x grows, and takes the value u on a run of floats next to
            // u/μ: walk up to the run's first, or down to its last.
            var v = u / mu
            while mu * v < u { v = v.nextUp }
            while mu * v > u { v = v.nextDown }
            return v
        }
    }

    /// Declares that the buffers hold v (a checkpoint's plain momentum was put back). The next
    /// fused step scales the large weights' buffers to μ·v before its GEMMs, as a fused step
    /// before it would have left them.
    public func momentumRestoredPlain() { momentumBufferScaled = false }

    public func step(lr: Float) {
        // A plain step after fused ones (which no run makes: what chooses between them is fixed for
        // a run) first takes the buffers back to v, to within a rounding.
        if momentumBufferScaled, let velocity {
            for r in scaledRanges { Kernels.scale(velocity.data + r.lowerBound, count: r.count, by: 1 / momentum) }
        }
        momentumBufferScaled = false
        update(lr: lr, weightsFused: false)
    }

    // The weights (the leading, decayed range of the buffer) can take their update inside the
    // weight-gradient GEMM: plain SGD without decay as W ← −lr·(dZᵀ·X) + 1·W, momentum as
    // v ← 1·(dZᵀ·X) + μ·v (beta 1 when the buffer already holds μ·v), after which each layer calls
    // `finishWeights` for v ← v + λw, w ← w − lr·v, and v ← μ·v for large weights. Each weight byte
    // is then touched once less per step, and no gradient is written for them. Nesterov needs g and
    // v apart.
    public func fusedWeightGradient(lr: Float) -> FusedWeightGradient? {
        if nesterov { return nil }
        if let velocity {
            // Buffers that hold v after steps were made (a resumed checkpoint's) become μ·v first,
            // the form the GEMM's beta 1 adds to: what the step before the checkpoint left. A new
            // optimizer's zeros need no pass (beta μ on zeros is beta 1 on zeros).
            if !momentumBufferScaled && stepCount > 0 && !scaledRanges.isEmpty {
                for r in scaledRanges { Kernels.scale(velocity.data + r.lowerBound, count: r.count, by: momentum) }
                momentumBufferScaled = true
            }
            pendingLR = lr
            return FusedWeightGradient(
                buffer: velocity.data, alpha: 1, beta: momentum, largeBeta: momentumBufferScaled ? 1 : momentum,
                largeFrom: SGD.scaledFrom, finish: self)
        }
        return weightDecay == 0 ? FusedWeightGradient(buffer: store.values.data, alpha: -lr, beta: 1) : nil
    }

    public func stepAfterFusedWeights(lr: Float) {
        update(lr: lr, weightsFused: true)
        if velocity != nil { momentumBufferScaled = true }
    }

    /// The learning rate of the fused step under way (for `finishWeights`).
    private var pendingLR: Float = 0

    private func update(lr: Float, weightsFused: Bool) {
        stepCount += 1
        // One region for the whole update, in chunks of the flat buffers. After a fused backward
        // the weights are done (by the GEMM, and with momentum by finishWeights): only the other
        // parameters' chunks are left.
        let first = weightsFused ? chunks.decayedChunks : 0
        let u = Update(
            w: store.values.data, g: store.gradients.data, v: velocity?.data, chunks: chunks, first: first, lr: lr,
            mu: momentum, wd: weightDecay, nesterov: nesterov)
        loops.run(chunks: chunks.total - first, context: u) { context, c in
            let u = context.load(as: Update.self)
            let (r, decays) = u.chunks.range(u.first + c)
            let o = r.lowerBound
            let wd = decays ? u.wd : 0
            if let v = u.v {
                // PyTorch initializes the buffer with the first gradient; μ·0 + g is the same.
                Kernels.momentum(u.w + o, u.g + o, v + o, count: r.count, lr: u.lr, mu: u.mu, wd: wd, nesterov: u.nesterov)
            } else {
                Kernels.sgd(u.w + o, u.g + o, count: r.count, lr: u.lr, wd: wd)
            }
        }
    }

    private struct Update {
        let w: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>?
        let chunks: UpdateChunks, first: Int
        let lr: Float, mu: Float, wd: Float, nesterov: Bool
    }
}

extension SGD: FinishesWeightUpdate {
    // v ← v + λw, w ← w − lr·v, and v ← μ·v for a large weight, over one weight, right after its
    // GEMM made v = μ·v + dW.
    public func finishWeights(offset: Int, count: Int) {
        guard let velocity else { return }
        let f = Finish(
            w: store.values.data + offset, v: velocity.data + offset, count: count, lr: pendingLR,
            mu: SGD.keepsScaledBuffer(count) ? momentum : 1, wd: weightDecay)
        loops.run(chunks: Loops.chunks(count, size: Loops.chunkElements), context: f) { context, c in
            let f = context.load(as: Finish.self)
            let r = Loops.range(chunk: c, size: Loops.chunkElements, count: f.count)
            Kernels.momentumAfterFusedGradient(f.w + r.lowerBound, f.v + r.lowerBound, count: r.count, lr: f.lr, mu: f.mu, wd: f.wd)
        }
    }

    private struct Finish {
        let w: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, count: Int
        let lr: Float, mu: Float, wd: Float
    }
}
