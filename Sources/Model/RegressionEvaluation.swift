// Batched inference over a dataset with real-valued targets: mean loss, and per target column the
// mean squared error, mean absolute error and R² (1 − SS_res/SS_tot, as scikit-learn's r2_score:
// SS_tot around the evaluated targets' own mean; a constant target scores 1 when predicted exactly,
// else 0). Errors are in the units the network sees (standardized targets); the caller scales MSE
// and MAE back by each target's standard deviation. R² does not depend on the scale.

public struct RegressionEvaluation {
    public var loss: Float
    public var samples: Int
    /// Per target column, in the network's units.
    public var meanSquaredError: [Double], meanAbsoluteError: [Double], r2: [Double]
    /// The network's outputs for every example, row-major (samples × targets), in its units.
    public var predictions: [Float]

    public static func run(_ network: Network, on data: Dataset, batchSize: Int = 1000) -> RegressionEvaluation {
        let x = Matrix(rows: max(1, min(batchSize, data.count)), cols: network.inputFeatures)
        return run(on: data, batchSize: batchSize, outputs: network.outputFeatures, loss: network.loss) { (start, n) -> Matrix in
            data.slice(from: start, count: n, into: x, labels: nil)
            return network.forward(x, training: false)
        }
    }

    /// The same for any forward pass: `forward(start, n)` returns the outputs (n, outputs) for
    /// examples start..<start+n of `data`.
    public static func run<E: Error>(on data: Dataset, batchSize: Int, outputs w: Int, loss: Loss,
                                     forward: (_ start: Int, _ count: Int) throws(E) -> Matrix) throws(E) -> RegressionEvaluation {
        precondition(data.targetWidth == w, "the dataset has \(data.targetWidth) targets, the network \(w) outputs")
        let bs = max(1, min(batchSize, data.count))
        let t = Matrix(rows: bs, cols: w)
        guard case .values(let allTargets, _) = data.targets else { preconditionFailure("regression needs value targets") }
        var predictions = [Float](repeating: 0, count: data.count * w)
        var lossSum = 0.0
        var sq = [Double](repeating: 0, count: w), ab = [Double](repeating: 0, count: w)
        var sum = [Double](repeating: 0, count: w), sumSq = [Double](repeating: 0, count: w)
        var start = 0
        while start < data.count {
            let n = min(bs, data.count - start)
            let out = try forward(start, n)
            t.resize(rows: n)
            allTargets.withUnsafeBufferPointer { t.data.update(from: $0.baseAddress! + start * w, count: n * w) }
            lossSum += Double(loss.forward(out, labels: nil, targets: t, computeGradient: false)) * Double(n)
            for r in 0..<n {
                for j in 0..<w {
                    let y = out.data[r * w + j], target = Double(t.data[r * w + j])
                    predictions[(start + r) * w + j] = y
                    let d = Double(y) - target
                    sq[j] += d * d
                    ab[j] += abs(d)
                    sum[j] += target
                    sumSq[j] += target * target
                }
            }
            start += n
        }
        let count = Double(max(data.count, 1))
        let r2 = (0..<w).map { j -> Double in
            let total = sumSq[j] - sum[j] * sum[j] / count  // Σ (t − mean)²
            if total <= 1e-12 * max(sumSq[j], 1) { return sq[j] <= 1e-12 ? 1 : 0 }
            return 1 - sq[j] / total
        }
        return RegressionEvaluation(loss: Float(lossSum / count), samples: data.count,
                                    meanSquaredError: sq.map { $0 / count }, meanAbsoluteError: ab.map { $0 / count },
                                    r2: r2, predictions: predictions)
    }
}
