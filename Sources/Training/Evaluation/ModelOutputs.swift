// A network's answers for every row of a dataset, kept whole: the probabilities of a classification
// (or the outputs of a regression, in the network's units) and the mean loss, weighted by the rows'
// weights when the dataset has them (Σ_b loss_b·W_b / Σ_b W_b over the batches, each batch's loss the
// weighted mean of Loss.swift). The figures that need every row at once (the areas under the curves,
// the threshold's counts) are computed from these (EvaluationReport).
import Model
import Quantized

public struct ModelOutputs {
    /// Rows, and values per row.
    public let rows: Int
    public let width: Int
    /// Row-major, rows × width: probabilities (classification) or outputs (regression).
    public let values: [Float]
    /// The mean loss over the rows (weighted by their weights, when they have them).
    public let loss: Float

    /// Runs `data` through `forward` in batches of `batchSize`: `forward(start, n)` returns the raw
    /// outputs (n, width) of rows start..<start+n, `probabilities` the loss's reading of them (a
    /// regression's outputs are kept as they are).
    public static func collect<E: Error>(
        on data: Dataset, batchSize: Int, width: Int, loss: Loss,
        probabilities: (Matrix) -> Matrix,
        forward: (_ start: Int, _ count: Int) throws(E) -> Matrix
    ) throws(E) -> ModelOutputs {
        let n = data.count
        let bs = max(1, min(batchSize, n))
        let regression = data.targetWidth > 0
        precondition(!regression || data.targetWidth == width, "the dataset has \(data.targetWidth) targets, the network \(width) outputs")
        var values = [Float](repeating: 0, count: n * width)
        let targets = regression ? Matrix(rows: bs, cols: width) : nil
        let labels = data.labels
        let weights = data.weights
        var lossSum = 0.0
        var weightSum = 0.0
        var start = 0
        while start < n {
            let count = min(bs, n - start)
            let out = try forward(start, count)
            if let targets, case .values(let all, _) = data.targets {
                targets.resize(rows: count)
                all.withUnsafeBufferPointer { targets.data.update(from: $0.baseAddress! + start * width, count: count * width) }
            }
            let batchLoss: Float = labels.withUnsafeBufferPointer { l in
                let labelPointer = regression ? nil : l.baseAddress! + start
                guard let weights else {
                    return loss.forward(out, labels: labelPointer, targets: targets, computeGradient: false)
                }
                return weights.withUnsafeBufferPointer { w in
                    loss.forward(out, labels: labelPointer, targets: targets, weights: w.baseAddress! + start, computeGradient: false)
                }
            }
            if let weights {
                var batchWeight = 0.0
                for i in start..<(start + count) { batchWeight += Double(weights[i]) }
                lossSum += Double(batchLoss) * batchWeight
                weightSum += batchWeight
            } else {
                lossSum += Double(batchLoss) * Double(count)
            }
            let p = regression ? out : probabilities(out)
            values.withUnsafeMutableBufferPointer { v in (v.baseAddress! + start * width).update(from: p.data, count: count * width) }
            start += count
        }
        let mean = weights == nil ? lossSum / Double(max(n, 1)) : (weightSum > 0 ? lossSum / weightSum : 0)
        return ModelOutputs(rows: n, width: width, values: values, loss: Float(mean))
    }

    /// The outputs of `network` (in evaluation mode) over `data`.
    public static func collect(_ network: Network, on data: Dataset, batchSize: Int) -> ModelOutputs {
        let x = Matrix(rows: max(1, min(batchSize, data.count)), cols: network.inputFeatures)
        return collect(
            on: data, batchSize: batchSize, width: network.outputFeatures, loss: network.loss,
            probabilities: network.probabilities(of:)
        ) { (start, n) -> Matrix in
            data.slice(from: start, count: n, into: x, labels: nil)
            return network.forward(x, training: false)
        }
    }
}

extension LoadedModel {
    /// The model's outputs over `data`, on the float network or the INT8 engine.
    /// A calibrated model's logits are divided by its temperature first (ModelInference.swift).
    public func outputs(_ data: Dataset, batchSize: Int) throws(TrainingError) -> ModelOutputs {
        if quantized == nil && temperature == 1 { return ModelOutputs.collect(network, on: data, batchSize: batchSize) }
        let net = network
        let x = Matrix(rows: max(1, min(batchSize, data.count)), cols: net.inputFeatures)
        return try ModelOutputs.collect(
            on: data, batchSize: batchSize, width: net.outputFeatures, loss: net.loss,
            probabilities: net.probabilities(of:)
        ) { (start, n) throws(TrainingError) -> Matrix in
            try tempered(outputs(data, from: start, count: n, using: x))
        }
    }
}

extension LoadedModel {
    /// Every figure of the model on labelled `data` (EvaluationReport): weighted by the data's
    /// weights when it has them; `decision` for two classes, `topK` for more. An output that is not
    /// a number (a model that overflows on these rows) is an error naming the row.
    public func report(
        _ data: Dataset, batchSize: Int, decision: EvaluationReport.Decision = .standard,
        topK: Int? = nil, targetScale: [Float] = []
    ) throws(TrainingError) -> EvaluationReport {
        let outputs = try outputs(data, batchSize: batchSize)
        if let i = outputs.values.firstIndex(where: { !$0.isFinite }) {
            throw .data(
                "the model's output for row \(i / max(outputs.width, 1)) is \(outputs.values[i].isNaN ? "NaN" : "infinite"); no figures can be computed"
            )
        }
        switch data.targets {
        case .classes(let labels):
            return EvaluationReport.classification(outputs, labels: labels, weights: data.weights, decision: decision, topK: topK)
        case .values(let targets, _):
            return EvaluationReport.regression(outputs, targets: targets, scale: targetScale, weights: data.weights)
        }
    }
}
