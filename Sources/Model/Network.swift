// A Sequential network: layers in order, then a loss on the last layer's output.
//
// forward runs X through the layers; trainStep runs forward, the loss (which also yields
// dLoss/dOutput in the same pass), backward through the layers in reverse, optional clipping of
// the global gradient norm, and the optimizer. Nothing is allocated once the buffers have grown
// to the batch size.

public final class Network {
    public let inputFeatures: Int
    public let specs: [LayerSpec]
    public let layers: [Layer]
    public let loss: Loss
    public var classes: Int { layers.last?.outputFeatures ?? inputFeatures }

    /// Builds the layers of `specs` with parameters initialized from `seed`. `initializer` nil picks
    /// the default per layer (He for the ReLU family, Xavier otherwise).
    public init(inputs: Int, specs: [LayerSpec], loss: Loss, initializer: Initializer? = nil, seed: UInt64 = 0) {
        inputFeatures = inputs
        self.specs = specs
        self.loss = loss
        var rng = RandomGenerator(seed: seed)
        var width = inputs
        var built: [Layer] = []
        for (i, spec) in specs.enumerated() {
            switch spec {
            case .dense(let units, let act):
                let d = Dense(inputs: width, outputs: units, activation: act)
                d.initialize(initializer ?? Initializer.defaultFor(act), rng: &rng)
                built.append(d)
                width = units
            case .activation(let act):
                built.append(ActivationLayer(act, features: width))
            case .dropout(let p):
                built.append(Dropout(rate: p, features: width, seed: seed &+ 0x5EED &+ UInt64(i) &* 0x9E37_79B9))
            case .batchNorm(let m):
                built.append(BatchNorm(features: width, momentum: m))
            }
        }
        layers = built
        parameters = built.flatMap(\.parameters)
        layers.first?.computesInputGradient = false
        probabilities = Matrix(rows: 0, cols: width)
    }

    public var architecture: String { Architecture.string(specs) }

    /// Every parameter, named as in the model file ("layers.0.weight").
    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.enumerated().flatMap { i, l in l.parameters.map { ("layers.\(i).\($0.name)", $0) } }
    }

    /// Every parameter, in layer order (fixed at construction, so the step never rebuilds it).
    public let parameters: [Parameter]

    /// Saved, untrained state ("layers.3.running_mean").
    public var namedBuffers: [(name: String, value: Matrix)] {
        layers.enumerated().flatMap { i, l in l.buffers.map { ("layers.\(i).\($0.name)", $0.value) } }
    }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Runs X (B, inputs) through every layer; returns the last layer's output (B, classes).
    public func forward(_ x: Matrix, training: Bool) -> Matrix {
        var h = x
        for layer in layers { h = layer.forward(h, training: training) }
        return h
    }

    /// Runs dLoss/dOutput back through every layer, filling every parameter's gradient.
    public func backward(_ dOutput: Matrix) {
        var g = dOutput
        for layer in layers.reversed() { g = layer.backward(g) }
    }

    /// √(Σ g²) over every parameter gradient.
    public func gradientNorm() -> Float {
        var sum: Double = 0
        for p in parameters {
            let g = p.grad.data
            var s: Float = 0
            for j in 0..<p.count { s += g[j] * g[j] }
            sum += Double(s)
        }
        return Float(sum.squareRoot())
    }

    public struct StepResult {
        public var loss: Float
        public var correct: Int
        /// Global gradient norm before clipping (computed only when clipping or asked for).
        public var gradientNorm: Float?
    }

    /// One step of training on a batch: forward, loss, backward, clip, update.
    @discardableResult
    public func trainStep(_ x: Matrix, labels: UnsafePointer<Int32>?, targets: Matrix? = nil,
                          optimizer: Optimizer, lr: Float, clipNorm: Float? = nil,
                          measureGradientNorm: Bool = false) -> StepResult {
        let out = forward(x, training: true)
        let l = loss.forward(out, labels: labels, targets: targets, computeGradient: true)
        let correct = labels.map { countCorrect(out, labels: $0) } ?? 0
        backward(loss.gradient)
        var norm: Float?
        if clipNorm != nil || measureGradientNorm { norm = gradientNorm() }
        if let clipNorm, let n = norm, n > clipNorm {
            // g ← g · c/‖g‖ (PyTorch's clip_grad_norm_, whose 1e-6 keeps the ratio finite)
            let s = clipNorm / (n + 1e-6)
            for p in parameters { let g = p.grad.data; for j in 0..<p.count { g[j] *= s } }
        }
        optimizer.step(lr: lr)
        return StepResult(loss: l, correct: correct, gradientNorm: norm)
    }

    /// Rows whose largest output is at the label.
    public func countCorrect(_ out: Matrix, labels: UnsafePointer<Int32>) -> Int {
        var correct = 0
        for r in 0..<out.rows where Network.argmax(out.data + r * out.cols, out.cols) == Int(labels[r]) {
            correct += 1
        }
        return correct
    }

    @inline(__always)
    public static func argmax(_ p: UnsafePointer<Float>, _ n: Int) -> Int {
        var best = 0
        for k in 1..<max(n, 1) where p[k] > p[best] { best = k }
        return best
    }

    /// Probabilities (B, classes) for X, in evaluation mode. The result is reused by the next call.
    public func predict(_ x: Matrix) -> Matrix {
        probabilities(of: forward(x, training: false))
    }

    /// The loss's reading of raw outputs as probabilities. The result is reused by the next call.
    public func probabilities(of output: Matrix) -> Matrix {
        loss.probabilities(output, into: probabilities)
        return probabilities
    }

    private let probabilities: Matrix
}
