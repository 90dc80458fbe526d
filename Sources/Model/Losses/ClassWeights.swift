// Class weights: how much a class's examples count in the training loss.
//
// `balanced` is scikit-learn's compute_class_weight("balanced", classes=np.unique(y), y=y):
//     weight_c = n / (k · count_c)
// with n the examples and k the classes that have at least one. Each present class then carries the
// same total weight n/k, and the weights average to 1 over the examples, so the loss keeps its scale.
// A class with no examples gets 0 (it has nothing to weight; scikit-learn refuses such a class).
// The counts are unweighted even when the examples carry sample weights, as scikit-learn's estimators
// compute them.

public enum ClassWeights {
    /// n / (k·count_c) for each class c of `counts` (examples per class), 0 where count_c is 0.
    public static func balanced(counts: [Int]) -> [Double] {
        let n = counts.reduce(0, +)
        let present = counts.filter { $0 > 0 }.count
        return counts.map { $0 > 0 ? Double(n) / (Double(present) * Double($0)) : 0 }
    }

    /// `balanced(counts:)` of the labels' class counts (classes 0 ..< `classes`).
    public static func balanced(labels: [Int32], classes: Int) -> [Double] {
        var counts = [Int](repeating: 0, count: classes)
        for y in labels { counts[Int(y)] += 1 }
        return balanced(counts: counts)
    }

    /// Each example's weight in the loss: its sample weight (1 without) times its class's weight
    /// (1 without). What the batch gather computes row by row, for the whole data at once.
    public static func exampleWeights(labels: [Int32], classWeights: [Float]?, sampleWeights: [Float]?) -> [Float] {
        precondition(sampleWeights.map { $0.count == labels.count } ?? true, "sample weights do not match the labels")
        return labels.indices.map { i in (sampleWeights?[i] ?? 1) * (classWeights.map { $0[Int(labels[i])] } ?? 1) }
    }
}

/// Multi-label (sigmoid) targets: per label k, the weight of a positive target and of a negative one.
/// A soft target T in [0, 1] weighs T·positive[k] + (1 − T)·negative[k].
public struct LabelWeights: Equatable, Sendable {
    public let positive: [Float]
    public let negative: [Float]

    public init(positive: [Float], negative: [Float]) {
        precondition(positive.count == negative.count, "one positive and one negative weight per label")
        self.positive = positive
        self.negative = negative
    }

    /// The balanced rule per label, each label a two-class problem: with n examples of which p_k
    /// have label k (target ≥ 0.5), positive[k] = n/(2·p_k) and negative[k] = n/(2·(n − p_k)); a label
    /// that is always or never on gets 1 for the value it takes and 0 for the other.
    /// `targets` holds `labels` values per example, row-major.
    public static func balanced(targets: [Float], labels: Int) -> LabelWeights {
        precondition(labels > 0 && targets.count % labels == 0, "targets are rows of one value per label")
        let n = targets.count / labels
        var on = [Int](repeating: 0, count: labels)
        for r in 0..<n { for k in 0..<labels where targets[r * labels + k] >= 0.5 { on[k] += 1 } }
        var positive = [Float]()
        var negative = [Float]()
        for k in 0..<labels {
            let w = ClassWeights.balanced(counts: [n - on[k], on[k]])
            negative.append(Float(w[0]))
            positive.append(Float(w[1]))
        }
        return LabelWeights(positive: positive, negative: negative)
    }
}
