// Batched inference over a whole dataset: mean loss, accuracy, predicted classes, confusion matrix.

public struct Evaluation {
    public var loss: Float
    public var accuracy: Float
    public var samples: Int
    /// Examples predicted right, and the loss summed over the examples (for adding up shares).
    public var correct: Int
    public var lossSum: Double
    /// Predicted class of every example.
    public var predictions: [Int]
    /// Probability the network gave its predicted class, per example.
    public var confidences: [Float]
    /// confusion[true][predicted]
    public var confusion: [[Int]]

    /// Runs `data` (its examples `rows`, default all) through `network` in evaluation mode,
    /// `batchSize` examples at a time. The result describes those rows only.
    public static func run(_ network: Network, on data: Dataset, rows: Range<Int>? = nil, batchSize: Int = 1000) -> Evaluation {
        let classes = network.classes
        let rows = rows ?? 0..<data.count
        let bs = max(1, min(batchSize, rows.count))
        let x = Matrix(rows: bs, cols: network.inputFeatures)
        let labels = UnsafeMutablePointer<Int32>.allocate(capacity: bs)
        defer { labels.deallocate() }
        var predictions = [Int](repeating: 0, count: rows.count)
        var confidences = [Float](repeating: 0, count: rows.count)
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        var lossSum: Double = 0, correct = 0
        var start = 0
        while start < rows.count {
            let n = min(bs, rows.count - start)
            data.slice(from: rows.lowerBound + start, count: n, into: x, labels: labels)
            let out = network.forward(x, training: false)
            lossSum += Double(network.loss.forward(out, labels: labels, targets: nil, computeGradient: false)) * Double(n)
            let probs = network.probabilities(of: out)
            for r in 0..<n {
                let p = probs.data + r * classes
                let k = Network.argmax(p, classes)
                predictions[start + r] = k
                confidences[start + r] = p[k]
                let y = Int(labels[r])
                if y < classes { confusion[y][k] += 1 }
                if k == y { correct += 1 }
            }
            start += n
        }
        let count = max(rows.count, 1)
        return Evaluation(loss: Float(lossSum / Double(count)), accuracy: Float(correct) / Float(count),
                          samples: rows.count, correct: correct, lossSum: lossSum, predictions: predictions, confidences: confidences,
                          confusion: confusion)
    }
}
