// Batch normalization over the features of a dense activation (PyTorch's BatchNorm1d).
//
// Shapes: X (B, F) → Y (B, F); saved: γ = weight (F), β = bias (F), running_mean, running_var (F).
// Training:   μ = mean_b X,  σ² = mean_b (X − μ)²  (biased),  X̂ = (X − μ)/√(σ² + ε),  Y = γ·X̂ + β;
//             running ← (1 − m)·running + m·batch statistic (the variance unbiased, as PyTorch).
// Evaluation: Y = γ·(X − running_mean)/√(running_var + ε) + β.
// Caches X̂ (B, F) and 1/√(σ² + ε) (F) for backward.

/// `batchnorm` or `batchnorm:M`: batch normalization, running-statistics momentum M (default 0.1).
public struct BatchNormKind: LayerKind {
    public let momentum: Float

    public init(momentum: Float = 0.1) { self.momentum = momentum }

    public static let syntax = ["batchnorm[:MOMENTUM]"]

    public static func parse(_ parts: [String]) -> BatchNormKind? {
        guard ["batchnorm", "bn", "batch_norm"].contains(parts[0]) else { return nil }
        if parts.count == 1 { return BatchNormKind() }
        guard parts.count == 2, let m = Float(parts[1]), m >= 0, m <= 1 else { return nil }
        return BatchNormKind(momentum: m)
    }

    public var token: String { momentum == 0.1 ? "batchnorm" : "batchnorm:\(momentum)" }
    public var displayName: String { momentum == 0.1 ? "BatchNorm" : "BatchNorm(momentum \(momentum))" }

    public func tensors(inputs f: Int) -> [TensorDeclaration] {
        [
            TensorDeclaration("weight", shape: [f], role: .parameter(decays: false), initial: .ones),
            TensorDeclaration("bias", shape: [f], role: .parameter(decays: false), initial: .zeros),
            TensorDeclaration("running_mean", shape: [f], role: .state, initial: .zeros),
            TensorDeclaration("running_var", shape: [f], role: .state, initial: .ones),
        ]
    }

    // X̂, Y and dX.
    public func floatsPerExample(inputs: Int) -> Int { 3 * inputs }

    public func makeLayer(_ c: LayerContext) -> Layer {
        BatchNorm(features: c.inputs, momentum: momentum, tensors: c.tensors)
    }
}

public final class BatchNorm: Layer {
    public let inputFeatures: Int
    public var outputFeatures: Int { inputFeatures }
    public let momentum: Float
    public let epsilon: Float
    public let weight: TensorView  // γ
    public let bias: TensorView  // β
    public let runningMean: TensorView
    public let runningVar: TensorView
    public var computesInputGradient = true
    public var spec: LayerSpec { .batchNorm(momentum: momentum) }

    private let normalized: Matrix  // X̂
    private let invStd: Matrix  // 1/√(σ² + ε), one row
    private let mean: Matrix  // μ, one row (scratch)
    private let output: Matrix
    private let dX: Matrix
    private let sumDXhat: Matrix, sumDXhatXhat: Matrix  // column sums for backward (scratch)
    private var owner: ParameterStore?  // the tensors of a stand-alone layer

    /// Batch norm on views of its four tensors (weight, bias, running_mean, running_var).
    public init(features: Int, momentum: Float = 0.1, epsilon: Float = 1e-5, tensors: [TensorView]) {
        inputFeatures = features
        self.momentum = momentum
        self.epsilon = epsilon
        weight = tensors[0]
        bias = tensors[1]
        runningMean = tensors[2]
        runningVar = tensors[3]
        normalized = Matrix(rows: 0, cols: features)
        invStd = Matrix(rows: 1, cols: features)
        mean = Matrix(rows: 1, cols: features)
        output = Matrix(rows: 0, cols: features)
        dX = Matrix(rows: 0, cols: features)
        sumDXhat = Matrix(rows: 1, cols: features)
        sumDXhatXhat = Matrix(rows: 1, cols: features)
    }

    /// A stand-alone batch-norm layer with tensors of its own (γ = 1, β = 0, running mean 0 and variance 1).
    public convenience init(features: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        let store = ParameterStore(layers: [BatchNormKind(momentum: momentum).tensors(inputs: features)])!
        self.init(features: features, momentum: momentum, epsilon: epsilon, tensors: store.tensors)
        weight.value.update(repeating: 1, count: features)
        runningVar.value.update(repeating: 1, count: features)
        owner = store
    }

    public func forward(_ x: Matrix, training: Bool) -> Matrix {
        let batch = x.rows
        let f = inputFeatures
        output.resize(rows: batch)
        let xp = x.data
        let yp = output.data
        let g = weight.value
        let b = bias.value
        if !training {
            // Y = γ·(X − running_mean)/√(running_var + ε) + β
            let rm = runningMean.value
            let rv = runningVar.value
            let s = invStd.data
            for j in 0..<f { s[j] = 1 / (rv[j] + epsilon).squareRoot() }
            for r in 0..<batch {
                let xr = xp + r * f
                let yr = yp + r * f
                for j in 0..<f { yr[j] = g[j] * (xr[j] - rm[j]) * s[j] + b[j] }
            }
            return output
        }
        normalized.resize(rows: batch)
        let mu = mean.data
        let s = invStd.data
        let xh = normalized.data
        let inv = 1 / Float(batch)
        // μ = mean over the batch
        mu.update(repeating: 0, count: f)
        for r in 0..<batch {
            let xr = xp + r * f
            for j in 0..<f { mu[j] += xr[j] }
        }
        for j in 0..<f { mu[j] *= inv }
        // σ² = mean (X − μ)², kept in s until it becomes 1/√(σ² + ε)
        s.update(repeating: 0, count: f)
        for r in 0..<batch {
            let xr = xp + r * f
            for j in 0..<f {
                let d = xr[j] - mu[j]
                s[j] += d * d
            }
        }
        let rm = runningMean.value
        let rv = runningVar.value
        // A batch of one has no spread: its unbiased variance is taken as 0 rather than 0/0.
        let unbias = batch > 1 ? Float(batch) / Float(batch - 1) : 0
        for j in 0..<f {
            let variance = s[j] * inv
            rm[j] = (1 - momentum) * rm[j] + momentum * mu[j]
            rv[j] = (1 - momentum) * rv[j] + momentum * variance * unbias
            s[j] = 1 / (variance + epsilon).squareRoot()
        }
        // X̂ = (X − μ)·s,  Y = γ·X̂ + β
        for r in 0..<batch {
            let xr = xp + r * f
            let hr = xh + r * f
            let yr = yp + r * f
            for j in 0..<f {
                let h = (xr[j] - mu[j]) * s[j]
                hr[j] = h
                yr[j] = g[j] * h + b[j]
            }
        }
        return output
    }

    // dγ = Σ_b dY·X̂,  dβ = Σ_b dY,
    // dX = (s/B)·(B·dX̂ − Σ_b dX̂ − X̂·Σ_b dX̂·X̂)  with dX̂ = dY·γ
    public func backward(_ dy: Matrix) -> Matrix {
        let batch = dy.rows
        let f = inputFeatures
        dX.resize(rows: batch)
        let gy = dy.data
        let xh = normalized.data
        let g = weight.value
        let s = invStd.data
        let dg = weight.grad!
        let db = bias.grad!
        let sa = sumDXhat.data
        let sb = sumDXhatXhat.data
        dg.update(repeating: 0, count: f)
        db.update(repeating: 0, count: f)
        sa.update(repeating: 0, count: f)
        sb.update(repeating: 0, count: f)
        // in the forward pass this was Y = γ·X̂ + β, so now we have dγ, dβ and dX̂ = dY·γ
        for r in 0..<batch {
            let gr = gy + r * f
            let hr = xh + r * f
            for j in 0..<f {
                let d = gr[j]
                let h = hr[j]
                dg[j] += d * h
                db[j] += d
                let dh = d * g[j]
                sa[j] += dh
                sb[j] += dh * h
            }
        }
        guard computesInputGradient else { return dX }
        // X̂ depended on X directly and through μ and σ², which gives the three terms
        let invB = 1 / Float(batch)
        let bF = Float(batch)
        let dx = dX.data
        for r in 0..<batch {
            let gr = gy + r * f
            let hr = xh + r * f
            let dr = dx + r * f
            for j in 0..<f {
                let dh = gr[j] * g[j]
                dr[j] = s[j] * invB * (bF * dh - sa[j] - hr[j] * sb[j])
            }
        }
        return dX
    }
}
