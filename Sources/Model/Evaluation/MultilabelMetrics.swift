// The figures of a multi-label classifier (one sigmoid output per label), from the probabilities
// P (n, L) row-major, the truth T (n, L) and weights w_i (MetricInputs.swift: weighted means, a row of
// weight 0 absent). Label k of row i is predicted on when P[i,k] ≥ t, the threshold. Each agrees with
// scikit-learn to 1e-6 (Scripts/metrics_oracle.py).
//
//   subset accuracy = (1/W) Σ w_i·[every label of row i right]          (accuracy_score on indicators)
//   Hamming loss    = (1/(W·L)) Σ w_i·#{k: label k of row i wrong}        (hamming_loss)
// Per label k, with weights: TP_k, FP_k, FN_k, support S_k = TP_k + FN_k.
//   precision_k = TP_k/(TP_k + FP_k), recall_k = TP_k/S_k, F1_k = 2TP_k/(2TP_k + FP_k + FN_k)  (0 on 0/0)
//   micro F1 = 2ΣTP/(2ΣTP + ΣFP + ΣFN)     macro F1 = mean of F1_k over all L labels   (f1_score)

public struct MultilabelMetrics: Equatable, Sendable {
    public struct LabelScores: Equatable, Sendable {
        public let precision: Double
        public let recall: Double
        public let f1: Double
        /// Weight of the rows where this label is on.
        public let support: Double
    }

    public let labels: Int
    public let rows: Int
    public let totalWeight: Double
    public let threshold: Double
    public let subsetAccuracy: Double
    public let hammingLoss: Double
    public let microPrecision: Double
    public let microRecall: Double
    public let microF1: Double
    public let macroF1: Double
    public let perLabel: [LabelScores]

    /// Every figure at once. nil when the weights sum to 0.
    /// - Parameters:
    ///   - probabilities: n rows of `labels` probabilities, row-major, each in [0, 1].
    ///   - truth: n rows of `labels` values, row-major: whether each label is on.
    ///   - weights: per row, ≥ 0; nil: all 1.
    ///   - threshold: P ≥ threshold predicts the label on.
    public static func compute(
        probabilities: [Double], labels: Int, truth: [Bool], weights: [Double]? = nil,
        threshold: Double = 0.5
    ) -> MultilabelMetrics? {
        let l = labels
        precondition(l >= 1 && truth.count % l == 0 && probabilities.count == truth.count, "rows of one value per label")
        precondition(MetricInputs.firstInvalidProbability(probabilities) == nil, "a probability is NaN or outside [0, 1]")
        let n = truth.count / l
        MetricInputs.checkWeights(weights, rows: n)
        var tp = [Double](repeating: 0, count: l)
        var fp = tp
        var fn = tp
        var total = 0.0
        var exact = 0.0
        var wrong = 0.0
        for i in 0..<n {
            let w = weights?[i] ?? 1
            if w == 0 { continue }
            total += w
            var mistakes = 0
            for k in 0..<l {
                let on = probabilities[i * l + k] >= threshold
                let y = truth[i * l + k]
                if on && y {
                    tp[k] += w
                } else if on {
                    fp[k] += w
                    mistakes += 1
                } else if y {
                    fn[k] += w
                    mistakes += 1
                }
            }
            if mistakes == 0 { exact += w }
            wrong += w * Double(mistakes)
        }
        guard total > 0 else { return nil }
        var scores = [LabelScores]()
        var f1Sum = 0.0
        for k in 0..<l {
            let f1 = MetricInputs.f1(tp: tp[k], fp: fp[k], fn: fn[k])
            f1Sum += f1
            scores.append(
                LabelScores(
                    precision: MetricInputs.ratio(tp[k], tp[k] + fp[k]), recall: MetricInputs.ratio(tp[k], tp[k] + fn[k]),
                    f1: f1, support: tp[k] + fn[k]))
        }
        let stp = tp.reduce(0, +)
        let sfp = fp.reduce(0, +)
        let sfn = fn.reduce(0, +)
        return MultilabelMetrics(
            labels: l, rows: n, totalWeight: total, threshold: threshold,
            subsetAccuracy: exact / total, hammingLoss: wrong / (total * Double(l)),
            microPrecision: MetricInputs.ratio(stp, stp + sfp), microRecall: MetricInputs.ratio(stp, stp + sfn),
            microF1: MetricInputs.f1(tp: stp, fp: sfp, fn: sfn), macroF1: f1Sum / Double(l), perLabel: scores)
    }
}
