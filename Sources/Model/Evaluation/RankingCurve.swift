// The ranking of one binary scoring, sorted once: the ROC curve and the precision-recall curve both
// read it, as scikit-learn's roc_curve and precision_recall_curve read _binary_clf_curve.
//
// Rows of weight 0 are dropped (as scikit-learn drops them), the rest sorted by decreasing score. At
// each distinct score s_i (a group of tied rows counts as one step), in decreasing order:
//     TP_i = Σ w of the positive rows with score ≥ s_i,   FP_i = Σ w of the negative rows with score ≥ s_i
// P = TP_last, N = FP_last, and (TP_0, FP_0) = (0, 0).
//
// ROC AUC (roc_auc_score): the trapezoidal area under (FP_i/N, TP_i/P), so a group of tied scores
// adds a diagonal segment (half credit for its positive-negative pairs):
//     AUC = Σ_i (FP_i − FP_{i−1})·(TP_i + TP_{i−1}) / (2·P·N)
// Undefined (nil) without positive or without negative weight. scikit-learn returns nan there.
//
// Average precision (average_precision_score): the step integral of precision over recall, without
// interpolation:
//     AP = Σ_i (TP_i − TP_{i−1})/P · TP_i/(TP_i + FP_i)
// Undefined (nil) without positive weight (scikit-learn returns 0 with a warning there).

public struct RankingCurve: Sendable {
    /// Distinct scores, decreasing.
    public let thresholds: [Double]
    /// Cumulative positive and negative weight at or above each threshold.
    public let truePositives: [Double]
    public let falsePositives: [Double]

    /// Total positive and negative weight.
    public var positiveWeight: Double { truePositives.last ?? 0 }
    public var negativeWeight: Double { falsePositives.last ?? 0 }

    /// `scores` and `positives` per row; `weights` per row (nil: all 1). `stride` reads every
    /// stride-th score from `offset` (one column of a row-major matrix).
    public init(scores: [Double], positives: [Bool], weights: [Double]? = nil, offset: Int = 0, stride: Int = 1) {
        let n = positives.count
        precondition(scores.count >= offset + (n - 1) * stride + 1 || n == 0, "a score per row")
        precondition(weights.map { $0.count == n } ?? true, "a weight per row")
        // (score, row) pairs sorted together: the comparisons read contiguous memory, not a column.
        var order = [(score: Double, row: Int32)]()
        order.reserveCapacity(n)
        scores.withUnsafeBufferPointer { s in
            for i in 0..<n where (weights?[i] ?? 1) != 0 { order.append((s[offset + i * stride], Int32(i))) }
        }
        order.sort { $0.score > $1.score }
        var thresholds = [Double]()
        var tps = [Double]()
        var fps = [Double]()
        var tp = 0.0
        var fp = 0.0
        for j in order.indices {
            let row = Int(order[j].row)
            let w = weights?[row] ?? 1
            if positives[row] { tp += w } else { fp += w }
            // the last row of a group of tied scores closes a step of the curves
            if j + 1 == order.count || order[j + 1].score != order[j].score {
                thresholds.append(order[j].score)
                tps.append(tp)
                fps.append(fp)
            }
        }
        self.thresholds = thresholds
        truePositives = tps
        falsePositives = fps
    }

    /// Area under the ROC curve; nil without positive or without negative weight.
    public var rocAUC: Double? {
        let p = positiveWeight
        let n = negativeWeight
        guard p > 0, n > 0 else { return nil }
        var area = 0.0
        var tp0 = 0.0
        var fp0 = 0.0
        for i in thresholds.indices {
            area += (falsePositives[i] - fp0) * (truePositives[i] + tp0)
            tp0 = truePositives[i]
            fp0 = falsePositives[i]
        }
        return area / (2 * p * n)
    }

    /// Average precision; nil without positive weight.
    public var averagePrecision: Double? {
        let p = positiveWeight
        guard p > 0 else { return nil }
        var ap = 0.0
        var tp0 = 0.0
        for i in thresholds.indices {
            let tp = truePositives[i]
            let predicted = tp + falsePositives[i]
            if tp > tp0 && predicted > 0 { ap += (tp - tp0) * (tp / predicted) }
            tp0 = tp
        }
        return max(0, ap / p)
    }
}
