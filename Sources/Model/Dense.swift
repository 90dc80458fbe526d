// A fully connected layer with its activation fused in: Y = f(X·Wᵀ + b).
//
// Shapes (B = batch):  X (B, in)   W (out, in), PyTorch nn.Linear layout   b (out)
//                      Z = X·Wᵀ + b (B, out)   Y = f(Z) (B, out)
// Caches for backward: a reference to X (owned by whoever produced it), Y, and Z only for the
// activations whose derivative needs it (GELU, Swish). Fusing the bias add and the activation
// into one pass over the GEMM output saves a pass over (B, out) in each direction.

public final class Dense: Layer {
    public let inputFeatures: Int
    public let outputFeatures: Int
    public let activation: Activation
    public let weight: Parameter
    public let bias: Parameter
    public var computesInputGradient = true

    private var input: Matrix?        // X, from the forward pass
    private let preactivation: Matrix // Z, filled only when activation.backwardNeedsInput
    private let output: Matrix        // Y
    private let dZ: Matrix            // dLoss/dZ
    private let dX: Matrix            // dLoss/dX

    public init(inputs: Int, outputs: Int, activation: Activation = .linear) {
        inputFeatures = inputs
        outputFeatures = outputs
        self.activation = activation
        weight = Parameter(name: "weight", shape: [outputs, inputs], decays: true)
        bias = Parameter(name: "bias", shape: [outputs], decays: false)
        preactivation = Matrix(rows: 0, cols: activation.backwardNeedsInput ? outputs : 0)
        output = Matrix(rows: 0, cols: outputs)
        dZ = Matrix(rows: 0, cols: outputs)
        dX = Matrix(rows: 0, cols: inputs)
    }

    public var token: String {
        activation == .linear ? "\(outputFeatures)" : "\(outputFeatures):\(activation.token)"
    }

    public var parameters: [Parameter] { [weight, bias] }

    /// Initializes W with `initializer` and b with zeros.
    public func initialize(_ initializer: Initializer, rng: inout RandomGenerator) {
        initializer.fill(weight.value, activation: activation, rng: &rng)
        bias.value.fill(0)
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
        if activation.backwardNeedsInput { preactivation.resize(rows: batch); z = preactivation } else { z = output }
        BLAS.gemm(transA: false, transB: true, m: batch, n: outputFeatures, k: inputFeatures,
                  alpha: 1, a: x.data, lda: inputFeatures, b: weight.value.data, ldb: inputFeatures,
                  beta: 0, c: z.data, ldc: outputFeatures)
        activation.forwardWithBias(z: z.data, bias: bias.value.data, y: output.data,
                                   rows: batch, width: outputFeatures)
        return output
    }

    // dZ = dY ⊙ f'(Z),  dW = dZᵀ·X,  db = Σ_rows dZ,  dX = dZ·W
    public func backward(_ dy: Matrix) -> Matrix {
        guard let x = input else { preconditionFailure("Dense.backward before forward") }
        let batch = x.rows
        // in the forward pass Y = f(Z), so dZ = dY · f'(Z); for a linear layer dZ is dY itself
        let g: Matrix
        if activation == .linear {
            g = dy
        } else {
            dZ.resize(rows: batch)
            activation.backward(dy: dy.data, z: preactivation.data, y: output.data, dz: dZ.data,
                                count: batch * outputFeatures)
            g = dZ
        }
        // in the forward pass Z[b,o] = Σ_i X[b,i]·W[o,i] + b[o], so
        // dW[o,i] = Σ_b dZ[b,o]·X[b,i]  (dW = dZᵀ·X)
        BLAS.gemm(transA: true, transB: false, m: outputFeatures, n: inputFeatures, k: batch,
                  alpha: 1, a: g.data, lda: outputFeatures, b: x.data, ldb: inputFeatures,
                  beta: 0, c: weight.grad.data, ldc: inputFeatures)
        // db[o] = Σ_b dZ[b,o]
        Kernels.sumRows(g.data, rows: batch, width: outputFeatures, into: bias.grad.data)
        // dX[b,i] = Σ_o dZ[b,o]·W[o,i]  (dX = dZ·W); the first layer skips it (and its buffer)
        if computesInputGradient {
            dX.resize(rows: batch)
            BLAS.gemm(transA: false, transB: false, m: batch, n: inputFeatures, k: outputFeatures,
                      alpha: 1, a: g.data, lda: outputFeatures, b: weight.value.data, ldb: inputFeatures,
                      beta: 0, c: dX.data, ldc: inputFeatures)
        }
        return dX
    }
}
