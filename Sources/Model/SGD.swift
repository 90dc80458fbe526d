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

    public init(parameters: [Parameter], momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        self.parameters = parameters
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        velocity = momentum == 0 ? [] : parameters.map { Matrix(rows: $0.value.rows, cols: $0.value.cols) }
    }

    public var token: String { nesterov ? "nesterov" : "sgd" }

    public var state: [(name: String, value: Matrix)] {
        velocity.enumerated().map { ("momentum_buffer.\($0.offset)", $0.element) }
    }

    public func step(lr: Float) {
        stepCount += 1
        for (i, p) in parameters.enumerated() {
            let wd = p.decays ? weightDecay : 0
            if momentum == 0 {
                Kernels.sgd(p.value.data, p.grad.data, count: p.count, lr: lr, wd: wd)
            } else {
                // PyTorch initializes the buffer with the first gradient; μ·0 + g is the same.
                Kernels.momentum(p.value.data, p.grad.data, velocity[i].data, count: p.count,
                                 lr: lr, mu: momentum, wd: wd, nesterov: nesterov)
            }
        }
    }
}
