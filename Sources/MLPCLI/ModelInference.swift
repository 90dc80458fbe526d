// The forward pass evaluate and predict run, for a float model (the network, on OpenBLAS) or an INT8
// one (QuantizedModel, on oneDNN) alike: the commands call these and never ask which it is.
import Model
import Quantized
import Runtime

extension LoadedModel {
    /// Sets the threads (--threads) before the first batch: OpenBLAS's and the worker pool's for a
    /// float model; oneDNN's (OpenMP's) for an INT8 one, which is also opened now. The INT8 path never
    /// pins threads: the OpenMP threads oneDNN starts would inherit the pinned caller's single CPU.
    func useThreads(_ threads: Int?, batch: Int) throws(CLIError) {
        if let q = quantized {
            try int8 { () throws(OneDNNError) in try q.prepare(threads: threads, batch: batch) }
        } else {
            network.loops.runner = LoopThreads.configure(threads)
        }
    }

    /// Accuracy, loss and confusion of a classification on `data`.
    func evaluate(_ data: Dataset, batchSize: Int) throws(CLIError) -> Evaluation {
        guard let q = quantized else { return Evaluation.run(network, on: data, batchSize: batchSize) }
        let net = network
        return try Evaluation.run(on: data, batchSize: batchSize, classes: net.classes, loss: net.loss,
                                  probabilities: net.probabilities(of:)) { (start, n) throws(CLIError) -> Matrix in
            try int8 { () throws(OneDNNError) in try q.forward(data, from: start, count: n) }
        }
    }

    /// RMSE, MAE and R² of a regression on `data`.
    func evaluateRegression(_ data: Dataset, batchSize: Int) throws(CLIError) -> RegressionEvaluation {
        guard let q = quantized else { return RegressionEvaluation.run(network, on: data, batchSize: batchSize) }
        return try RegressionEvaluation.run(on: data, batchSize: batchSize, outputs: network.outputFeatures,
                                            loss: network.loss) { (start, n) throws(CLIError) -> Matrix in
            try int8 { () throws(OneDNNError) in try q.forward(data, from: start, count: n) }
        }
    }

    /// The probabilities (or values) for examples start..<start+n of `data`; `x` is the float path's
    /// input buffer. The result is reused by the next call.
    func predict(_ data: Dataset, from start: Int, count n: Int, using x: Matrix) throws(CLIError) -> Matrix {
        if let q = quantized { return network.probabilities(of: try int8 { () throws(OneDNNError) in try q.forward(data, from: start, count: n) }) }
        data.slice(from: start, count: n, into: x, labels: nil)
        return network.predict(x)
    }

    /// The probabilities (or values) for the rows of `x`.
    func predict(_ x: Matrix) throws(CLIError) -> Matrix {
        if let q = quantized { return network.probabilities(of: try int8 { () throws(OneDNNError) in try q.forward(floats: x.data, rows: x.rows) }) }
        return network.predict(x)
    }
}
