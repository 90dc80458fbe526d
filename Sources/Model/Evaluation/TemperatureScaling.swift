// Temperature scaling (Guo et al. 2017): one number T > 0 divides the logits before the softmax (or
// the sigmoid), fitted on held-out rows by minimizing their weighted log-loss. It changes no
// prediction (z/T keeps the order of the logits), only how confident the probabilities are.
//
// With β = 1/T, logits z_i (C per row), true class y_i, weights w_i, W = Σ w:
//   softmax:  f(β)   = (1/W) Σ w_i·[log Σ_k exp(β·z_ik) − β·z_iy]
//             f'(β)  = (1/W) Σ w_i·[E_p(z_i) − z_iy]          p = softmax(β·z_i)
//             f''(β) = (1/W) Σ w_i·Var_p(z_i) ≥ 0
//   sigmoid (L outputs per row, targets t ∈ {0, 1}, every output its own binary problem):
//             f(β)   = (1/(W·L)) Σ w_i Σ_k [softplus(β·z_ik) − t_ik·β·z_ik]
//             f'(β)  = (1/(W·L)) Σ w_i Σ_k (σ(β·z_ik) − t_ik)·z_ik
//             f''(β) = (1/(W·L)) Σ w_i Σ_k σ(1 − σ)·z_ik² ≥ 0
// f is convex in β (a log-sum-exp of functions linear in β, minus a linear term), so a Newton
// iteration kept inside a shrinking bracket (bisection when a step would leave it) finds the minimum;
// it stops when a step moves β by less than `tolerance`·β. T is kept in `range` (0.01 … 100 by
// default): a held-out set the model separates perfectly has its minimum at T → 0, and one whose
// logits carry no information at T → ∞. Logits that all tie within each row make f flat: T = 1.
// The log-loss here is exact (log-sum-exp, no clipping). Checked against scipy's minimize_scalar in
// Scripts/metrics_oracle.py.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public enum TemperatureScaling {
    public struct Fit: Equatable, Sendable {
        public let temperature: Double
        /// The weighted mean log-loss at T = 1 and at the fitted T.
        public let logLossBefore: Double
        public let logLossAfter: Double
        /// Newton or bisection steps taken.
        public let iterations: Int
    }

    public static let defaultRange: ClosedRange<Double> = 0.01...100

    /// Fits T for softmax outputs: `logits` n rows of `classes`, row-major. nil when the weights sum to 0.
    public static func fitSoftmax(
        logits: [Double], classes: Int, labels: [Int32], weights: [Double]? = nil,
        range: ClosedRange<Double> = defaultRange, tolerance: Double = 1e-12
    ) -> Fit? {
        precondition(classes >= 2 && logits.count == labels.count * classes, "one row of logits per label")
        precondition(labels.allSatisfy { $0 >= 0 && Int($0) < classes }, "a label is outside the classes")
        precondition(MetricInputs.firstNonFinite(logits) == nil, "a logit is not finite")
        MetricInputs.checkWeights(weights, rows: labels.count)
        guard MetricInputs.totalWeight(weights, rows: labels.count) > 0 else { return nil }
        return fit(range: range, tolerance: tolerance) { softmax(logits, classes: classes, labels: labels, weights: weights, beta: $0) }
    }

    /// Fits T for sigmoid outputs: `logits` and `targets` n rows of `outputs` each, row-major.
    /// nil when the weights sum to 0.
    public static func fitSigmoid(
        logits: [Double], outputs: Int, targets: [Bool], weights: [Double]? = nil,
        range: ClosedRange<Double> = defaultRange, tolerance: Double = 1e-12
    ) -> Fit? {
        precondition(outputs >= 1 && logits.count == targets.count && targets.count % outputs == 0, "rows of one logit per output")
        precondition(MetricInputs.firstNonFinite(logits) == nil, "a logit is not finite")
        MetricInputs.checkWeights(weights, rows: targets.count / outputs)
        guard MetricInputs.totalWeight(weights, rows: targets.count / outputs) > 0 else { return nil }
        return fit(range: range, tolerance: tolerance) { sigmoid(logits, outputs: outputs, targets: targets, weights: weights, beta: $0) }
    }

    /// The weighted mean log-loss of softmax(z/T).
    public static func softmaxLogLoss(
        logits: [Double], classes: Int, labels: [Int32], weights: [Double]? = nil,
        temperature: Double
    ) -> Double {
        softmax(logits, classes: classes, labels: labels, weights: weights, beta: 1 / temperature).f
    }

    /// The weighted mean log-loss of σ(z/T) over every output.
    public static func sigmoidLogLoss(
        logits: [Double], outputs: Int, targets: [Bool], weights: [Double]? = nil,
        temperature: Double
    ) -> Double {
        sigmoid(logits, outputs: outputs, targets: targets, weights: weights, beta: 1 / temperature).f
    }

    /// The minimum over β ∈ [1/T_max, 1/T_min] of a convex f given with its first two derivatives.
    static func fit(range: ClosedRange<Double>, tolerance: Double, _ f: (Double) -> (f: Double, g: Double, h: Double)) -> Fit {
        precondition(range.lowerBound > 0 && range.upperBound.isFinite, "temperatures are positive and finite")
        var lo = 1 / range.upperBound
        var hi = 1 / range.lowerBound
        let one = f(1)
        let atLo = f(lo)
        let atHi = f(hi)
        var iterations = 0
        func done(_ beta: Double) -> Fit {
            Fit(temperature: 1 / beta, logLossBefore: one.f, logLossAfter: f(beta).f, iterations: iterations)
        }
        // Flat (no row's logits differ): every T is as good; keep the model as it is.
        let scale = max(1, abs(one.f))
        if abs(atLo.f - one.f) <= 1e-13 * scale && abs(atHi.f - one.f) <= 1e-13 * scale && range.contains(1) { return done(1) }
        if atLo.g >= 0 { return done(lo) }
        if atHi.g <= 0 { return done(hi) }
        var beta = min(max(1, lo), hi)
        while iterations < 200 {
            iterations += 1
            let (_, g, h) = f(beta)
            if g == 0 { break }
            if g > 0 { hi = beta } else { lo = beta }
            var next = h > 0 ? beta - g / h : .nan
            if !(next > lo && next < hi) { next = 0.5 * (lo + hi) }
            let step = abs(next - beta)
            beta = next
            if step <= tolerance * beta || hi - lo <= tolerance * beta { break }
        }
        return done(beta)
    }

    static func softmax(_ z: [Double], classes c: Int, labels: [Int32], weights: [Double]?, beta: Double) -> (
        f: Double, g: Double, h: Double
    ) {
        var f = 0.0
        var g = 0.0
        var h = 0.0
        var total = 0.0
        z.withUnsafeBufferPointer { zz in
            for i in 0..<labels.count {
                let w = weights?[i] ?? 1
                if w == 0 { continue }
                let row = zz.baseAddress! + i * c
                let y = Int(labels[i])
                var m = row[0]
                for k in 1..<c where row[k] > m { m = row[k] }
                // p_k ∝ exp(β(z_k − m)): E_p z and E_p z² from the same sums
                var s = 0.0
                var sz = 0.0
                var szz = 0.0
                for k in 0..<c {
                    let d = row[k] - m
                    let e = exp(beta * d)
                    s += e
                    sz += e * d
                    szz += e * d * d
                }
                let mean = sz / s  // E_p(z) − m
                f += w * (log(s) - beta * (row[y] - m))
                g += w * (mean - (row[y] - m))
                h += w * max(szz / s - mean * mean, 0)
                total += w
            }
        }
        return (f / total, g / total, h / total)
    }

    static func sigmoid(_ z: [Double], outputs l: Int, targets: [Bool], weights: [Double]?, beta: Double) -> (
        f: Double, g: Double, h: Double
    ) {
        var f = 0.0
        var g = 0.0
        var h = 0.0
        var total = 0.0
        for i in 0..<(targets.count / l) {
            let w = weights?[i] ?? 1
            if w == 0 { continue }
            for k in 0..<l {
                let x = z[i * l + k]
                let t: Double = targets[i * l + k] ? 1 : 0
                let a = beta * x
                let softplus = max(a, 0) + log1p(exp(-abs(a)))
                let s = a >= 0 ? 1 / (1 + exp(-a)) : exp(a) / (1 + exp(a))
                f += w * (softplus - t * a)
                g += w * (s - t) * x
                h += w * s * (1 - s) * x * x
            }
            total += w * Double(l)
        }
        return (f / total, g / total, h / total)
    }
}
