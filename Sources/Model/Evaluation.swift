// Batched inference over a whole dataset: mean loss, accuracy, predicted classes, confusion matrix.

public struct Evaluation {
    public var loss: Float
    public var accuracy: Float
    public var samples: Int
    /// Predicted class of every example.
    public var predictions: [Int]
    /// Probability the network gave its predicted class, per example.
    public var confidences: [Float]
    /// confusion[true][predicted]
    public var confusion: [[Int]]

    /// Runs `data` through `network` in evaluation mode, `batchSize` examples at a time.
    public static func run(_ network: Network, on data: Dataset, batchSize: Int = 1000) -> Evaluation {
        let classes = network.classes
        let bs = max(1, min(batchSize, data.count))
        let x = Matrix(rows: bs, cols: network.inputFeatures)
        let labels = UnsafeMutablePointer<Int32>.allocate(capacity: bs)
        defer { labels.deallocate() }
        var predictions = [Int](repeating: 0, count: data.count)
        var confidences = [Float](repeating: 0, count: data.count)
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        var lossSum: Double = 0, correct = 0
        var start = 0
        while start < data.count {
            let n = min(bs, data.count - start)
            data.slice(from: start, count: n, into: x, labels: labels)
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
        let count = max(data.count, 1)
        return Evaluation(loss: Float(lossSum / Double(count)), accuracy: Float(correct) / Float(count),
                          samples: data.count, predictions: predictions, confidences: confidences,
                          confusion: confusion)
    }
}
