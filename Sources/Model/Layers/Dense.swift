// A fully connected layer with its activation fused in: Y = f(X·Wᵀ + b).
//
// Shapes (B = batch):  X (B, in)   W (out, in), PyTorch nn.Linear layout   b (out)
//                      Z = X·Wᵀ + b (B, out)   Y = f(Z) (B, out)
// Saved tensors: weight W [out, in] (decayed), bias b [out].
// Caches for backward: a reference to X (owned by whoever produced it), Y, and Z only for the
// activations whose derivative needs it (GELU, Swish). Fusing the bias add and the activation
// into one pass over the GEMM output saves a pass over (B, out) in each direction.

/// `N`, `N:ACT`, and either with `:maxnorm=C`: a dense layer of N units with activation ACT (linear
/// when absent), its units' incoming weights held to L2 norm C while training (MaxNorm.swift).
public struct DenseKind: LayerKind {
    public let outputs: Int
    public let activationFunction: Activation
    /// This layer's max-norm limit, overriding the network's (--max-norm).
    public let maxNorm: Float?

    public init(units: Int, activation: Activation = .linear, maxNorm: Float? = nil) {
        outputs = units
        activationFunction = activation
        self.maxNorm = maxNorm
    }

    public static let syntax = ["N", "N:ACT", "N[:ACT]:maxnorm=C"]

    public static func parse(_ parts: [String]) -> DenseKind? {
        guard let units = Int(parts[0]) else { return nil }
        guard units > 0, units <= 1 << 20 else { return nil }
        var rest = Array(parts.dropFirst())
        var limit: Float?
        if let last = rest.last, last.hasPrefix("maxnorm=") {
            guard let c = Float(last.dropFirst("maxnorm=".count)), c > 0, c.isFinite else { return nil }
            limit = c
            rest.removeLast()
        }
        if rest.isEmpty { return DenseKind(units: units, maxNorm: limit) }
        guard rest.count <= 2,
            let act = Activation(name: rest[0], argument: rest.count == 2 ? rest[1] : nil)
        else { return nil }
        return DenseKind(units: units, activation: act, maxNorm: limit)
    }

    public var token: String {
        (activationFunction == .linear ? "\(outputs)" : "\(outputs):\(activationFunction.token)") + (maxNorm.map { ":maxnorm=\($0)" } ?? "")
    }
    public var displayName: String { "Dense" }
    public var activation: Activation? { activationFunction }
    public var units: Int? { outputs }

    public func tensors(inputs: Int) -> [TensorDeclaration] {
        [
            TensorDeclaration(
                "weight", shape: [outputs, inputs], role: .parameter(decays: true),
                initial: .weights(fanIn: inputs, fanOut: outputs, activation: activationFunction)),
            TensorDeclaration("bias", shape: [outputs], role: .parameter(decays: false), initial: .zeros),
        ]
    }

    // Y, dZ and Z (counted always: it is only kept for GELU and Swish), db's partial sums (at most a
    // row per example), and dX.
    public func floatsPerExample(inputs: Int) -> Int { 4 * outputs + inputs }

    public func makeLayer(_ c: LayerContext) -> Layer {
        let d = Dense(
            inputs: c.inputs, outputs: outputs, activation: activationFunction,
            weight: c.tensors[0], bias: c.tensors[1], loops: c.loops)
        d.maxNorm = maxNorm
        d.route = c.route
        return d
    }
}

public final class Dense: Layer {
    public let inputFeatures: Int
    public let outputFeatures: Int
    public let activation: Activation
    public let weight: TensorView
    public let bias: TensorView
    public var computesInputGradient = true
    /// The L2 limit on each unit's incoming weights while training (its own, from the architecture).
    public var maxNorm: Float?
    public var spec: LayerSpec { LayerSpec(DenseKind(units: outputFeatures, activation: activation, maxNorm: maxNorm)) }

    private let loops: Loops
    /// Where backward writes dW (the gradient buffer unless the optimizer fuses its update).
    var route = WeightGradientRoute()
    private var input: Matrix?  // X, from the forward pass
    private let preactivation: Matrix  // Z, filled only when activation.backwardNeedsInput
    private let output: Matrix  // Y
    private let dZ: Matrix  // dLoss/dZ
    private let dX: Matrix  // dLoss/dX
    private let biasPartials: Matrix  // db's partial sums, a row per chunk of dZ's rows
    private var owner: ParameterStore?  // the tensors of a stand-alone layer

    /// A dense layer on views of its tensors in a network's buffers.
    public init(inputs: Int, outputs: Int, activation: Activation, weight: TensorView, bias: TensorView, loops: Loops) {
        inputFeatures = inputs
        outputFeatures = outputs
        self.activation = activation
        self.weight = weight
        self.bias = bias
        self.loops = loops
        preactivation = Matrix(rows: 0, cols: activation.backwardNeedsInput ? outputs : 0)
        output = Matrix(rows: 0, cols: outputs)
        dZ = Matrix(rows: 0, cols: outputs)
        dX = Matrix(rows: 0, cols: inputs)
        biasPartials = Matrix(rows: 0, cols: outputs)
    }

    /// A stand-alone dense layer with tensors of its own (zeros), outside any network.
    public convenience init(inputs: Int, outputs: Int, activation: Activation = .linear) {
        let kind = DenseKind(units: outputs, activation: activation)
        let store = ParameterStore(layers: [kind.tensors(inputs: inputs)])!
        self.init(
            inputs: inputs, outputs: outputs, activation: activation, weight: store.tensors[0],
            bias: store.tensors[1], loops: Loops())
        owner = store
    }

    // Z = X·Wᵀ + b, Y = f(Z)
    public func forward(_ x: Matrix, training: Bool) -> Matrix {
        precondition(x.cols == inputFeatures, "Dense expects \(inputFeatures) inputs, got \(x.cols)")
        let batch = x.rows
        input = x
        output.resize(rows: batch)
        // The GEMM writes Z where backward will want it: into its own buffer for GELU/Swish,
        // straight into Y otherwise (then f is applied in place).
        let z: Matrix
        if activation.backwardNeedsInput {
            preactivation.resize(rows: batch)
            z = preactivation
        } else {
            z = output
        }
        BLAS.gemm(
            transA: false, transB: true, m: batch, n: outputFeatures, k: inputFeatures,
            alpha: 1, a: x.data, lda: inputFeatures, b: weight.value, ldb: inputFeatures,
            beta: 0, c: z.data, ldc: outputFeatures)
        activation.forwardWithBias(
            z: z.data, bias: bias.value, y: output.data,
            rows: batch, width: outputFeatures, loops: loops)
        return output
    }

    // dZ = dY ⊙ f'(Z),  dX = dZ·W,  dW = dZᵀ·X,  db = Σ_rows dZ
    public func backward(_ dy: Matrix) -> Matrix {
        guard let x = input else { preconditionFailure("Dense.backward before forward") }
        let batch = x.rows
        // in the forward pass Y = f(Z), so dZ = dY · f'(Z); for a linear layer dZ is dY itself.
        // in the forward pass Z[b,o] = Σ_i X[b,i]·W[o,i] + b[o], so db[o] = Σ_b dZ[b,o]: summed in the
        // same pass as dZ while its rows are in cache (for a linear layer, a pass of its own)
        let g: Matrix
        if activation == .linear {
            g = dy
            Kernels.sumRows(g.data, rows: batch, width: outputFeatures, into: bias.grad!)
        } else {
            dZ.resize(rows: batch)
            biasPartials.resize(rows: activation.biasChunks(rows: batch, width: outputFeatures))
            activation.backward(
                dy: dy.data, z: preactivation.data, y: output.data, dz: dZ.data, rows: batch,
                width: outputFeatures, partials: biasPartials.data, db: bias.grad!, loops: loops)
            g = dZ
        }
        // dX[b,i] = Σ_o dZ[b,o]·W[o,i]  (dX = dZ·W); the first layer skips it (and its buffer). Before
        // dW: a fused update changes W inside the dW GEMM, and dX needs W as the forward pass saw it.
        if computesInputGradient {
            dX.resize(rows: batch)
            BLAS.gemm(
                transA: false, transB: false, m: batch, n: inputFeatures, k: outputFeatures,
                alpha: 1, a: g.data, lda: outputFeatures, b: weight.value, ldb: inputFeatures,
                beta: 0, c: dX.data, ldc: inputFeatures)
        }
        // in the forward pass Z[b,o] = Σ_i X[b,i]·W[o,i] + b[o], so
        // dW[o,i] = Σ_b dZ[b,o]·X[b,i]  (dW = dZᵀ·X), into the gradient buffer, or straight into the
        // optimizer's buffer as alpha·dW + beta·C when it takes its weight update here
        let t = route.target
        BLAS.gemm(
            transA: true, transB: false, m: outputFeatures, n: inputFeatures, k: batch,
            alpha: t?.alpha ?? 1, a: g.data, lda: outputFeatures, b: x.data, ldb: inputFeatures,
            beta: t?.beta(weightCount: weight.count) ?? 0, c: t.map { $0.buffer + weight.offset } ?? weight.grad!, ldc: inputFeatures)
        // the rest of W's update, if the optimizer has one, now, while W and its buffer are in cache
        t?.finish?.finishWeights(offset: weight.offset, count: weight.count)
        return dX
    }
}
