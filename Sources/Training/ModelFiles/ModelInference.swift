// The forward pass evaluate and predict run, for a float model (the network, on OpenBLAS) or an INT8
// one (QuantizedModel, on oneDNN) alike: the commands call these and never ask which it is. A
// classifier calibrated by `mlp calibrate` has its logits divided by its temperature before the
// softmax or sigmoid, here and only here, so that every figure and probability read through a
// LoadedModel (evaluate's loss included) is the calibrated one.
import Model
import Quantized

extension LoadedModel {
    /// Accuracy, loss and confusion of a classification on `data`.
    public func evaluate(_ data: Dataset, batchSize: Int) throws(TrainingError) -> Evaluation {
        if quantized == nil && temperature == 1 { return Evaluation.run(network, on: data, batchSize: batchSize) }
        let net = network
        let x = Matrix(rows: max(1, min(batchSize, data.count)), cols: net.inputFeatures)
        return try Evaluation.run(
            on: data, batchSize: batchSize, classes: net.classes, loss: net.loss,
            probabilities: net.probabilities(of:)
        ) { (start, n) throws(TrainingError) -> Matrix in
            try tempered(outputs(data, from: start, count: n, using: x))
        }
    }

    /// Loss, probabilities and exact rows of a multi-label model on `data`.
    public func evaluateMultilabel(_ data: Dataset, batchSize: Int, threshold: Float = 0.5) throws(TrainingError) -> MultilabelEvaluation {
        let net = network
        let x = Matrix(rows: max(1, min(batchSize, data.count)), cols: net.inputFeatures)
        return try MultilabelEvaluation.run(
            on: data, batchSize: batchSize, labels: net.outputFeatures, loss: net.loss, threshold: threshold,
            probabilities: net.probabilities(of:)
        ) { (start, n) throws(TrainingError) -> Matrix in
            try tempered(outputs(data, from: start, count: n, using: x))
        }
    }

    /// RMSE, MAE and R² of a regression on `data`.
    public func evaluateRegression(_ data: Dataset, batchSize: Int) throws(TrainingError) -> RegressionEvaluation {
        guard let q = quantized else { return RegressionEvaluation.run(network, on: data, batchSize: batchSize) }
        return try RegressionEvaluation.run(
            on: data, batchSize: batchSize, outputs: network.outputFeatures,
            loss: network.loss
        ) { (start, n) throws(TrainingError) -> Matrix in
            try int8 { () throws(OneDNNError) in try q.forward(data, from: start, count: n) }
        }
    }

    /// The probabilities (or values) for examples start..<start+n of `data`; `x` is the float path's
    /// input buffer. The result is reused by the next call.
    public func predict(_ data: Dataset, from start: Int, count n: Int, using x: Matrix) throws(TrainingError) -> Matrix {
        network.probabilities(of: tempered(try outputs(data, from: start, count: n, using: x)))
    }

    /// The probabilities (or values) for the rows of `x`.
    public func predict(_ x: Matrix) throws(TrainingError) -> Matrix {
        network.probabilities(of: tempered(try outputs(x)))
    }

    /// The last layer's raw outputs (the logits of a classifier, before any temperature) for examples
    /// start..<start+n of `data`; `x` is the float path's input buffer. Reused by the next call.
    public func outputs(_ data: Dataset, from start: Int, count n: Int, using x: Matrix) throws(TrainingError) -> Matrix {
        if let q = quantized { return try int8 { () throws(OneDNNError) in try q.forward(data, from: start, count: n) } }
        data.slice(from: start, count: n, into: x, labels: nil)
        return network.forward(x, training: false)
    }

    /// The raw outputs for the rows of `x`.
    public func outputs(_ x: Matrix) throws(TrainingError) -> Matrix {
        if let q = quantized { return try int8 { () throws(OneDNNError) in try q.forward(floats: x.data, rows: x.rows) } }
        return network.forward(x, training: false)
    }

    /// Raw outputs divided, in place, by the temperature (z/T, as the exported graph's Div node).
    func tempered(_ z: Matrix) -> Matrix {
        let t = temperature
        guard t != 1 else { return z }
        let p = z.data
        for i in 0..<(z.rows * z.cols) { p[i] = p[i] / t }
        return z
    }
}

/// `body`'s result; a failure of the INT8 engine (it names the model file) is a data error.
func int8<T>(_ body: () throws(OneDNNError) -> T) throws(TrainingError) -> T {
    do { return try body() } catch { throw .data(error.message) }
}
