// A regression's figures per target with sample weights w_i (MetricInputs.swift: weighted means, a row
// of weight 0 absent), as scikit-learn's mean_squared_error, mean_absolute_error and r2_score with
// sample_weight compute them. For target j, with d_i = ŷ_ij − y_ij and W = Σ w:
//   MSE_j = Σ w·d² / W,   MAE_j = Σ w·|d| / W
//   R²_j  = 1 − Σ w·d² / Σ w·(y_ij − ȳ_j)²,   ȳ_j = Σ w·y_ij / W   (two passes, as numpy's average)
//           a constant target (denominator 0) scores 1 when predicted exactly, else 0 (force_finite)
// Checked against Scripts/metrics_oracle.py. (RegressionEvaluation sums the unweighted figures
// batch by batch, for training; this takes every prediction at once.)

public struct RegressionMetrics: Equatable, Sendable {
    public struct Target: Equatable, Sendable {
        public let meanSquaredError: Double
        public let meanAbsoluteError: Double
        public let r2: Double
    }

    public let rows: Int
    public let totalWeight: Double
    public let targets: [Target]

    /// The figures of each of `width` targets: `predictions` and `truth` hold `width` values per row,
    /// row-major. nil when the weights sum to 0.
    public static func compute(predictions: [Double], truth: [Double], width: Int, weights: [Double]? = nil) -> RegressionMetrics? {
        precondition(width >= 1 && predictions.count == truth.count && truth.count % width == 0, "rows of one value per target")
        precondition(MetricInputs.firstNonFinite(predictions) == nil && MetricInputs.firstNonFinite(truth) == nil, "a value is not finite")
        let n = truth.count / width
        MetricInputs.checkWeights(weights, rows: n)
        let total = MetricInputs.totalWeight(weights, rows: n)
        guard total > 0 else { return nil }
        var out = [Target]()
        for j in 0..<width {
            var squared = 0.0
            var absolute = 0.0
            var sum = 0.0
            for i in 0..<n {
                let w = weights?[i] ?? 1
                if w == 0 { continue }
                let d = predictions[i * width + j] - truth[i * width + j]
                squared += w * d * d
                absolute += w * abs(d)
                sum += w * truth[i * width + j]
            }
            let mean = sum / total
            var spread = 0.0
            for i in 0..<n {
                let w = weights?[i] ?? 1
                if w == 0 { continue }
                let e = truth[i * width + j] - mean
                spread += w * e * e
            }
            let r2 = spread > 0 ? 1 - squared / spread : (squared == 0 ? 1 : 0)
            out.append(Target(meanSquaredError: squared / total, meanAbsoluteError: absolute / total, r2: r2))
        }
        return RegressionMetrics(rows: n, totalWeight: total, targets: out)
    }
}
