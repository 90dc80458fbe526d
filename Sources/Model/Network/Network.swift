// A Sequential network: layers in order, then a loss on the last layer's output.
//
// The network lays out every layer's declared tensors in one ParameterStore (flat parameter,
// gradient and state buffers), initializes them, and builds each layer on views of its own.
// forward runs X through the layers; trainStep runs forward, the loss (which also yields
// dLoss/dOutput in the same pass), backward through the layers in reverse, optional clipping of
// the global gradient norm (one pass over the flat gradient buffer), and the optimizer (one pass
// over the flat buffers). Nothing is allocated once the buffers have grown to the batch size.

public final class Network {
    public let inputFeatures: Int
    public let specs: [LayerSpec]
    public let layers: [Layer]
    /// The layers backward runs through, last first: down to the first layer with parameters.
    private let backwardLayers: [Layer]
    public let loss: Loss
    /// Every saved tensor, in flat buffers.
    public let store: ParameterStore
    /// Where the elementwise loops of the layers, the loss and the optimizer run (inline by default).
    public let loops: Loops
    /// Where the dense layers write their weight gradients this step.
    public let route = WeightGradientRoute()
    /// Whether a step may let the optimizer take the weights' update inside the weight-gradient
    /// GEMMs (when it can, and nothing needs the gradients themselves: clipping, norms, a reduction
    /// across processes).
    public var allowsFusedUpdate = true
    /// Width of the last layer's output: one unit per class (or per regression target).
    public var outputFeatures: Int { layers.last?.outputFeatures ?? inputFeatures }
    public var classes: Int { outputFeatures }

    /// Builds the layers of `specs` with parameters initialized from `seed`. `initializer` nil picks
    /// the default per layer (He for the ReLU family, Xavier otherwise).
    /// `maxNorm`: the max-norm limit of the dense layers that set none of their own (MaxNorm.swift).
    public init(
        inputs: Int, specs: [LayerSpec], loss: Loss, initializer: Initializer? = nil, seed: UInt64 = 0,
        maxNorm: Float? = nil, loops: Loops = Loops()
    ) {
        inputFeatures = inputs
        self.specs = specs
        self.loss = loss
        self.loops = loops
        let declared = Architecture.declarations(inputs: inputs, specs: specs)
        guard let store = ParameterStore(layers: declared.map(\.tensors)) else {
            preconditionFailure("the network \(Architecture.string(specs)) is too large to lay out")
        }
        self.store = store
        // Initial values, in layer and declaration order: the weights draw from one generator, in
        // that order, so a seed always gives the same network.
        var rng = RandomGenerator(seed: seed)
        for t in store.tensors {
            switch t.declaration.initial {
            case .zeros: t.value.update(repeating: 0, count: t.count)
            case .ones: t.value.update(repeating: 1, count: t.count)
            case .weights(let fanIn, let fanOut, let act):
                (initializer ?? Initializer.defaultFor(act)).fill(t.value, fanOut: fanOut, fanIn: fanIn, activation: act, rng: &rng)
            }
        }
        var built: [Layer] = []
        for (i, spec) in specs.enumerated() {
            built.append(
                spec.kind.makeLayer(
                    LayerContext(
                        index: i, inputs: declared[i].inputs, tensors: store.tensors(ofLayer: i),
                        seed: seed, loops: loops, route: route)))
        }
        layers = built
        // Nothing before the first layer with parameters needs a gradient: its input gradient, and
        // the backward passes of the layers in front of it (input dropout), are skipped.
        let firstTrainable = store.parameters.map(\.layer).min() ?? built.count
        for l in built.prefix(firstTrainable + 1) { l.computesInputGradient = false }
        backwardLayers = Array(built.dropFirst(firstTrainable).reversed())
        constrained = built.compactMap { l in (l as? Dense).flatMap { d in (d.maxNorm ?? maxNorm).map { (d, $0) } } }
        probabilities = Matrix(rows: 0, cols: built.last?.outputFeatures ?? inputs)
        normPartials = .allocate(capacity: max(Loops.chunks(store.gradients.count, size: Loops.chunkElements), 1))
    }

    deinit { normPartials.deallocate() }

    public var architecture: String { Architecture.string(specs) }

    /// The dense layers under a max-norm constraint, with their limits.
    private let constrained: [(Dense, Float)]

    /// Holds every constrained layer's rows to their max-norm limit (after each optimizer step).
    public func applyMaxNorm() {
        for (d, c) in constrained { d.applyMaxNorm(c, loops: loops) }
    }

    /// Trainable values (without padding).
    public var parameterCount: Int { store.parameterCount }

    /// Runs X (B, inputs) through every layer; returns the last layer's output (B, outputs).
    public func forward(_ x: Matrix, training: Bool) -> Matrix {
        var h = x
        for layer in layers { h = layer.forward(h, training: training) }
        return h
    }

    /// Runs dLoss/dOutput back through every layer, filling every parameter's gradient.
    public func backward(_ dOutput: Matrix) {
        var g = dOutput
        for layer in backwardLayers { g = layer.backward(g) }
    }

    /// √(Σ g²) over the flat gradient buffer. Each chunk's sum is kept apart and the chunks are
    /// added in order, so the result does not depend on which thread ran which chunk.
    public func gradientNorm() -> Float {
        let g = store.gradients
        let pass = NormPass(g: g.data, count: g.count, partials: normPartials)
        let n = Loops.chunks(g.count, size: Loops.chunkElements)
        loops.run(chunks: n, context: pass) { context, c in
            let p = context.load(as: NormPass.self)
            let r = Loops.range(chunk: c, size: Loops.chunkElements, count: p.count)
            p.partials[c] = Kernels.sumOfSquares(p.g + r.lowerBound, count: r.count)
        }
        var sum = 0.0
        for c in 0..<n { sum += normPartials[c] }
        return Float(sum.squareRoot())
    }

    private struct NormPass {
        let g: UnsafeMutablePointer<Float>, count: Int, partials: UnsafeMutablePointer<Double>
    }
    private let normPartials: UnsafeMutablePointer<Double>

    /// g ← g·s over the flat gradient buffer.
    public func scaleGradients(by s: Float) {
        let g = store.gradients
        loops.run(chunks: Loops.chunks(g.count, size: Loops.chunkElements), context: ScalePass(g: g.data, count: g.count, s: s)) {
            context, c in
            let p = context.load(as: ScalePass.self)
            let r = Loops.range(chunk: c, size: Loops.chunkElements, count: p.count)
            Kernels.scale(p.g + r.lowerBound, count: r.count, by: p.s)
        }
    }

    private struct ScalePass { let g: UnsafeMutablePointer<Float>, count: Int, s: Float }

    public struct StepResult {
        public var loss: Float
        public var correct: Int
        /// Global gradient norm before clipping (computed only when clipping or asked for).
        public var gradientNorm: Float?
    }

    /// One step of training on a batch: forward, loss, backward, clip, update.
    ///
    /// With `share` (data-parallel training), X holds this rank's rows of the batch; the loss's
    /// gradient is weighted by own rows / batch rows, so that the exchange's sum over ranks is the
    /// gradient of the whole batch's mean loss, and the result's loss and correct count are the
    /// whole batch's. A rank with no rows of a (short, last) batch contributes zero gradients.
    ///
    /// `weights`: one loss weight per row of the whole batch (with `share`, this rank's rows start at
    /// `share.before`), or nil for all 1. The loss is then the batch's weighted mean (Loss.swift), and
    /// with `share` a rank's gradient is weighted by its rows' share of the batch's total weight.
    @discardableResult
    public func trainStep(
        _ x: Matrix, labels: UnsafePointer<Int32>?, targets: Matrix? = nil,
        weights: UnsafePointer<Float>? = nil,
        optimizer: Optimizer, lr: Float, clipNorm: Float? = nil,
        measureGradientNorm: Bool = false, keepsGradients: Bool = false, share: BatchShare? = nil
    ) -> StepResult {
        var l: Float = 0
        var correct = 0
        // Weighted data-parallel steps: the total weight of this rank's rows and of the whole batch.
        var ownWeight = 0.0
        var batchWeight = 0.0
        if let weights, let share {
            for r in 0..<share.batch {
                batchWeight += Double(weights[r])
                if r >= share.before && r < share.before + share.own { ownWeight += Double(weights[r]) }
            }
        }
        if let share { for layer in layers { layer.shareBatch(before: share.before, own: share.own, after: share.after) } }
        // The optimizer may take the weights' update inside the weight-gradient GEMMs, unless
        // something needs the gradients themselves: clipping, norms, a reduction across ranks.
        let fused = allowsFusedUpdate && clipNorm == nil && !measureGradientNorm && !keepsGradients && share == nil
        route.target = fused ? optimizer.fusedWeightGradient(lr: lr) : nil
        if x.rows > 0 {
            let out = forward(x, training: true)
            l = loss.forward(
                out, labels: labels, targets: targets, weights: weights.map { $0 + (share?.before ?? 0) },
                computeGradient: true)
            correct = labels.map { countCorrect(out, labels: $0) } ?? 0
            if let share, weights != nil {
                let g = loss.gradient
                Kernels.scale(g.data, count: g.count, by: batchWeight > 0 ? Float(ownWeight / batchWeight) : 0)
            } else if let share, share.own != share.batch {
                let g = loss.gradient
                Kernels.scale(g.data, count: g.count, by: Float(share.own) / Float(share.batch))
            }
            backward(loss.gradient)
        } else {
            store.gradients.data.update(repeating: 0, count: store.gradients.count)
        }
        if let share {
            var totals = StepTotals(loss: Double(l) * (weights != nil ? ownWeight : Double(share.own)), correct: Double(correct))
            share.exchange.reduce(gradients: store.gradients.data, count: store.gradients.count, totals: &totals)
            l = Float(totals.loss / (weights != nil ? (batchWeight > 0 ? batchWeight : 1) : Double(max(share.batch, 1))))
            correct = Int(totals.correct)
        }
        var norm: Float?
        if clipNorm != nil || measureGradientNorm { norm = gradientNorm() }
        if let clipNorm, let n = norm, n > clipNorm {
            // g ← g · c/‖g‖ (PyTorch's clip_grad_norm_, whose 1e-6 keeps the ratio finite)
            scaleGradients(by: clipNorm / (n + 1e-6))
        }
        if route.target != nil { optimizer.stepAfterFusedWeights(lr: lr) } else { optimizer.step(lr: lr) }
        route.target = nil
        if !constrained.isEmpty { applyMaxNorm() }
        return StepResult(loss: l, correct: correct, gradientNorm: norm)
    }

    /// Data-parallel training: replaces the state tensors (batch norm's running statistics, which
    /// each rank updates from its own rows) with their mean over the ranks, so every rank holds the
    /// same model again.
    public func averageState(over exchange: GradientExchange) {
        let s = store.state
        guard s.count > 0, exchange.ranks > 1 else { return }
        exchange.sum(s.data, count: s.count)
        Kernels.scale(s.data, count: s.count, by: 1 / Float(exchange.ranks))
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
