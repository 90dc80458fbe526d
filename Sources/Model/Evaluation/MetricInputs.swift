// What the metrics accept, and the checks a caller runs before handing data to them.
//
// Every metric takes Double probabilities (or scores), the true labels, and optional sample weights
// (nil: every row weighs 1). The caller refuses bad input with its own error before calling: a NaN or
// out-of-range probability, a negative or non-finite weight (the metrics' preconditions trap on them,
// as on any broken contract). A row of weight 0 counts as absent from every metric. Weighted figures
// are weighted means: Σ w·x / Σ w. When the weights sum to 0 (or there are no rows) every metric is
// undefined and `compute` returns nil.

public enum MetricInputs {
    /// The index of the first value that is not a probability (NaN, infinite, below 0 or above 1).
    public static func firstInvalidProbability(_ values: [Double]) -> Int? {
        values.firstIndex { !($0 >= 0 && $0 <= 1) }
    }

    /// The index of the first value that is not finite (NaN or infinite): scores and logits.
    public static func firstNonFinite(_ values: [Double]) -> Int? {
        values.firstIndex { !$0.isFinite }
    }

    /// The index of the first weight that is negative or not finite.
    public static func firstInvalidWeight(_ weights: [Double]) -> Int? {
        weights.firstIndex { !($0 >= 0 && $0.isFinite) }
    }

    /// Σ w over the rows (the row count without weights).
    static func totalWeight(_ weights: [Double]?, rows: Int) -> Double {
        guard let weights else { return Double(rows) }
        var s = 0.0
        for w in weights { s += w }
        return s
    }

    /// The contract every metric checks: weights valid and one per row.
    static func checkWeights(_ weights: [Double]?, rows: Int) {
        guard let weights else { return }
        precondition(weights.count == rows, "one weight per row")
        precondition(firstInvalidWeight(weights) == nil, "a weight is negative or not finite")
    }

    /// log(p) of a probability clipped to [ε, 1 − ε], ε = Double.ulpOfOne: scikit-learn's log_loss
    /// (from 1.5 on) clips float64 probabilities so, with ε = np.finfo(float64).eps, and renormalizes nothing.
    @inline(__always)
    static func clippedLog(_ p: Double) -> Double {
        let eps = Double.ulpOfOne
        return _log(min(max(p, eps), 1 - eps))
    }

    /// F1 = 2·TP / (2·TP + FP + FN), the form scikit-learn computes; 0 when nothing is positive in
    /// truth or prediction (scikit-learn's zero_division default).
    @inline(__always)
    static func f1(tp: Double, fp: Double, fn: Double) -> Double {
        let d = 2 * tp + fp + fn
        return d > 0 ? 2 * tp / d : 0
    }

    /// a / b, or 0 when b is 0 (precision and recall with nothing to divide by, as scikit-learn reports them).
    @inline(__always)
    static func ratio(_ a: Double, _ b: Double) -> Double { b > 0 ? a / b : 0 }
}
