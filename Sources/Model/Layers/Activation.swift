// Elementwise activation functions with hand-derived derivatives.
//
// Each works on raw buffers so that a Dense layer can fuse it with its bias add in one pass over
// the GEMM output. `backward` needs the pre-activation z only for GELU and Swish; the others
// recover f'(z) from the output y alone, so only those two make their layer keep z.

public enum Activation: Equatable, Sendable {
    case linear
    case relu
    case leakyReLU(alpha: Float)
    case sigmoid
    case tanh
    /// GELU, tanh approximation: 0.5·z·(1 + tanh(√(2/π)·(z + 0.044715·z³))).
    case gelu
    /// Swish / SiLU: z·σ(z).
    case swish

    /// Default Leaky ReLU slope.
    public static let defaultLeakySlope: Float = 0.01

    /// The token used in architecture strings (`256:leaky_relu:0.1`).
    public var token: String {
        switch self {
        case .linear: return "linear"
        case .relu: return "relu"
        case .leakyReLU(let a): return a == Activation.defaultLeakySlope ? "leaky_relu" : "leaky_relu:\(a)"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .gelu: return "gelu"
        case .swish: return "swish"
        }
    }

    /// The name a reader knows it by, in summaries: "ReLU", "LeakyReLU(0.1)".
    public var displayName: String {
        switch self {
        case .linear: return "Linear"
        case .relu: return "ReLU"
        case .leakyReLU(let alpha): return "LeakyReLU(\(alpha))"
        case .sigmoid: return "Sigmoid"
        case .tanh: return "Tanh"
        case .gelu: return "GELU"
        case .swish: return "Swish"
        }
    }

    /// How a unit with this activation stops learning, for `mlp inspect`: a ReLU-family unit dies
    /// (never positive), a sigmoid or tanh unit saturates (stuck near an asymptote); nil for linear.
    public enum Inactivity: String, Sendable { case dead, saturated }
    public var inactivity: Inactivity? {
        switch self {
        case .linear: return nil
        case .sigmoid, .tanh: return .saturated
        case .relu, .leakyReLU, .gelu, .swish: return .dead
        }
    }

    /// Whether one output counts for `inactivity`: positive (alive, for the dead rule) or near an
    /// asymptote (saturated: sigmoid below 0.01 or above 0.99, tanh beyond ±0.99).
    public func counts(output y: Float) -> Bool {
        switch self {
        case .sigmoid: return y < 0.01 || y > 0.99
        case .tanh: return abs(y) > 0.99
        default: return y > 0
        }
    }

    /// Names accepted on the command line, for error messages and help.
    public static let names = ["relu", "leaky_relu[:alpha]", "sigmoid", "tanh", "gelu", "swish", "silu", "linear"]

    /// Parses an activation name, with an optional argument for Leaky ReLU. Nil when unknown.
    public init?(name: String, argument: String? = nil) {
        switch name.lowercased() {
        case "relu": self = .relu
        case "leaky_relu", "leakyrelu", "lrelu":
            if let argument {
                guard let a = Float(argument), a.isFinite, a >= 0 else { return nil }
                self = .leakyReLU(alpha: a)
            } else {
                self = .leakyReLU(alpha: Activation.defaultLeakySlope)
            }
            return
        case "sigmoid": self = .sigmoid
        case "tanh": self = .tanh
        case "gelu": self = .gelu
        case "swish", "silu": self = .swish
        case "linear", "none", "identity": self = .linear
        default: return nil
        }
        if argument != nil { return nil }
    }

    /// True for the ReLU family, which He initialization is derived for.
    public var isReLUFamily: Bool {
        switch self {
        case .relu, .leakyReLU, .gelu, .swish: return true
        default: return false
        }
    }

    /// Whether backward needs the pre-activation z (otherwise the output y suffices).
    public var backwardNeedsInput: Bool { self == .gelu || self == .swish }

    static let geluK: Float = 0.797_884_560_802_865_4  // √(2/π)
    static let geluC: Float = 0.044715

    @inline(__always) static func sigmoid(_ z: Float) -> Float {
        if z >= 0 { return 1 / (1 + _expf(-z)) }
        let e = _expf(z)
        return e / (1 + e)
    }

    /// y = f(z) for one element.
    @inline(__always)
    public func apply(_ z: Float) -> Float {
        switch self {
        case .linear: return z
        case .relu: return z > 0 ? z : 0
        case .leakyReLU(let a): return z > 0 ? z : a * z
        case .sigmoid: return Activation.sigmoid(z)
        case .tanh: return _tanhf(z)
        case .gelu:
            let t = _tanhf(Activation.geluK * (z + Activation.geluC * z * z * z))
            return 0.5 * z * (1 + t)
        case .swish: return z * Activation.sigmoid(z)
        }
    }

    /// f'(z), from z (GELU, Swish) or from y = f(z) (the others).
    @inline(__always)
    public func derivative(z: Float, y: Float) -> Float {
        switch self {
        case .linear: return 1
        case .relu: return y > 0 ? 1 : 0
        case .leakyReLU(let a): return y > 0 ? 1 : a
        case .sigmoid: return y * (1 - y)
        case .tanh: return 1 - y * y
        case .gelu:
            let u = Activation.geluK * (z + Activation.geluC * z * z * z)
            let t = _tanhf(u)
            let du = Activation.geluK * (1 + 3 * Activation.geluC * z * z)
            return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * du
        case .swish:
            let s = Activation.sigmoid(z)
            return s * (1 + z * (1 - s))
        }
    }

    /// Elements per chunk when a pass is shared between threads: ReLU and linear are a load and a
    /// store per element; the others call exp or tanh, so their chunks are smaller.
    var elementsPerChunk: Int {
        switch self {
        case .relu, .linear, .leakyReLU: return Loops.chunkElements
        default: return Loops.chunkElements / 4
        }
    }

    func rowsPerChunk(width: Int) -> Int { max(1, elementsPerChunk / max(1, width)) }

    /// y[i] = f(z[i] + bias[i % width]) over `rows × width` elements; also stores z + bias back
    /// into `z` when backward will need it. `z` and `y` may be the same buffer.
    func forwardWithBias(
        z: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>, rows: Int, width: Int, loops: Loops
    ) {
        let pass = ForwardPass(
            f: self, z: z, bias: bias, y: y, rows: rows, width: width,
            rowsPerChunk: rowsPerChunk(width: width))
        loops.run(chunks: Loops.chunks(rows, size: pass.rowsPerChunk), context: pass) { context, c in
            let p = context.load(as: ForwardPass.self)
            p.f.forwardRows(
                Loops.range(chunk: c, size: p.rowsPerChunk, count: p.rows),
                z: p.z, bias: p.bias, y: p.y, width: p.width)
        }
    }

    private struct ForwardPass {
        let f: Activation
        let z: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>
        let rows: Int, width: Int, rowsPerChunk: Int
    }

    @inline(__always)
    private func forwardRows(
        _ rows: Range<Int>, z: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>, width: Int
    ) {
        let keepZ = backwardNeedsInput && z != y
        for r in rows {
            let zr = z + r * width
            let yr = y + r * width
            switch self {
            case .relu:
                if let bias {
                    Kernels.reluBias(zr, bias, yr, rows: 1, width: width)
                } else {
                    for j in 0..<width {
                        let v = zr[j]
                        yr[j] = v > 0 ? v : 0
                    }
                }
            case .linear:
                if let bias { Kernels.addBias(zr, bias, yr, rows: 1, width: width) } else if zr != yr { yr.update(from: zr, count: width) }
            default:
                for j in 0..<width {
                    let v = zr[j] + (bias?[j] ?? 0)
                    if keepZ { zr[j] = v }
                    yr[j] = apply(v)
                }
            }
        }
    }

    /// dz[i] = dy[i] · f'(z[i]) over `count` elements (`z` is read only when backwardNeedsInput).
    func backward(
        dy: UnsafePointer<Float>, z: UnsafePointer<Float>, y: UnsafePointer<Float>,
        dz: UnsafeMutablePointer<Float>, count: Int, loops: Loops
    ) {
        let pass = BackwardPass(f: self, dy: dy, z: z, y: y, dz: dz, count: count, chunk: elementsPerChunk)
        loops.run(chunks: Loops.chunks(count, size: pass.chunk), context: pass) { context, c in
            let p = context.load(as: BackwardPass.self)
            p.f.backwardRange(
                Loops.range(chunk: c, size: p.chunk, count: p.count),
                dy: p.dy, z: p.z, y: p.y, dz: p.dz)
        }
    }

    /// At most this many chunks of rows in `backward(...db:)`, so that its partial sums take at most
    /// `maxBiasChunks × width` floats whatever the batch (and never more rows than the batch).
    static let maxBiasChunks = 64

    /// Rows per chunk of `backward(...db:)`, and so how many rows of partial sums it needs.
    func biasChunkRows(rows: Int, width: Int) -> Int {
        max(rowsPerChunk(width: width), (rows + Activation.maxBiasChunks - 1) / Activation.maxBiasChunks)
    }

    func biasChunks(rows: Int, width: Int) -> Int { Loops.chunks(rows, size: biasChunkRows(rows: rows, width: width)) }

    /// dZ = dY ⊙ f'(Z) as above over `rows × width`, and db = Σ_rows dZ in the same pass: each chunk
    /// of rows sums its rows of dZ, still in cache, into its own row of `partials` (`biasChunks` rows
    /// of `width`), and the partial rows are then added in chunk order, so db does not depend on which
    /// thread ran which chunk.
    func backward(
        dy: UnsafePointer<Float>, z: UnsafePointer<Float>, y: UnsafePointer<Float>,
        dz: UnsafeMutablePointer<Float>, rows: Int, width: Int,
        partials: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>, loops: Loops
    ) {
        let perChunk = biasChunkRows(rows: rows, width: width)
        let chunks = Loops.chunks(rows, size: perChunk)
        let pass = BiasBackwardPass(
            f: self, dy: dy, z: z, y: y, dz: dz, rows: rows, width: width, rowsPerChunk: perChunk,
            partials: partials)
        loops.run(chunks: chunks, context: pass) { context, c in
            let p = context.load(as: BiasBackwardPass.self)
            let r = Loops.range(chunk: c, size: p.rowsPerChunk, count: p.rows)
            p.f.backwardRange(r.lowerBound * p.width..<r.upperBound * p.width, dy: p.dy, z: p.z, y: p.y, dz: p.dz)
            Kernels.sumRows(p.dz + r.lowerBound * p.width, rows: r.count, width: p.width, into: p.partials + c * p.width)
        }
        Kernels.sumRows(partials, rows: chunks, width: width, into: db)
    }

    private struct BiasBackwardPass {
        let f: Activation
        let dy: UnsafePointer<Float>, z: UnsafePointer<Float>, y: UnsafePointer<Float>, dz: UnsafeMutablePointer<Float>
        let rows: Int, width: Int, rowsPerChunk: Int
        let partials: UnsafeMutablePointer<Float>
    }

    private struct BackwardPass {
        let f: Activation
        let dy: UnsafePointer<Float>, z: UnsafePointer<Float>, y: UnsafePointer<Float>, dz: UnsafeMutablePointer<Float>
        let count: Int, chunk: Int
    }

    @inline(__always)
    private func backwardRange(
        _ r: Range<Int>, dy: UnsafePointer<Float>, z: UnsafePointer<Float>,
        y: UnsafePointer<Float>, dz: UnsafeMutablePointer<Float>
    ) {
        let o = r.lowerBound
        let n = r.count
        switch self {
        case .linear:
            if UnsafePointer(dz) != dy { (dz + o).update(from: dy + o, count: n) }
        case .relu:
            Kernels.reluMask(dy + o, y + o, dz + o, count: n)
        default:
            // Dense keeps no Z buffer for the others (it is empty): reading z[i] would overrun it.
            if backwardNeedsInput {
                for i in r { dz[i] = dy[i] * derivative(z: z[i], y: y[i]) }
            } else {
                for i in r { dz[i] = dy[i] * derivative(z: 0, y: y[i]) }
            }
        }
    }
}
