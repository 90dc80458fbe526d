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
            let n = p.count, w = p.value.data, g = p.grad.data
            let wd = p.decays ? weightDecay : 0
            if momentum == 0 {
                for j in 0..<n { w[j] -= lr * (g[j] + wd * w[j]) }
                continue
            }
            let v = velocity[i].data, mu = momentum
            // PyTorch initializes the buffer with the first gradient; μ·0 + g is the same.
            if nesterov {
                for j in 0..<n {
                    let gj = g[j] + wd * w[j]
                    let vj = mu * v[j] + gj
                    v[j] = vj
                    w[j] -= lr * (gj + mu * vj)
                }
            } else {
                for j in 0..<n {
                    let vj = mu * v[j] + g[j] + wd * w[j]
                    v[j] = vj
                    w[j] -= lr * vj
                }
            }
        }
    }
}
