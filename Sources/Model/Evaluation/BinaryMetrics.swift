// The figures of a binary classifier, from the probability p_i of the positive class, the truth y_i
// (positive or not) and weights w_i (MetricInputs.swift: weighted means, a row of weight 0 absent).
// Each agrees with scikit-learn's function of the same name to 1e-6 (Scripts/metrics_oracle.py).
//
// At the decision threshold t, a row is predicted positive when p_i ≥ t; TP, FP, TN, FN are the
// weights of the four kinds of rows, P = TP + FN, N = TN + FP, W = P + N.
//   precision = TP/(TP + FP), recall = TP/P, F1 = 2TP/(2TP + FP + FN)      (each 0 where it divides by 0)
//   accuracy = (TP + TN)/W
//   balanced accuracy = mean of TP/P and TN/N over the classes with weight (balanced_accuracy_score)
//   log-loss = −(1/W) Σ w_i·log(clip(y_i ? p_i : 1 − p_i))   (clip to [ε, 1 − ε], ε = 2.2e-16: log_loss)
//   Brier score = (1/W) Σ w_i·(y_i − p_i)²                      (brier_score_loss)
//   ROC AUC and average precision: RankingCurve.swift (threshold-free; nil when undefined)

public struct BinaryMetrics: Equatable, Sendable {
    public let threshold: Double
    /// Rows, and their total weight (the row count without weights).
    public let rows: Int
    public let totalWeight: Double
    /// Weighted counts at the threshold.
    public let truePositives: Double, falsePositives: Double, trueNegatives: Double, falseNegatives: Double
    public let precision: Double
    public let recall: Double
    public let f1: Double
    public let accuracy: Double
    public let balancedAccuracy: Double
    public let logLoss: Double
    public let brierScore: Double
    /// nil when only one class has weight: the area is undefined then.
    public let rocAUC: Double?
    /// nil when no positive row has weight.
    public let averagePrecision: Double?

    /// Weight of the positive rows.
    public var positiveWeight: Double { truePositives + falseNegatives }

    /// Every figure at once (one sort for both areas). nil when the weights sum to 0.
    /// - Parameters:
    ///   - probabilities: P(positive) per row, each in [0, 1] (the caller refuses NaN: MetricInputs).
    ///   - positives: whether each row is of the positive class.
    ///   - weights: per row, ≥ 0; nil: all 1.
    ///   - threshold: p ≥ threshold predicts the positive class.
    public static func compute(
        probabilities: [Double], positives: [Bool], weights: [Double]? = nil,
        threshold: Double = 0.5
    ) -> BinaryMetrics? {
        let n = positives.count
        precondition(probabilities.count == n, "one probability per row")
        precondition(MetricInputs.firstInvalidProbability(probabilities) == nil, "a probability is NaN or outside [0, 1]")
        MetricInputs.checkWeights(weights, rows: n)
        var tp = 0.0
        var fp = 0.0
        var tn = 0.0
        var fn = 0.0
        var logLoss = 0.0
        var brier = 0.0
        for i in 0..<n {
            let w = weights?[i] ?? 1
            if w == 0 { continue }
            let p = probabilities[i]
            let y = positives[i]
            if p >= threshold {
                if y { tp += w } else { fp += w }
            } else {
                if y { fn += w } else { tn += w }
            }
            logLoss -= w * MetricInputs.clippedLog(y ? p : 1 - p)
            let d = (y ? 1 : 0) - p
            brier += w * d * d
        }
        let total = tp + fp + tn + fn
        guard total > 0 else { return nil }
        let pos = tp + fn
        let neg = tn + fp
        var recalls = [Double]()
        if neg > 0 { recalls.append(tn / neg) }
        if pos > 0 { recalls.append(tp / pos) }
        let curve = RankingCurve(scores: probabilities, positives: positives, weights: weights)
        return BinaryMetrics(
            threshold: threshold, rows: n, totalWeight: total,
            truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn,
            precision: MetricInputs.ratio(tp, tp + fp), recall: MetricInputs.ratio(tp, pos),
            f1: MetricInputs.f1(tp: tp, fp: fp, fn: fn), accuracy: (tp + tn) / total,
            balancedAccuracy: recalls.reduce(0, +) / Double(recalls.count),
            logLoss: logLoss / total, brierScore: brier / total,
            rocAUC: curve.rocAUC, averagePrecision: curve.averagePrecision)
    }

    /// ROC AUC of any scores (higher: more likely positive); nil when only one class has weight.
    public static func rocAUC(scores: [Double], positives: [Bool], weights: [Double]? = nil) -> Double? {
        precondition(scores.count == positives.count, "one score per row")
        precondition(MetricInputs.firstNonFinite(scores) == nil, "a score is not finite")
        MetricInputs.checkWeights(weights, rows: positives.count)
        return RankingCurve(scores: scores, positives: positives, weights: weights).rocAUC
    }

    /// Average precision of any scores; nil when no positive row has weight.
    public static func averagePrecision(scores: [Double], positives: [Bool], weights: [Double]? = nil) -> Double? {
        precondition(scores.count == positives.count, "one score per row")
        precondition(MetricInputs.firstNonFinite(scores) == nil, "a score is not finite")
        MetricInputs.checkWeights(weights, rows: positives.count)
        return RankingCurve(scores: scores, positives: positives, weights: weights).averagePrecision
    }
}
