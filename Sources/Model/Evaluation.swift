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
        let x = Matrix(rows: max(1, min(batchSize, data.count)), cols: network.inputFeatures)
        return run(on: data, batchSize: batchSize, classes: network.classes, loss: network.loss,
                   probabilities: network.probabilities(of:)) { (start, n) -> Matrix in
            data.slice(from: start, count: n, into: x, labels: nil)
            return network.forward(x, training: false)
        }
    }

    /// The same for any forward pass (the INT8 engine's, for one): `forward(start, n)` returns the raw
    /// outputs (n, classes) for examples start..<start+n of `data`, and `probabilities` the loss's
    /// reading of them.
    public static func run<E: Error>(on data: Dataset, batchSize: Int, classes: Int, loss: Loss,
                                     probabilities: (Matrix) -> Matrix,
                                     forward: (_ start: Int, _ count: Int) throws(E) -> Matrix) throws(E) -> Evaluation {
        let bs = max(1, min(batchSize, data.count))
        let allLabels = data.labels
        var predictions = [Int](repeating: 0, count: data.count)
        var confidences = [Float](repeating: 0, count: data.count)
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        var lossSum: Double = 0, correct = 0
        var start = 0
        while start < data.count {
            let n = min(bs, data.count - start)
            let out = try forward(start, n)
            allLabels.withUnsafeBufferPointer { all in
                let labels = all.baseAddress! + start
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
        let count = max(data.count, 1)
        return Evaluation(loss: Float(lossSum / Double(count)), accuracy: Float(correct) / Float(count),
                          samples: data.count, predictions: predictions, confidences: confidences,
                          confusion: confusion)
    }
}
