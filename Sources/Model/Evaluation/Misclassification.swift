// The mistakes an evaluation made, most confident first: the examples worth looking at.

public struct Misclassification: Equatable, Sendable {
    public let index: Int
    public let trueClass: Int
    public let predicted: Int
    /// The probability the network gave its (wrong) prediction.
    public let probability: Float

    public init(index: Int, trueClass: Int, predicted: Int, probability: Float) {
        self.index = index
        self.trueClass = trueClass
        self.predicted = predicted
        self.probability = probability
    }
}

extension Evaluation {
    /// Up to `count` wrong predictions, by descending confidence (ties: lower index first).
    /// `labels` are the true classes, in the order the evaluation saw the examples.
    public func mostConfidentMistakes(labels: [Int32], count: Int) -> [Misclassification] {
        var wrong: [Misclassification] = []
        for i in 0..<min(predictions.count, labels.count) where predictions[i] != Int(labels[i]) {
            wrong.append(Misclassification(index: i, trueClass: Int(labels[i]), predicted: predictions[i], probability: confidences[i]))
        }
        wrong.sort { $0.probability != $1.probability ? $0.probability > $1.probability : $0.index < $1.index }
        return Array(wrong.prefix(max(count, 0)))
    }
}
