// Batched inference of a multi-label network (one sigmoid output per label) over a dataset whose
// targets are 0/1 per label: the mean loss, every row's probabilities, and how many rows have every
// label right at the threshold (the subset accuracy's count). MultilabelMetrics takes the
// probabilities from here for the rest of the figures.

public struct MultilabelEvaluation {
    public var loss: Float
    public var samples: Int
    /// The loss summed over the rows, and the rows with every label right (for adding up shares).
    public var lossSum: Double
    public var exact: Int
    public var labels: Int
    /// P(label k on) for every row, row-major (samples × labels).
    public var probabilities: [Float]

    /// Runs `data` (its examples `rows`, default all) through `network` in evaluation mode.
    public static func run(
        _ network: Network, on data: Dataset, rows: Range<Int>? = nil, batchSize: Int = 1000,
        threshold: Float = 0.5
    ) -> MultilabelEvaluation {
        let rows = rows ?? 0..<data.count
        let x = Matrix(rows: max(1, min(batchSize, rows.count)), cols: network.inputFeatures)
        return run(
            on: data, rows: rows, batchSize: batchSize, labels: network.outputFeatures, loss: network.loss,
            threshold: threshold, probabilities: network.probabilities(of:)
        ) { (start, n) -> Matrix in
            data.slice(from: start, count: n, into: x, labels: nil)
            return network.forward(x, training: false)
        }
    }

    /// The same for any forward pass: `forward(start, n)` returns the raw outputs (n, labels) for
    /// examples start..<start+n of `data` (absolute indices, inside `rows`), and `probabilities` the
    /// loss's reading of them. Label k of a row is on when its probability is ≥ `threshold`.
    public static func run<E: Error>(
        on data: Dataset, rows: Range<Int>? = nil, batchSize: Int, labels w: Int, loss: Loss,
        threshold: Float = 0.5, probabilities: (Matrix) -> Matrix,
        forward: (_ start: Int, _ count: Int) throws(E) -> Matrix
    ) throws(E) -> MultilabelEvaluation {
        precondition(data.targetWidth == w, "the dataset has \(data.targetWidth) labels, the network \(w) outputs")
        guard case .values(let allTargets, _) = data.targets else { preconditionFailure("multi-label needs 0/1 targets per label") }
        let rows = rows ?? 0..<data.count
        let bs = max(1, min(batchSize, rows.count))
        let t = Matrix(rows: bs, cols: w)
        var out = [Float](repeating: 0, count: rows.count * w)
        var lossSum = 0.0
        var exact = 0
        var start = 0
        while start < rows.count {
            let n = min(bs, rows.count - start)
            let z = try forward(rows.lowerBound + start, n)
            t.resize(rows: n)
            allTargets.withUnsafeBufferPointer { t.data.update(from: $0.baseAddress! + (rows.lowerBound + start) * w, count: n * w) }
            lossSum += Double(loss.forward(z, labels: nil, targets: t, computeGradient: false)) * Double(n)
            let p = probabilities(z)
            for r in 0..<n {
                var right = true
                for k in 0..<w {
                    let q = p.data[r * w + k]
                    out[(start + r) * w + k] = q
                    if (q >= threshold) != (t.data[r * w + k] >= 0.5) { right = false }
                }
                if right { exact += 1 }
            }
            start += n
        }
        let count = max(rows.count, 1)
        return MultilabelEvaluation(
            loss: Float(lossSum / Double(count)), samples: rows.count, lossSum: lossSum, exact: exact,
            labels: w, probabilities: out)
    }

    /// The truth of every row and label (targets ≥ 0.5), row-major, of the rows evaluated.
    public static func truth(_ data: Dataset, rows: Range<Int>? = nil) -> [Bool] {
        guard case .values(let v, let w) = data.targets else { return [] }
        let rows = rows ?? 0..<data.count
        return v[(rows.lowerBound * w)..<(rows.upperBound * w)].map { $0 >= 0.5 }
    }
}
