// Summary statistics and a histogram of one tensor's values, for `mlp inspect`: the primer's
// "watch the weight histograms" check for vanishing and exploding weights.

import Formats

struct WeightStatistics {
    /// |w| below this counts as near zero.
    static let nearZeroThreshold: Float = 1e-3
    static let bins = 20

    let count: Int
    let mean: Double, std: Double, min: Double, max: Double
    /// Fraction of values with |w| < nearZeroThreshold.
    let nearZero: Double
    /// `bins` equal-width bins from min to max (all in the first when min == max).
    let histogram: [Int]

    init(_ values: [Float]) {
        count = values.count
        var sum = 0.0
        var lo = Double.infinity
        var hi = -Double.infinity
        var small = 0
        for v in values {
            let x = Double(v)
            sum += x
            lo = Swift.min(lo, x)
            hi = Swift.max(hi, x)
            if abs(v) < WeightStatistics.nearZeroThreshold { small += 1 }
        }
        let n = Double(Swift.max(count, 1))
        let m = sum / n
        var squares = 0.0
        for v in values { squares += (Double(v) - m) * (Double(v) - m) }
        mean = m
        std = (squares / n).squareRoot()
        min = count == 0 ? 0 : lo
        max = count == 0 ? 0 : hi
        nearZero = Double(small) / n
        var h = [Int](repeating: 0, count: WeightStatistics.bins)
        let width = (hi - lo) / Double(WeightStatistics.bins)
        for v in values {
            let b = width > 0 ? Int((Double(v) - lo) / width) : 0
            h[Swift.min(Swift.max(b, 0), WeightStatistics.bins - 1)] += 1
        }
        histogram = h
    }

    /// The histogram as one line of block characters, bar height proportional to the count;
    /// an empty bin is a space, any non-empty bin at least the lowest bar.
    var sparkline: String {
        let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        let top = histogram.max() ?? 0
        return "▕"
            + String(
                histogram.map { c -> Character in
                    guard c > 0, top > 0 else { return " " }
                    return bars[Swift.min(bars.count - 1, (c * bars.count - 1) / top)]
                }) + "▏"
    }
}
