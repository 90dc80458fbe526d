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
// Both passes are C (Sources/CDNNL/activation_kernels.h): vectorized per instruction set and shared
// between OpenMP's threads.

import CDNNL

public struct ActivationQuantization: Equatable, Sendable {
    public let scale: Float
    public let zeroPoint: Int32
    /// Q, the largest level used: 255, or 127 (see the top of the file).
    public let maximum: Int32

    public init(scale: Float, zeroPoint: Int32, maximum: Int32 = 255) {
        precondition(
            maximum > 0 && maximum <= 255 && zeroPoint >= 0 && zeroPoint <= maximum,
            "ActivationQuantization: zero point \(zeroPoint) outside [0, \(maximum)]")
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.maximum = maximum
    }

    /// The grid of levels 0...maximum for values in [min, max] (widened to hold 0). A range of
    /// zeros gets scale 1.
    public init(min: Float, max: Float, maximum: Int32 = 255) {
        let lo = Swift.min(min, 0)
        let hi = Swift.max(max, 0)
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
    /// 2 = AVX-512, 1 = AVX2, 0 = baseline: which copy of the C passes this CPU runs.
    static let vectorLevel = cdnnl_vector_level()

    /// The smallest and largest of `count` values (NaNs are skipped; (0, 0) when there is no number).
    /// With `team`, large arrays are split between the threads of oneDNN's OpenMP team.
    public static func range(_ x: UnsafePointer<Float>, count: Int, team: OneDNN? = nil) -> (min: Float, max: Float) {
        var lo: Float = 0
        var hi: Float = 0
        cdnnl_range(x, count, vectorLevel, team?.team, &lo, &hi)
        return lo <= hi ? (lo, hi) : (0, 0)
    }

    /// q[i] = clamp(round(x[i]·(1/s) + z), 0, Q) for `count` values, ties to even (NaN → 0).
    /// With `team`, large arrays are split between the threads of oneDNN's OpenMP team.
    public static func quantize(
        _ x: UnsafePointer<Float>, count: Int, with p: ActivationQuantization,
        into q: UnsafeMutablePointer<UInt8>, team: OneDNN? = nil
    ) {
        cdnnl_quantize(x, count, 1 / p.scale, Float(p.zeroPoint), Float(p.maximum), q, vectorLevel, team?.team)
    }
}
