// Choosing a binary classifier's decision threshold on held-out rows: the threshold t at which
// "p ≥ t predicts the positive class" scores best by a rule. The candidates are the distinct scores
// of the rows with weight (RankingCurve.swift), each the lowest score still predicted positive;
// at candidate s_i, TP_i and FP_i are the weights of the positive and negative rows with p ≥ s_i,
// P and N the total positive and negative weights.
//
//   youden: J_i = TP_i/P − FP_i/N (Youden's J = TPR − FPR), the argmax over scikit-learn's
//           roc_curve thresholds (without its leading +inf, the point (0, 0)); ties go to the
//           highest threshold, the first in roc_curve's decreasing order (numpy's argmax).
//           Undefined (nil) without positive or without negative weight.
//   f1:     F_i = 2·prec·rec/(prec + rec), prec = TP_i/(TP_i + FP_i), rec = TP_i/P (0 where
//           prec + rec = 0), the argmax over precision_recall_curve's thresholds; ties go to the
//           lowest threshold, the first in that curve's increasing order (numpy's argmax).
//           Undefined (nil) without positive weight.
//
// Each tie rule is the one `np.argmax` gives over scikit-learn's own curve, so the pick can be
// reproduced there; both figures are computed in the same floating-point form as scikit-learn's.
// Checked against Scripts/metrics_oracle.py.

public enum DecisionThreshold {
    public enum Rule: String, CaseIterable, Sendable {
        /// Maximize F1 of the positive class.
        case f1
        /// Maximize Youden's J = TPR − FPR.
        case youden
    }

    public struct Pick: Equatable, Sendable {
        /// p ≥ threshold predicts the positive class.
        public let threshold: Double
        /// The rule's figure there (F1, or J).
        public let value: Double
        /// Precision, recall (TPR) and false-positive rate there.
        public let precision: Double
        public let recall: Double
        public let falsePositiveRate: Double
    }

    /// The best threshold for `rule`; nil where the rule is undefined (see above).
    /// - Parameters:
    ///   - probabilities: P(positive) per row, each in [0, 1].
    ///   - positives: whether each row is of the positive class.
    ///   - weights: per row, ≥ 0; nil: all 1.
    public static func pickThreshold(
        probabilities: [Double], positives: [Bool], weights: [Double]? = nil,
        rule: Rule
    ) -> Pick? {
        precondition(probabilities.count == positives.count, "one probability per row")
        precondition(MetricInputs.firstInvalidProbability(probabilities) == nil, "a probability is NaN or outside [0, 1]")
        MetricInputs.checkWeights(weights, rows: positives.count)
        let curve = RankingCurve(scores: probabilities, positives: positives, weights: weights)
        let p = curve.positiveWeight
        let n = curve.negativeWeight
        guard p > 0, rule == .f1 || n > 0 else { return nil }
        func pick(_ i: Int, _ value: Double) -> Pick {
            let tp = curve.truePositives[i]
            let fp = curve.falsePositives[i]
            return Pick(
                threshold: curve.thresholds[i], value: value, precision: MetricInputs.ratio(tp, tp + fp),
                recall: tp / p, falsePositiveRate: MetricInputs.ratio(fp, n))
        }
        switch rule {
        case .youden:
            // decreasing thresholds: a strict > keeps the first (highest) of equal values
            var best = 0
            var bestJ = -Double.infinity
            for i in curve.thresholds.indices {
                let j = curve.truePositives[i] / p - curve.falsePositives[i] / n
                if j > bestJ {
                    best = i
                    bestJ = j
                }
            }
            return pick(best, bestJ)
        case .f1:
            // precision_recall_curve stops at the first threshold with full recall: lower ones add
            // only negatives, so their F1 is lower and they never win.
            let last = curve.truePositives.firstIndex { $0 >= p } ?? curve.thresholds.count - 1
            // increasing thresholds (from `last` down to 0): a strict > keeps the lowest of equal values
            var best = last
            var bestF = -Double.infinity
            for i in stride(from: last, through: 0, by: -1) {
                let tp = curve.truePositives[i]
                let fp = curve.falsePositives[i]
                let precision = tp + fp > 0 ? tp / (tp + fp) : 0
                let recall = tp / p
                let f = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
                if f > bestF {
                    best = i
                    bestF = f
                }
            }
            return pick(best, bestF)
        }
    }
}
