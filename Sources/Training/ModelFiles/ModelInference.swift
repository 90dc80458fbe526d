// The forward pass evaluate and predict run, for a float model (the network, on OpenBLAS) or an INT8
// one (QuantizedModel, on oneDNN) alike: the commands call these and never ask which it is.
import Model
import Quantized

extension LoadedModel {
    /// Accuracy, loss and confusion of a classification on `data`.
    public func evaluate(_ data: Dataset, batchSize: Int) throws(TrainingError) -> Evaluation {
        guard let q = quantized else { return Evaluation.run(network, on: data, batchSize: batchSize) }
        let net = network
        return try Evaluation.run(on: data, batchSize: batchSize, classes: net.classes, loss: net.loss,
                                  probabilities: net.probabilities(of:)) { (start, n) throws(TrainingError) -> Matrix in
            try int8 { () throws(OneDNNError) in try q.forward(data, from: start, count: n) }
        }
    }

    /// RMSE, MAE and R² of a regression on `data`.
    public func evaluateRegression(_ data: Dataset, batchSize: Int) throws(TrainingError) -> RegressionEvaluation {
        guard let q = quantized else { return RegressionEvaluation.run(network, on: data, batchSize: batchSize) }
        return try RegressionEvaluation.run(on: data, batchSize: batchSize, outputs: network.outputFeatures,
                                            loss: network.loss) { (start, n) throws(TrainingError) -> Matrix in
            try int8 { () throws(OneDNNError) in try q.forward(data, from: start, count: n) }
        }
    }

    /// The probabilities (or values) for examples start..<start+n of `data`; `x` is the float path's
    /// input buffer. The result is reused by the next call.
    public func predict(_ data: Dataset, from start: Int, count n: Int, using x: Matrix) throws(TrainingError) -> Matrix {
        if let q = quantized { return network.probabilities(of: try int8 { () throws(OneDNNError) in try q.forward(data, from: start, count: n) }) }
        data.slice(from: start, count: n, into: x, labels: nil)
        return network.predict(x)
    }

    /// The probabilities (or values) for the rows of `x`.
    public func predict(_ x: Matrix) throws(TrainingError) -> Matrix {
        if let q = quantized { return network.probabilities(of: try int8 { () throws(OneDNNError) in try q.forward(floats: x.data, rows: x.rows) }) }
        return network.predict(x)
    }
}

/// `body`'s result; a failure of the INT8 engine (it names the model file) is a data error.
func int8<T>(_ body: () throws(OneDNNError) -> T) throws(TrainingError) -> T {
    do { return try body() } catch { throw .data(error.message) }
}
