// The figures of a classifier over C classes, from the probabilities P (n, C) row-major, the true
// classes y_i and weights w_i (MetricInputs.swift: weighted means, a row of weight 0 absent). The
// predicted class is the argmax of the row (the first one on ties, as numpy's argmax). Each agrees
// with scikit-learn to 1e-6 (Scripts/metrics_oracle.py).
//
// Per class k, with weights: TP_k (true k, predicted k), support S_k (true k), predicted Q_k.
//   precision_k = TP_k/Q_k, recall_k = TP_k/S_k, F1_k = 2TP_k/(S_k + Q_k)   (0 where they divide by 0)
//   macro F1 = mean of F1_k over the classes with S_k > 0 or Q_k > 0   (f1_score(average="macro"),
//              whose classes are those in the labels or the predictions)
//   weighted F1 = Σ_k S_k·F1_k / Σ_k S_k                               (average="weighted")
//   balanced accuracy = mean of recall_k over the classes with S_k > 0 (balanced_accuracy_score)
//   log-loss = −(1/W) Σ w_i·log(clip(P[i, y_i]))   (clip to [ε, 1 − ε], ε = 2.2e-16; rows not renormalized)
//   Brier score = (1/W) Σ w_i·Σ_k (onehot(y_i)_k − P[i,k])², halved when C = 2 (brier_score_loss's
//              scale_by_half="auto", so that two classes give the binary score)
//   top-k accuracy = (1/W) Σ w_i·[y_i among the k highest of row i]   (top_k_accuracy_score: on ties the
//              class with the larger index ranks higher, as its reversed stable argsort orders them;
//              with two classes and k = 1 it predicts class 1 when P[i,1] > 0.5, as it does there)
//   one-vs-rest ROC AUC_k = the binary ROC AUC of P[:, k] against [y = k] (RankingCurve.swift); the macro
//              figure is their mean over the classes where it is defined (both [y = k] and [y ≠ k] have
//              weight). scikit-learn's roc_auc_score(multi_class="ovr", average="macro") gives the same
//              when every class is present and nan (or an error) when one is not; nil when none is defined.

public struct MulticlassMetrics: Equatable, Sendable {
    public struct ClassScores: Equatable, Sendable {
        public let precision: Double
        public let recall: Double
        public let f1: Double
        /// Weight of the rows of this class, and of the rows predicted as it.
        public let support: Double
        public let predicted: Double
        /// One-vs-rest ROC AUC; nil when this class, or every other, has no weight.
        public let rocAUC: Double?
    }

    public let classes: Int
    public let rows: Int
    public let totalWeight: Double
    public let accuracy: Double
    public let balancedAccuracy: Double
    public let macroF1: Double
    public let weightedF1: Double
    public let logLoss: Double
    public let brierScore: Double
    /// The k of `topKAccuracy`.
    public let k: Int
    public let topKAccuracy: Double
    /// Mean one-vs-rest ROC AUC over the classes where it is defined; nil where it is nowhere.
    public let macroRocAUC: Double?
    /// Classes averaged into `macroRocAUC`.
    public let rocAUCClasses: Int
    public let perClass: [ClassScores]

    /// Every figure at once. nil when the weights sum to 0.
    /// - Parameters:
    ///   - probabilities: n rows of `classes` probabilities, row-major, each in [0, 1].
    ///   - labels: the true class of each row, 0 ..< classes.
    ///   - weights: per row, ≥ 0; nil: all 1.
    ///   - k: for the top-k accuracy.
    ///   - rocAUC: false skips the C one-vs-rest areas (C sorts), the one costly figure.
    public static func compute(
        probabilities: [Double], classes: Int, labels: [Int32], weights: [Double]? = nil,
        k: Int = 5, rocAUC: Bool = true
    ) -> MulticlassMetrics? {
        let n = labels.count
        let c = classes
        precondition(c >= 2 && probabilities.count == n * c, "one row of probabilities per label, two classes or more")
        precondition(labels.allSatisfy { $0 >= 0 && Int($0) < c }, "a label is outside the classes")
        precondition(MetricInputs.firstInvalidProbability(probabilities) == nil, "a probability is NaN or outside [0, 1]")
        precondition(k >= 1, "k is at least 1")
        MetricInputs.checkWeights(weights, rows: n)
        var tp = [Double](repeating: 0, count: c)
        var support = tp
        var predicted = tp
        var total = 0.0
        var logLoss = 0.0
        var brier = 0.0
        var topK = 0.0
        probabilities.withUnsafeBufferPointer { pp in
            for i in 0..<n {
                let w = weights?[i] ?? 1
                if w == 0 { continue }
                let p = pp.baseAddress! + i * c
                let y = Int(labels[i])
                var best = 0
                for j in 1..<c where p[j] > p[best] { best = j }
                total += w
                support[y] += w
                predicted[best] += w
                if best == y { tp[y] += w }
                logLoss -= w * MetricInputs.clippedLog(p[y])
                var b = 0.0
                for j in 0..<c {
                    let d = (j == y ? 1 : 0) - p[j]
                    b += d * d
                }
                brier += w * b
                if c == 2 && k == 1 {
                    if (p[1] > 0.5) == (y == 1) { topK += w }
                } else {
                    // classes ranked above y: higher probability, or equal with a larger index
                    var above = 0
                    for j in 0..<c where p[j] > p[y] || (p[j] == p[y] && j > y) { above += 1 }
                    if above < k { topK += w }
                }
            }
        }
        guard total > 0 else { return nil }
        var scores = [ClassScores]()
        var f1Sum = 0.0
        var f1Classes = 0
        var weightedF1 = 0.0
        var recallSum = 0.0
        var recallClasses = 0
        var aucSum = 0.0
        var aucClasses = 0
        for j in 0..<c {
            let f1 = MetricInputs.f1(tp: tp[j], fp: predicted[j] - tp[j], fn: support[j] - tp[j])
            if support[j] > 0 || predicted[j] > 0 {
                f1Sum += f1
                f1Classes += 1
            }
            if support[j] > 0 {
                recallSum += tp[j] / support[j]
                recallClasses += 1
            }
            weightedF1 += support[j] * f1
            var auc: Double?
            if rocAUC && support[j] > 0 && support[j] < total {
                let positives = labels.map { Int($0) == j }
                auc = RankingCurve(scores: probabilities, positives: positives, weights: weights, offset: j, stride: c).rocAUC
                if let auc {
                    aucSum += auc
                    aucClasses += 1
                }
            }
            scores.append(
                ClassScores(
                    precision: MetricInputs.ratio(tp[j], predicted[j]), recall: MetricInputs.ratio(tp[j], support[j]),
                    f1: f1, support: support[j], predicted: predicted[j], rocAUC: auc))
        }
        return MulticlassMetrics(
            classes: c, rows: n, totalWeight: total, accuracy: tp.reduce(0, +) / total,
            balancedAccuracy: recallSum / Double(recallClasses),
            macroF1: f1Sum / Double(f1Classes), weightedF1: weightedF1 / total,
            logLoss: logLoss / total, brierScore: brier / total * (c == 2 ? 0.5 : 1),
            k: k, topKAccuracy: topK / total,
            macroRocAUC: aucClasses > 0 ? aucSum / Double(aucClasses) : nil, rocAUCClasses: aucClasses,
            perClass: scores)
    }
}
