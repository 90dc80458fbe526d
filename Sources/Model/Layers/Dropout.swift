// Inverted dropout: in training each unit is kept with probability 1 − p and scaled by 1/(1 − p),
// so evaluation is the identity and needs no rescaling.
//
// Shapes: X (B, F) → Y (B, F). No saved tensors. Caches the mask M (B, F), each entry 0 or 1/(1 − p).
//
// The masks: each step takes one 64-bit key from the layer's generator, and row r of the batch draws
// from its own xoshiro stream seeded by (key, r), 16 bits per entry (a unit is kept when its 16 bits
// are below round((1 − p)·65536), so p is realized to 1/65536). Rows are independent, so the mask is
// drawn in chunks of rows on every thread the network's loops have, a data-parallel rank draws only
// its own rows (the row index is the batch-wide one), and the result does not depend on either.

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
        Dropout(rate: rate, features: c.inputs, seed: c.seed &+ 0x5EED &+ UInt64(c.index) &* 0x9E37_79B9, loops: c.loops)
    }
}

public final class Dropout: Layer {
    public let rate: Float
    public let inputFeatures: Int
    public var outputFeatures: Int { inputFeatures }
    public var computesInputGradient = true
    public var spec: LayerSpec { .dropout(rate: rate) }
    /// The generator the steps' keys are drawn from (part of a checkpoint's state).
    public var rng: RandomGenerator
    public var generator: RandomGenerator? {
        get { rng }
        set { if let newValue { rng = newValue } }
    }
    /// When true, forward reuses the last mask (gradient checks need a fixed mask).
    public var reuseMask = false
    /// Data-parallel training: rows of the batch other ranks compute before this rank's.
    private var rowsBefore = 0
    private let loops: Loops

    public let mask: Matrix
    private let output: Matrix
    private let dX: Matrix

    public init(rate: Float, features: Int, seed: UInt64, loops: Loops = Loops()) {
        precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1)")
        self.rate = rate
        inputFeatures = features
        self.loops = loops
        rng = RandomGenerator(seed: seed)
        mask = Matrix(rows: 0, cols: features)
        output = Matrix(rows: 0, cols: features)
        dX = Matrix(rows: 0, cols: features)
    }

    /// A unit is kept when its 16 random bits are below this.
    private var keepThreshold: UInt64 { UInt64(min(65536, max(1, ((1 - rate) * 65536).rounded()))) }

    // training: Y = X ⊙ M, M ~ Bernoulli(1 − p) / (1 − p);  evaluation: Y = X
    public func forward(_ x: Matrix, training: Bool) -> Matrix {
        guard training && rate > 0 else { return x }
        output.resize(rows: x.rows)
        let drawMask = !reuseMask || mask.rows != x.rows
        if drawMask { mask.resize(rows: x.rows) }
        let pass = MaskPass(
            x: x.data, m: mask.data, y: output.data, rows: x.rows, width: inputFeatures,
            key: drawMask ? rng.next() : 0, firstRow: rowsBefore, draw: drawMask,
            threshold: keepThreshold, scale: 1 / (1 - rate))
        let per = Loops.rowsPerChunk(width: inputFeatures)
        loops.run(chunks: Loops.chunks(x.rows, size: per), context: pass) { context, c in
            let p = context.load(as: MaskPass.self)
            let rows = Loops.range(chunk: c, size: Loops.rowsPerChunk(width: p.width), count: p.rows)
            for r in rows {
                let m = p.m + r * p.width
                if p.draw { Dropout.drawRow(m, width: p.width, key: p.key, row: p.firstRow + r, threshold: p.threshold, scale: p.scale) }
                Kernels.multiply(p.x + r * p.width, m, into: p.y + r * p.width, count: p.width)
            }
        }
        return output
    }

    private struct MaskPass {
        let x: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>
        let rows: Int, width: Int, key: UInt64, firstRow: Int, draw: Bool, threshold: UInt64, scale: Float
    }

    /// Row `row` (batch-wide) of the step keyed `key`: four entries per 64-bit draw, compared as a
    /// SIMD vector of four 16-bit fields (a branch on a random bit mispredicts half the time, and
    /// the compiler turns scalar selects back into branches).
    @inline(__always)
    static func drawRow(
        _ m: UnsafeMutablePointer<Float>, width: Int, key: UInt64, row: Int,
        threshold: UInt64, scale: Float
    ) {
        var g = RandomGenerator(seed: key ^ (UInt64(row) &* 0xD6E8_FEB8_6659_FD93))
        let t = SIMD4<Int32>(repeating: Int32(threshold))
        let zero = SIMD4<Float>(repeating: 0)
        @inline(__always) func entries(_ bits: UInt64) -> SIMD4<Float> {
            let fields = SIMD4<Int32>(truncatingIfNeeded: unsafeBitCast(bits, to: SIMD4<UInt16>.self))
            return zero.replacing(with: scale, where: fields .< t)
        }
        let raw = UnsafeMutableRawPointer(m)
        let w4 = width & ~3
        var i = 0
        while i < w4 {
            raw.storeBytes(of: entries(g.next()), toByteOffset: i * 4, as: SIMD4<Float>.self)
            i += 4
        }
        if i < width {
            let last = entries(g.next())
            var j = 0
            while i < width {
                m[i] = last[j]
                i += 1
                j += 1
            }
        }
    }

    public func shareBatch(before: Int, own: Int, after: Int) {
        // A rank with no rows of a batch still takes the step's key, so every rank's generator
        // stays where a single process's would be.
        if own == 0, rate > 0 { _ = rng.next() }
        rowsBefore = before
    }

    // dX = dY ⊙ M
    public func backward(_ dy: Matrix) -> Matrix {
        guard rate > 0 else { return dy }
        // in the forward pass this was Y = X ⊙ M, so now we have dX = dY ⊙ M
        dX.resize(rows: dy.rows)
        let pass = MultiplyPass(a: dy.data, b: mask.data, into: dX.data, count: dy.count)
        loops.run(chunks: Loops.chunks(dy.count, size: Loops.chunkElements), context: pass) { context, c in
            let p = context.load(as: MultiplyPass.self)
            let r = Loops.range(chunk: c, size: Loops.chunkElements, count: p.count)
            Kernels.multiply(p.a + r.lowerBound, p.b + r.lowerBound, into: p.into + r.lowerBound, count: r.count)
        }
        return dX
    }

    private struct MultiplyPass {
        let a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>, into: UnsafeMutablePointer<Float>, count: Int
    }
}
