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

    /// The sums the figures come from, per target column where there is one: adding two shares'
    /// sums gives the figures of the two together.
    public struct Sums {
        public var count: Int
        public var loss: Double
        public var squaredError: [Double], absoluteError: [Double], target: [Double], targetSquared: [Double]

        /// All the sums as one array (to add up across processes), and back.
        public var flattened: [Double] { [Double(count), loss] + squaredError + absoluteError + target + targetSquared }
        public init(flattened a: [Double]) {
            let w = (a.count - 2) / 4
            count = Int(a[0])
            loss = a[1]
            squaredError = Array(a[2..<(2 + w)])
            absoluteError = Array(a[(2 + w)..<(2 + 2 * w)])
            target = Array(a[(2 + 2 * w)..<(2 + 3 * w)])
            targetSquared = Array(a[(2 + 3 * w)...])
        }
        init(count: Int, loss: Double, squaredError: [Double], absoluteError: [Double], target: [Double], targetSquared: [Double]) {
            self.count = count
            self.loss = loss
            self.squaredError = squaredError
            self.absoluteError = absoluteError
            self.target = target
            self.targetSquared = targetSquared
        }
    }

    public var sums: Sums

    /// The figures of a set from its sums (no predictions).
    public init(sums: Sums) {
        let w = sums.squaredError.count
        let count = Double(max(sums.count, 1))
        let r2 = (0..<w).map { j -> Double in
            let total = sums.targetSquared[j] - sums.target[j] * sums.target[j] / count  // Σ (t − mean)²
            if total <= 1e-12 * max(sums.targetSquared[j], 1) { return sums.squaredError[j] <= 1e-12 ? 1 : 0 }
            return 1 - sums.squaredError[j] / total
        }
        self.init(
            loss: Float(sums.loss / count), samples: sums.count,
            meanSquaredError: sums.squaredError.map { $0 / count }, meanAbsoluteError: sums.absoluteError.map { $0 / count },
            r2: r2, predictions: [], sums: sums)
    }

    init(
        loss: Float, samples: Int, meanSquaredError: [Double], meanAbsoluteError: [Double], r2: [Double],
        predictions: [Float], sums: Sums
    ) {
        self.loss = loss
        self.samples = samples
        self.meanSquaredError = meanSquaredError
        self.meanAbsoluteError = meanAbsoluteError
        self.r2 = r2
        self.predictions = predictions
        self.sums = sums
    }

    /// Runs `data` (its examples `rows`, default all) through `network` in evaluation mode.
    public static func run(_ network: Network, on data: Dataset, rows: Range<Int>? = nil, batchSize: Int = 1000) -> RegressionEvaluation {
        let rows = rows ?? 0..<data.count
        let x = Matrix(rows: max(1, min(batchSize, rows.count)), cols: network.inputFeatures)
        return run(on: data, rows: rows, batchSize: batchSize, outputs: network.outputFeatures, loss: network.loss) {
            (start, n) -> Matrix in
            data.slice(from: start, count: n, into: x, labels: nil)
            return network.forward(x, training: false)
        }
    }

    /// The same for any forward pass: `forward(start, n)` returns the outputs (n, outputs) for
    /// examples start..<start+n of `data` (absolute indices, inside `rows`).
    public static func run<E: Error>(
        on data: Dataset, rows: Range<Int>? = nil, batchSize: Int, outputs w: Int, loss: Loss,
        forward: (_ start: Int, _ count: Int) throws(E) -> Matrix
    ) throws(E) -> RegressionEvaluation {
        precondition(data.targetWidth == w, "the dataset has \(data.targetWidth) targets, the network \(w) outputs")
        let rows = rows ?? 0..<data.count
        let bs = max(1, min(batchSize, rows.count))
        let t = Matrix(rows: bs, cols: w)
        guard case .values(let allTargets, _) = data.targets else { preconditionFailure("regression needs value targets") }
        var predictions = [Float](repeating: 0, count: rows.count * w)
        var lossSum = 0.0
        var sq = [Double](repeating: 0, count: w)
        var ab = [Double](repeating: 0, count: w)
        var sum = [Double](repeating: 0, count: w)
        var sumSq = [Double](repeating: 0, count: w)
        var start = 0
        while start < rows.count {
            let n = min(bs, rows.count - start)
            let out = try forward(rows.lowerBound + start, n)
            t.resize(rows: n)
            allTargets.withUnsafeBufferPointer { t.data.update(from: $0.baseAddress! + (rows.lowerBound + start) * w, count: n * w) }
            lossSum += Double(loss.forward(out, labels: nil, targets: t, computeGradient: false)) * Double(n)
            for r in 0..<n {
                for j in 0..<w {
                    let y = out.data[r * w + j]
                    let target = Double(t.data[r * w + j])
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
        var r = RegressionEvaluation(
            sums: Sums(
                count: rows.count, loss: lossSum, squaredError: sq, absoluteError: ab,
                target: sum, targetSquared: sumSq))
        r.predictions = predictions
        return r
    }
}
