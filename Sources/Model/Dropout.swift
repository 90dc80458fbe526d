// Inverted dropout: in training each unit is kept with probability 1 − p and scaled by 1/(1 − p),
// so evaluation is the identity and needs no rescaling.
//
// Shapes: X (B, F) → Y (B, F). No saved tensors. Caches the mask M (B, F), each entry 0 or 1/(1 − p).

/// `dropout:P`: inverted dropout with drop probability P in [0, 1).
public struct DropoutKind: LayerKind {
    public let rate: Float

    public init(rate: Float) { self.rate = rate }

    public static let syntax = ["dropout:P"]

    public static func parse(_ parts: [String]) -> DropoutKind? {
        guard parts[0] == "dropout" else { return nil }
        guard parts.count == 2, let p = Float(parts[1]), p >= 0, p < 1 else { return nil }
        return DropoutKind(rate: p)
    }

    public var token: String { "dropout:\(rate)" }
    public var displayName: String { "Dropout(\(rate))" }
    public func tensors(inputs: Int) -> [TensorDeclaration] { [] }
    // M, Y and dX.
    public func floatsPerExample(inputs: Int) -> Int { 3 * inputs }
    public func makeLayer(_ c: LayerContext) -> Layer {
        // Each dropout layer draws from its own generator, derived from the seed and its position.
        Dropout(rate: rate, features: c.inputs, seed: c.seed &+ 0x5EED &+ UInt64(c.index) &* 0x9E37_79B9)
    }
}

public final class Dropout: Layer {
    public let rate: Float
    public let inputFeatures: Int
    public var outputFeatures: Int { inputFeatures }
    public var computesInputGradient = true
    public var spec: LayerSpec { .dropout(rate: rate) }
    /// The generator the masks are drawn from (part of a checkpoint's state).
    public var rng: RandomGenerator
    public var generator: RandomGenerator? {
        get { rng }
        set { if let newValue { rng = newValue } }
    }
    /// When true, forward reuses the last mask (gradient checks need a fixed mask).
    public var reuseMask = false
    /// Data-parallel training: rows of the batch other ranks compute, before and after this rank's.
    private var rowsBefore = 0, rowsAfter = 0

    public let mask: Matrix
    private let output: Matrix
    private let dX: Matrix

    public init(rate: Float, features: Int, seed: UInt64) {
        precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1)")
        self.rate = rate
        inputFeatures = features
        rng = RandomGenerator(seed: seed)
        mask = Matrix(rows: 0, cols: features)
        output = Matrix(rows: 0, cols: features)
        dX = Matrix(rows: 0, cols: features)
    }

    // training: Y = X ⊙ M, M ~ Bernoulli(1 − p) / (1 − p);  evaluation: Y = X
    public func forward(_ x: Matrix, training: Bool) -> Matrix {
        guard training && rate > 0 else { return x }
        output.resize(rows: x.rows)
        let n = x.count
        if !reuseMask || mask.rows != x.rows {
            mask.resize(rows: x.rows)
            let keep = 1 - rate, scale = 1 / keep, m = mask.data
            // Another rank's rows come first and last in the batch: their draws are skipped, so each
            // row's mask is the one a single process would draw for it.
            // A local copy of the generator: drawing through the stored property would pay an
            // exclusivity check per element (they stay on in release builds), 4 s of a 9 s epoch.
            var g = rng
            g.skip(rowsBefore * inputFeatures)
            for i in 0..<n { m[i] = g.uniform() < keep ? scale : 0 }
            g.skip(rowsAfter * inputFeatures)
            rng = g
        }
        let xp = x.data, m = mask.data, yp = output.data
        for i in 0..<n { yp[i] = xp[i] * m[i] }
        return output
    }

    public func shareBatch(before: Int, own: Int, after: Int) {
        if own == 0 {
            if rate > 0 { rng.skip((before + after) * inputFeatures) }
            rowsBefore = 0; rowsAfter = 0
        } else {
            rowsBefore = before; rowsAfter = after
        }
    }

    // dX = dY ⊙ M
    public func backward(_ dy: Matrix) -> Matrix {
        guard rate > 0 else { return dy }
        // in the forward pass this was Y = X ⊙ M, so now we have dX = dY ⊙ M
        dX.resize(rows: dy.rows)
        let n = dy.count, g = dy.data, m = mask.data, d = dX.data
        for i in 0..<n { d[i] = g[i] * m[i] }
        return dX
    }
}
