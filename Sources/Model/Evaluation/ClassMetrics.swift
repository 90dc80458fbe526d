// Per-class precision, recall and F1 from a confusion matrix (confusion[true][predicted]).
//
// precision_k = C[k][k] / Σ_t C[t][k]   (of the examples predicted k, the share that are k)
// recall_k    = C[k][k] / Σ_p C[k][p]   (of the examples that are k, the share predicted k)
// F1_k        = 2·P·R / (P + R)
// A ratio with a zero denominator is 0, as scikit-learn reports it.

public struct ClassMetrics: Equatable, Sendable {
    public let classIndex: Int
    public let precision: Double
    public let recall: Double
    public let f1: Double
    /// Examples whose true class this is.
    public let support: Int
    /// Examples predicted as this class.
    public let predicted: Int

    /// One entry per row of `confusion`.
    public static func from(confusion: [[Int]]) -> [ClassMetrics] {
        let n = confusion.count
        return (0..<n).map { k in
            let tp = confusion[k][k]
            let support = confusion[k].reduce(0, +)
            let predicted = (0..<n).reduce(0) { $0 + confusion[$1][k] }
            let p = predicted == 0 ? 0 : Double(tp) / Double(predicted)
            let r = support == 0 ? 0 : Double(tp) / Double(support)
            let f = p + r == 0 ? 0 : 2 * p * r / (p + r)
            return ClassMetrics(classIndex: k, precision: p, recall: r, f1: f, support: support, predicted: predicted)
        }
    }

    /// Unweighted means of precision, recall and F1 over the classes that occur in the labels or
    /// the predictions (a class the data never mentions would only drag the average to 0).
    public static func macroAverage(_ metrics: [ClassMetrics]) -> (precision: Double, recall: Double, f1: Double, classes: Int) {
        let present = metrics.filter { $0.support > 0 || $0.predicted > 0 }
        let n = Double(max(present.count, 1))
        return (
            present.reduce(0) { $0 + $1.precision } / n, present.reduce(0) { $0 + $1.recall } / n,
            present.reduce(0) { $0 + $1.f1 } / n, present.count
        )
    }
}
