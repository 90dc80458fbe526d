// Batch normalization over the features of a dense activation (PyTorch's BatchNorm1d).
//
// Shapes: X (B, F) → Y (B, F); γ = weight (F), β = bias (F); running_mean, running_var (F).
// Training:   μ = mean_b X,  σ² = mean_b (X − μ)²  (biased),  X̂ = (X − μ)/√(σ² + ε),  Y = γ·X̂ + β;
//             running ← (1 − m)·running + m·batch statistic (the variance unbiased, as PyTorch).
// Evaluation: Y = γ·(X − running_mean)/√(running_var + ε) + β.
// Caches X̂ (B, F) and 1/√(σ² + ε) (F) for backward.

public final class BatchNorm: Layer {
    public let inputFeatures: Int
    public var outputFeatures: Int { inputFeatures }
    public let momentum: Float
    public let epsilon: Float
    public let weight: Parameter  // γ
    public let bias: Parameter    // β
    public let runningMean: Matrix
    public let runningVar: Matrix
    public var computesInputGradient = true

    private let normalized: Matrix  // X̂
    private let invStd: Matrix      // 1/√(σ² + ε), one row
    private let mean: Matrix        // μ, one row (scratch)
    private let output: Matrix
    private let dX: Matrix
    private let sumDXhat: Matrix, sumDXhatXhat: Matrix  // column sums for backward (scratch)

    public init(features: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        inputFeatures = features
        self.momentum = momentum
        self.epsilon = epsilon
        weight = Parameter(name: "weight", shape: [features], decays: false)
        bias = Parameter(name: "bias", shape: [features], decays: false)
        weight.value.fill(1)
        runningMean = Matrix(rows: 1, cols: features)
        runningVar = Matrix(rows: 1, cols: features)
        runningVar.fill(1)
        normalized = Matrix(rows: 0, cols: features)
        invStd = Matrix(rows: 1, cols: features)
        mean = Matrix(rows: 1, cols: features)
        output = Matrix(rows: 0, cols: features)
        dX = Matrix(rows: 0, cols: features)
        sumDXhat = Matrix(rows: 1, cols: features)
        sumDXhatXhat = Matrix(rows: 1, cols: features)
    }

    public var token: String { momentum == 0.1 ? "batchnorm" : "batchnorm:\(momentum)" }
    public var parameters: [Parameter] { [weight, bias] }
    public var buffers: [(name: String, value: Matrix)] {
        [("running_mean", runningMean), ("running_var", runningVar)]
    }

    public func forward(_ x: Matrix, training: Bool) -> Matrix {
        let batch = x.rows, f = inputFeatures
        output.resize(rows: batch)
        let xp = x.data, yp = output.data, g = weight.value.data, b = bias.value.data
        if !training {
            // Y = γ·(X − running_mean)/√(running_var + ε) + β
            let rm = runningMean.data, rv = runningVar.data, s = invStd.data
            for j in 0..<f { s[j] = 1 / (rv[j] + epsilon).squareRoot() }
            for r in 0..<batch {
                let xr = xp + r * f, yr = yp + r * f
                for j in 0..<f { yr[j] = g[j] * (xr[j] - rm[j]) * s[j] + b[j] }
            }
            return output
        }
        normalized.resize(rows: batch)
        let mu = mean.data, s = invStd.data, xh = normalized.data
        let inv = 1 / Float(batch)
        // μ = mean over the batch
        mu.update(repeating: 0, count: f)
        for r in 0..<batch { let xr = xp + r * f; for j in 0..<f { mu[j] += xr[j] } }
        for j in 0..<f { mu[j] *= inv }
        // σ² = mean (X − μ)², kept in s until it becomes 1/√(σ² + ε)
        s.update(repeating: 0, count: f)
        for r in 0..<batch {
            let xr = xp + r * f
            for j in 0..<f { let d = xr[j] - mu[j]; s[j] += d * d }
        }
        let rm = runningMean.data, rv = runningVar.data
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
            let xr = xp + r * f, hr = xh + r * f, yr = yp + r * f
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
        let batch = dy.rows, f = inputFeatures
        dX.resize(rows: batch)
        let gy = dy.data, xh = normalized.data, g = weight.value.data, s = invStd.data
        let dg = weight.grad.data, db = bias.grad.data
        let sa = sumDXhat.data, sb = sumDXhatXhat.data
        dg.update(repeating: 0, count: f)
        db.update(repeating: 0, count: f)
        sa.update(repeating: 0, count: f)
        sb.update(repeating: 0, count: f)
        // in the forward pass this was Y = γ·X̂ + β, so now we have dγ, dβ and dX̂ = dY·γ
        for r in 0..<batch {
            let gr = gy + r * f, hr = xh + r * f
            for j in 0..<f {
                let d = gr[j], h = hr[j]
                dg[j] += d * h
                db[j] += d
                let dh = d * g[j]
                sa[j] += dh
                sb[j] += dh * h
            }
        }
        guard computesInputGradient else { return dX }
        // X̂ depended on X directly and through μ and σ², which gives the three terms
        let invB = 1 / Float(batch), bF = Float(batch)
        let dx = dX.data
        for r in 0..<batch {
            let gr = gy + r * f, hr = xh + r * f, dr = dx + r * f
            for j in 0..<f {
                let dh = gr[j] * g[j]
                dr[j] = s[j] * invB * (bF * dh - sa[j] - hr[j] * sb[j])
            }
        }
        return dX
    }
}
