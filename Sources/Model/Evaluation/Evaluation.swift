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
        let rows = rows ?? 0..<data.count
        let x = Matrix(rows: max(1, min(batchSize, rows.count)), cols: network.inputFeatures)
        return run(
            on: data, rows: rows, batchSize: batchSize, classes: network.classes, loss: network.loss,
            probabilities: network.probabilities(of:)
        ) { (start, n) -> Matrix in
            data.slice(from: start, count: n, into: x, labels: nil)
            return network.forward(x, training: false)
        }
    }

    /// The same for any forward pass (the INT8 engine's, for one): `forward(start, n)` returns the raw
    /// outputs (n, classes) for examples start..<start+n of `data` (absolute indices, inside `rows`),
    /// and `probabilities` the loss's reading of them.
    public static func run<E: Error>(
        on data: Dataset, rows: Range<Int>? = nil, batchSize: Int, classes: Int, loss: Loss,
        probabilities: (Matrix) -> Matrix,
        forward: (_ start: Int, _ count: Int) throws(E) -> Matrix
    ) throws(E) -> Evaluation {
        let rows = rows ?? 0..<data.count
        let bs = max(1, min(batchSize, rows.count))
        let allLabels = data.labels
        var predictions = [Int](repeating: 0, count: rows.count)
        var confidences = [Float](repeating: 0, count: rows.count)
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        var lossSum: Double = 0
        var correct = 0
        var start = 0
        while start < rows.count {
            let n = min(bs, rows.count - start)
            let out = try forward(rows.lowerBound + start, n)
            allLabels.withUnsafeBufferPointer { all in
                let labels = all.baseAddress! + rows.lowerBound + start
                lossSum += Double(loss.forward(out, labels: labels, targets: nil, computeGradient: false)) * Double(n)
                let probs = probabilities(out)
                for r in 0..<n {
                    let p = probs.data + r * classes
                    let k = Network.argmax(p, classes)
                    predictions[start + r] = k
                    confidences[start + r] = p[k]
                    let y = Int(labels[r])
                    if y < classes { confusion[y][k] += 1 }
                    if k == y { correct += 1 }
                }
            }
            start += n
        }
        let count = max(rows.count, 1)
        return Evaluation(
            loss: Float(lossSum / Double(count)), accuracy: Float(correct) / Float(count),
            samples: rows.count, correct: correct, lossSum: lossSum, predictions: predictions, confidences: confidences,
            confusion: confusion)
    }
}
