// "Nice" axis ticks for the plots: steps of 1, 2 or 5 times a power of ten, covering the data.
import Formats

#if canImport(Glibc)
    import Glibc
#endif

struct AxisScale {
    let lo: Double, hi: Double
    let ticks: [Double]
    /// Decimals the tick labels need.
    let decimals: Int

    /// A scale over [lo, hi] with about `target` ticks; an empty or degenerate range is widened.
    init(lo rawLo: Double, hi rawHi: Double, target: Int = 5) {
        var a = rawLo.isFinite ? rawLo : 0
        var b = rawHi.isFinite ? rawHi : 1
        if a > b { swap(&a, &b) }
        if b - a < 1e-12 {
            a -= max(abs(a) * 0.1, 0.5)
            b += max(abs(b) * 0.1, 0.5)
        }
        let raw = (b - a) / Double(max(target, 1))
        let power = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
        lo = floor(a / step + 1e-9) * step
        hi = ceil(b / step - 1e-9) * step
        var t: [Double] = []
        var v = lo
        while v <= hi + step * 1e-6 {
            t.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        ticks = t
        decimals = max(0, Int(-floor(log10(step) + 1e-9)))
    }

    func label(_ v: Double) -> String { fixed(v, decimals) }

    /// Maps v in [lo, hi] to [from, to] (either direction).
    func map(_ v: Double, from: Double, to: Double) -> Double {
        hi == lo ? from : from + (v - lo) / (hi - lo) * (to - from)
    }
}
