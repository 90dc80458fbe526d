// Weight initializers. Formulas as in PyTorch's torch.nn.init (fan_in mode for He).
import CBLAS

public enum Initializer: String, CaseIterable, Sendable {
    case heNormal = "he-normal"
    case heUniform = "he-uniform"
    case xavierNormal = "xavier-normal"
    case xavierUniform = "xavier-uniform"
    case orthogonal
    case zeros

    /// He for the ReLU family, Xavier (uniform) for sigmoid, tanh and linear layers.
    public static func defaultFor(_ activation: Activation) -> Initializer {
        activation.isReLUFamily ? .heNormal : .xavierUniform
    }

    /// The He gain √(2/(1+α²)): √2 for ReLU, slightly less for Leaky ReLU.
    static func heGain(_ activation: Activation) -> Float {
        if case .leakyReLU(let a) = activation { return (2 / (1 + a * a)).squareRoot() }
        return Float(2).squareRoot()
    }

    /// The standard deviation the initializer aims for, for tests and `mlp inspect`.
    public func expectedStd(fanIn: Int, fanOut: Int, activation: Activation) -> Float {
        switch self {
        case .heNormal, .heUniform: return Initializer.heGain(activation) / Float(fanIn).squareRoot()
        case .xavierNormal, .xavierUniform: return (2 / Float(fanIn + fanOut)).squareRoot()
        case .orthogonal: return 1 / Float(max(fanIn, fanOut)).squareRoot()
        case .zeros: return 0
        }
    }

    /// Fills a weight matrix of shape [fanOut, fanIn] at p.
    public func fill(
        _ p: UnsafeMutablePointer<Float>, fanOut: Int, fanIn: Int, activation: Activation,
        rng: inout RandomGenerator
    ) {
        let n = fanOut * fanIn
        let std = expectedStd(fanIn: fanIn, fanOut: fanOut, activation: activation)
        switch self {
        case .heNormal, .xavierNormal:
            for i in 0..<n { p[i] = std * rng.normal() }
        case .heUniform, .xavierUniform:
            let bound = std * Float(3).squareRoot()  // U(−a, a) has std a/√3
            for i in 0..<n { p[i] = rng.uniform(-bound, bound) }
        case .zeros:
            p.update(repeating: 0, count: n)
        case .orthogonal:
            Initializer.fillOrthogonal(p, rows: fanOut, cols: fanIn, rng: &rng)
        }
    }

    /// Orthogonal rows or columns: QR of a Gaussian matrix through LAPACKE sgeqrf/sorgqr, with
    /// Q's columns multiplied by sign(diag R) so the result is uniformly distributed (as PyTorch).
    static func fillOrthogonal(_ w: UnsafeMutablePointer<Float>, rows: Int, cols: Int, rng: inout RandomGenerator) {
        // Factor the tall orientation: m ≥ n.
        let tall = rows >= cols
        let m = tall ? rows : cols
        let n = tall ? cols : rows
        var a = [Float](repeating: 0, count: m * n)
        for i in 0..<(m * n) { a[i] = rng.normal() }
        var tau = [Float](repeating: 0, count: n)
        var signs = [Float](repeating: 1, count: n)
        a.withUnsafeMutableBufferPointer { ap in
            tau.withUnsafeMutableBufferPointer { tp in
                _ = LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, Int32(m), Int32(n), ap.baseAddress, Int32(n), tp.baseAddress)
                for j in 0..<n { signs[j] = ap[j * n + j] < 0 ? -1 : 1 }
                _ = LAPACKE_sorgqr(LAPACK_ROW_MAJOR, Int32(m), Int32(n), Int32(n), ap.baseAddress, Int32(n), tp.baseAddress)
            }
        }
        // Q is m×n with orthonormal columns; write Q (tall) or Qᵀ (wide) into w.
        for i in 0..<m {
            for j in 0..<n {
                let q = a[i * n + j] * signs[j]
                if tall { w[i * cols + j] = q } else { w[j * cols + i] = q }
            }
        }
    }
}

extension Initializer {
    /// Fills a weight matrix (tests, and code outside a network).
    public func fill(_ w: Matrix, activation: Activation, rng: inout RandomGenerator) {
        fill(w.data, fanOut: w.rows, fanIn: w.cols, activation: activation, rng: &rng)
    }
}
