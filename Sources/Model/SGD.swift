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
    private let parameters: [Parameter]
    private let velocity: [Matrix]
    private let chunks: TensorChunks

    public init(parameters: [Parameter], momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        self.parameters = parameters
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        chunks = TensorChunks(counts: parameters.map(\.count))
        velocity = momentum == 0 ? [] : parameters.map { Matrix(rows: $0.value.rows, cols: $0.value.cols) }
    }

    public var token: String { nesterov ? "nesterov" : "sgd" }

    public var state: [(name: String, value: Matrix)] {
        velocity.enumerated().map { ("momentum_buffer.\($0.offset)", $0.element) }
    }

    public func step(lr: Float) {
        stepCount += 1
        // One region for the whole update, in chunks of every tensor.
        ElementwiseThreads.shared.run(chunks: chunks.count, context: Update(sgd: self, lr: lr)) { context, c in
            let u = context.load(as: Update.self)
            u.sgd.update(chunk: c, lr: u.lr)
        }
    }

    private struct Update {
        unowned(unsafe) let sgd: SGD
        let lr: Float
    }

    private func update(chunk c: Int, lr: Float) {
        let i = chunks.tensors[c], r = chunks.ranges[c], p = parameters[i]
        let o = r.lowerBound, wd = p.decays ? weightDecay : 0
        if momentum == 0 {
            Kernels.sgd(p.value.data + o, p.grad.data + o, count: r.count, lr: lr, wd: wd)
        } else {
            // PyTorch initializes the buffer with the first gradient; μ·0 + g is the same.
            Kernels.momentum(p.value.data + o, p.grad.data + o, velocity[i].data + o, count: r.count,
                             lr: lr, mu: momentum, wd: wd, nesterov: nesterov)
        }
    }
}
