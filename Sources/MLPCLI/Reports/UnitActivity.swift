// How the units of each activation layer behave on a sample of inputs, for `mlp inspect --data`:
// dead ReLU-family units (never positive on the sample) and saturated sigmoid/tanh units (near an
// asymptote on at least 90% of it), whose gradients are zero or vanishing.
import Formats
import Model
import Training

struct UnitActivity {
    /// Which units `mlp inspect` counts, and the rule it states in its report.
    typealias Rule = Activation.Inactivity

    /// A unit counts as saturated when it is near an asymptote on at least this fraction of the sample.
    static let saturatedShare = 0.9
    static let rules =
        "dead: a relu, leaky_relu, gelu or swish unit whose output is never positive on the sample; "
        + "saturated: a sigmoid unit below 0.01 or above 0.99, or a tanh unit beyond ±0.99, on at least 90% of the sample"

    let layer: Int
    let activation: Activation
    let rule: Rule
    let units: Int
    /// Units that are dead or saturated.
    let flagged: Int
    /// Fraction of all (unit, example) outputs that are not positive (dead rule) or near an asymptote.
    let inactiveOutputs: Double

    var flaggedFraction: Double { units == 0 ? 0 : Double(flagged) / Double(units) }

    /// Runs the first `samples` examples through `network` layer by layer (evaluation mode) and
    /// measures every layer that applies a non-linear activation.
    static func measure(_ network: Network, on data: Dataset, samples: Int) -> [UnitActivity] {
        let n = min(samples, data.count)
        let watched: [(Int, Activation, Rule)] = network.layers.enumerated().compactMap { i, l in
            guard let act = l.spec.kind.activation, let rule = act.inactivity else { return nil }
            return (i, act, rule)
        }
        // hits[w][j]: examples on which unit j of watched layer w was positive (dead rule) or saturated
        var hits = watched.map { [Int](repeating: 0, count: network.layers[$0.0].outputFeatures) }
        let batch = max(1, min(1000, n))
        let x = Matrix(rows: batch, cols: network.inputFeatures)
        let labels = UnsafeMutablePointer<Int32>.allocate(capacity: batch)
        defer { labels.deallocate() }
        var start = 0
        while start < n {
            let m = min(batch, n - start)
            data.slice(from: start, count: m, into: x, labels: labels)
            var h = x
            var w = 0
            for (i, layer) in network.layers.enumerated() {
                h = layer.forward(h, training: false)
                guard w < watched.count, watched[w].0 == i else { continue }
                let cols = h.cols
                let p = h.data
                for r in 0..<m {
                    for j in 0..<cols where watched[w].1.counts(output: p[r * cols + j]) { hits[w][j] += 1 }
                }
                w += 1
            }
            start += m
        }
        return watched.enumerated().map { w, item in
            let (i, act, rule) = item
            let total = hits[w].reduce(0, +)
            let units = hits[w].count
            let flagged =
                rule == .dead
                ? hits[w].filter { $0 == 0 }.count
                : hits[w].filter { n > 0 && Double($0) >= saturatedShare * Double(n) }.count
            let pairs = Double(max(units * n, 1))
            let inactive = rule == .dead ? 1 - Double(total) / pairs : Double(total) / pairs
            return UnitActivity(
                layer: i, activation: act, rule: rule, units: units, flagged: flagged,
                inactiveOutputs: n == 0 ? 0 : inactive)
        }
    }
}
