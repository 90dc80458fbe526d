// Activations to unsigned 8-bit, asymmetric (PyTorch's quint8 for dynamic quantization):
//
//   x ≈ s · (q − z),   q = clamp(round(x/s + z), 0, Q),   z ∈ [0, Q] an integer
//
// with the range [lo, hi] widened to hold 0 (so 0 is exact, as padding and ReLU zeros need):
//   lo = min(min x, 0),  hi = max(max x, 0),  s = (hi − lo)/Q,  z = round(−lo/s).
// Q is 255, or 127 on CPUs whose int8 kernels would saturate (OneDNN.activationMaximum: the same
// "reduce_range" PyTorch's fbgemm backend uses on x86).
// After ReLU (or for pixel inputs) lo = 0, so z = 0 and all 256 levels cover [0, max]; a signed
// symmetric s8 grid would spend half of its levels on negatives that never occur.
//
// Dynamic quantization computes the range of each batch (`range`) and then quantizes it; static
// quantization uses a range fixed beforehand from calibration data, and values outside it saturate.

public struct ActivationQuantization: Equatable, Sendable {
    public let scale: Float
    public let zeroPoint: Int32
    /// Q, the largest level used: 255, or 127 (see the top of the file).
    public let maximum: Int32

    public init(scale: Float, zeroPoint: Int32, maximum: Int32 = 255) {
        precondition(maximum > 0 && maximum <= 255 && zeroPoint >= 0 && zeroPoint <= maximum, "ActivationQuantization: zero point \(zeroPoint) outside [0, \(maximum)]")
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.maximum = maximum
    }

    /// The grid of levels 0...maximum for values in [min, max] (widened to hold 0). A range of
    /// zeros gets scale 1.
    public init(min: Float, max: Float, maximum: Int32 = 255) {
        let lo = Swift.min(min, 0), hi = Swift.max(max, 0)
        guard hi > lo, (hi - lo).isFinite else {
            self.init(scale: 1, zeroPoint: 0, maximum: maximum)
            return
        }
        let top = Float(maximum)
        let s = (hi - lo) / top
        let z = (-lo / s).rounded(.toNearestOrEven)
        self.init(scale: s, zeroPoint: Int32(Swift.max(0, Swift.min(top, z))), maximum: maximum)
    }

    /// s · (q − z).
    @inline(__always) public func dequantize(_ q: UInt8) -> Float { scale * Float(Int32(q) - zeroPoint) }
}

public enum ActivationQuantizer {
    /// The smallest and largest of `count` values (NaNs are skipped).
    public static func range(_ x: UnsafePointer<Float>, count: Int) -> (min: Float, max: Float) {
        guard count > 0 else { return (0, 0) }
        typealias V = SIMD16<Float>
        var lo = V(repeating: .infinity), hi = V(repeating: -.infinity)
        var i = 0
        let raw = UnsafeRawPointer(x)
        while i + 16 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            lo = lo.replacing(with: v, where: v .< lo)
            hi = hi.replacing(with: v, where: v .> hi)
            i += 16
        }
        var mn = lo.min(), mx = hi.max()
        while i < count {
            if x[i] < mn { mn = x[i] }
            if x[i] > mx { mx = x[i] }
            i += 1
        }
        return mn <= mx ? (mn, mx) : (0, 0)
    }

    /// q[i] = clamp(round(x[i]/s + z), 0, Q) for `count` values.
    ///
    /// Rounding is to nearest, ties to even, by the 1.5·2²³ trick: once v is clamped to [0, Q],
    /// v + 1.5·2²³ is a float whose lowest mantissa bits are round(v), which vectorizes (Swift lowers
    /// SIMD `rounded()` lane by lane).
    public static func quantize(_ x: UnsafePointer<Float>, count: Int, with p: ActivationQuantization,
                                into q: UnsafeMutablePointer<UInt8>) {
        typealias V = SIMD16<Float>
        let inv = 1 / p.scale, z = Float(p.zeroPoint), top = Float(p.maximum)
        let magic: Float = 12_582_912  // 1.5·2²³
        let vInv = V(repeating: inv), vZ = V(repeating: z), vMagic = V(repeating: magic)
        let vLo = V(repeating: 0), vHi = V(repeating: top)
        let raw = UnsafeRawPointer(x), out = UnsafeMutableRawPointer(q)
        var i = 0
        while i + 16 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            var t = v * vInv + vZ
            t = t.replacing(with: vLo, where: .!(t .>= vLo))  // NaN goes to 0 with the negatives
            t = t.replacing(with: vHi, where: t .> vHi)
            let bits = unsafeBitCast(t + vMagic, to: SIMD16<UInt32>.self)
            out.storeBytes(of: SIMD16<UInt8>(truncatingIfNeeded: bits), toByteOffset: i, as: SIMD16<UInt8>.self)
            i += 16
        }
        while i < count {
            var t = x[i] * inv + z
            if !(t >= 0) { t = 0 }
            if t > top { t = top }
            q[i] = UInt8(truncatingIfNeeded: (t + magic).bitPattern)
            i += 1
        }
    }
}
