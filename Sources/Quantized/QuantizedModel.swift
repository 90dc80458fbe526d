// An INT8 model as evaluate and predict run it: its dense layers in oneDNN's INT8 matmul, in runs of consecutive dense layers (one Int8Network each), and between the runs the few
// layers INT8 does not take, in float: a batch norm that follows an activation (it cannot be folded
// into the dense layer before it) and a standalone activation after a dense layer that has its own.
//
//   stage      INT8 run of dense layers | float layer | INT8 run | ...      (the last layer is dense)
//
// The float layers are the twin network's own (the float Network with the dequantized weights that
// LoadedModel carries for summary and inspect), so they compute what the float model computes.
// An image model's first run takes the pixel bytes themselves (Int8Network.forward(bytes:)): one
// forward pass serves byte and float inputs, which differ only in how the first stage reads them.
//
// Batch sizes. oneDNN makes a primitive per layer for every new batch size (milliseconds for a whole
// network, more than a batch's work), which a stream of CSV blocks of varying sizes would pay again
// and again. Batches are run at a few sizes only: the command's batch size and the powers of two
// below it. A smaller
// batch is padded with copies of its last row, which leave every per-batch range (dynamic
// quantization) and so every real row's result exactly as they would be unpadded.
//
// oneDNN is opened on the first batch (or `prepare`), not when the file is read: summary and inspect
// never need it. Not thread-safe: one caller at a time, as Int8Network.
import Model

public final class QuantizedModel {
    /// How each layer's input activations are quantized.
    public enum Activations: Equatable, Sendable {
        /// Per batch, from its own range, at run time (as PyTorch's quantize_dynamic).
        case dynamic
        /// In fixed grids from ranges measured on `samples` calibration examples (mlp quantize --data).
        case calibrated(samples: Int)

        public var name: String { self == .dynamic ? "dynamic" : "static" }
    }

    /// One dense layer in INT8: its position in the architecture, s8 weights with a scale per output
    /// unit, float bias, fused activation, and (static) the calibrated range of its input.
    public struct DenseLayer {
        public let index: Int
        public let weights: QuantizedMatrix
        public let bias: [Float]
        public let activation: Activation
        public let inputRange: Int8Network.ActivationRange?

        public init(index: Int, weights: QuantizedMatrix, bias: [Float], activation: Activation, inputRange: Int8Network.ActivationRange?) {
            self.index = index
            self.weights = weights
            self.bias = bias
            self.activation = activation
            self.inputRange = inputRange
        }
    }

    /// The float twin (dequantized weights), whose non-dense layers run between the INT8 runs.
    public let network: Network
    public let dense: [DenseLayer]
    public let activations: Activations
    /// For an image model, the scale of its pixel bytes (x = scale·byte).
    public let byteScale: Float?
    /// The model file, for messages.
    public let path: String

    /// A batch of inputs [rows, inputs]: floats, or bytes times `byteScale` (an image model's pixels).
    public enum Input {
        case floats(UnsafePointer<Float>)
        case bytes(UnsafePointer<UInt8>)
    }

    private enum Stage {
        case int8(Int8Network, [Int8Network.LayerParameters], output: Matrix)
        case float(Layer)
    }
    private var stages: [Stage] = []
    private var dnnl: OneDNN?
    /// The largest batch; smaller ones are padded up to a power of two below it (see the top).
    private var batchRows = 1000
    private var paddedFloats: [Float] = []
    private var paddedBytes: [UInt8] = []
    private let inputMatrix: Matrix

    public init(network: Network, dense: [DenseLayer], activations: Activations, byteScale: Float?, path: String) {
        self.network = network
        self.dense = dense
        self.activations = activations
        self.byteScale = byteScale
        self.path = path
        inputMatrix = Matrix(rows: 0, cols: network.inputFeatures)
    }

    public var inputFeatures: Int { network.inputFeatures }
    public var outputFeatures: Int { network.outputFeatures }

    /// The bytes the INT8 weights, their scales and the biases take (what the file stores for them).
    public var int8Bytes: (weights: Int, floats: Int) {
        dense.reduce((0, 0)) { ($0.0 + $1.weights.values.count, $0.1 + 4 * (2 * $1.weights.rows + ($1.inputRange == nil ? 0 : 2))) }
    }

    /// Opens oneDNN with `threads` threads (nil: every CPU) and builds the INT8 runs for batches of
    /// up to `batch` rows. Called once, before the first batch.
    public func prepare(threads: Int?, batch: Int) throws(OneDNNError) {
        batchRows = max(1, batch)
        let d = try Self.openOneDNN(path)
        d.setThreads(threads ?? BLAS.processors)
        guard stages.isEmpty else { return }
        dnnl = d
        var run: [(DenseLayer, Int8Network.LayerParameters)] = []
        func endRun() {
            guard !run.isEmpty else { return }
            let parameters = run.map(\.1)
            let mode: Int8Network.Mode
            if case .calibrated = activations, run.allSatisfy({ $0.0.inputRange != nil }) {
                mode = .calibrated(run.map { $0.0.inputRange! })
            } else {
                mode = .dynamic
            }
            stages.append(
                .int8(
                    Int8Network(parameters, mode: mode, dnnl: d), parameters,
                    output: Matrix(rows: 0, cols: parameters.last!.weights.rows)))
            run = []
        }
        var next = 0
        for (i, layer) in network.layers.enumerated() {
            if next < dense.count, dense[next].index == i {
                let l = dense[next]
                run.append((l, Int8Network.LayerParameters(weights: l.weights, bias: l.bias, activation: l.activation)))
                next += 1
            } else if layer is Dropout {
                continue  // the identity at inference
            } else {
                endRun()
                stages.append(.float(layer))
            }
        }
        endRun()
    }

    static func openOneDNN(_ path: String) throws(OneDNNError) -> OneDNN {
        do { return try OneDNN.shared() } catch { throw OneDNNError("\(path): \(error.message)") }
    }

    /// The batch size a batch of `rows` runs at: the full batch, or the next power of two below it.
    public func plannedRows(_ rows: Int) -> Int {
        if rows >= batchRows { return rows }
        var p = 1
        while p < rows { p <<= 1 }
        return min(p, batchRows)
    }

    /// The raw outputs (rows, outputs) for `rows` examples of floats [rows, inputs]. The matrix is
    /// reused by the next call.
    public func forward(floats x: UnsafePointer<Float>, rows: Int) throws(OneDNNError) -> Matrix { try forward(.floats(x), rows: rows) }

    /// The same for pixel bytes [rows, inputs] of an image model (x = byteScale·byte).
    public func forward(bytes x: UnsafePointer<UInt8>, rows: Int) throws(OneDNNError) -> Matrix { try forward(.bytes(x), rows: rows) }

    /// The raw outputs for examples start..<start+n of `data` (bytes for an image dataset).
    public func forward(_ data: Dataset, from start: Int, count n: Int) throws(OneDNNError) -> Matrix {
        let f = data.features
        switch data.storage {
        case .bytes(let b, let scale) where byteScale == scale:
            return try b.withUnsafeBufferPointer { (p) throws(OneDNNError) -> Matrix in
                try forward(bytes: p.baseAddress! + start * f, rows: n)
            }
        default:
            data.slice(from: start, count: n, into: inputMatrix, labels: nil)
            return try forward(floats: inputMatrix.data, rows: n)
        }
    }

    /// A batch at its planned size: as it is, or padded with copies of its last row.
    private func forward(_ input: Input, rows: Int) throws(OneDNNError) -> Matrix {
        let planned = plannedRows(rows)
        guard planned != rows else { return try run(input, rows: rows) }
        let out: Matrix
        switch input {
        case .floats(let x):
            out = try Self.padded(x, rows: rows, to: planned, width: inputFeatures, in: &paddedFloats) { (p) throws(OneDNNError) in
                try run(.floats(p), rows: planned)
            }
        case .bytes(let x):
            out = try Self.padded(x, rows: rows, to: planned, width: inputFeatures, in: &paddedBytes) { (p) throws(OneDNNError) in
                try run(.bytes(p), rows: planned)
            }
        }
        out.resize(rows: rows)
        return out
    }

    /// `body` on `rows` rows of `width` values from `x` followed by copies of the last one up to
    /// `planned` rows, gathered in `buffer` (which keeps its capacity for the next batch).
    private static func padded<T>(
        _ x: UnsafePointer<T>, rows: Int, to planned: Int, width f: Int, in buffer: inout [T],
        _ body: (UnsafePointer<T>) throws(OneDNNError) -> Matrix
    ) throws(OneDNNError) -> Matrix {
        buffer.reserveCapacity(planned * f)
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: UnsafeBufferPointer(start: x, count: rows * f))
        for _ in rows..<planned { buffer.append(contentsOf: UnsafeBufferPointer(start: x + (rows - 1) * f, count: f)) }
        return try buffer.withUnsafeBufferPointer { (p) throws(OneDNNError) -> Matrix in try body(p.baseAddress!) }
    }

    /// Every stage in turn, on a batch of `rows`: the first INT8 run takes the input as it is
    /// (bytes straight into its u8 grid), a first float layer takes it as floats.
    private func run(_ input: Input, rows: Int) throws(OneDNNError) -> Matrix {
        if stages.isEmpty { try prepare(threads: nil, batch: batchRows) }
        var current: Matrix? = nil
        for stage in stages {
            switch stage {
            case .int8(let net, _, let output):
                output.resize(rows: rows)
                do {
                    switch (current, input) {
                    case (let current?, _): try net.forward(current.data, rows: rows, into: output.data)
                    case (nil, .bytes(let bytes)): try net.forward(bytes: bytes, scale: byteScale ?? 1, rows: rows, into: output.data)
                    case (nil, .floats(let floats)): try net.forward(floats, rows: rows, into: output.data)
                    }
                } catch { throw OneDNNError("\(path): \(error.message)") }
                current = output
            case .float(let layer):
                if current == nil { current = inputMatrix(input, rows: rows) }
                current = layer.forward(current!, training: false)
            }
        }
        return current!
    }

    /// The batch as a float matrix, for a model whose first layer is not dense.
    private func inputMatrix(_ input: Input, rows: Int) -> Matrix {
        inputMatrix.resize(rows: rows)
        let n = rows * inputFeatures
        switch input {
        case .floats(let floats): inputMatrix.data.update(from: floats, count: n)
        case .bytes(let bytes): for i in 0..<n { inputMatrix.data[i] = Float(bytes[i]) * (byteScale ?? 1) }
        }
        return inputMatrix
    }

    // MARK: Calibration

    /// The range each dense layer's input takes on `samples` examples `x` [samples, inputs] (floats:
    /// pixels already scaled), run through this model's dynamic INT8 layers: Int8Network.calibrate
    /// per run of dense layers, and the runs' outputs (and the float layers between them) computed in
    /// batches to feed the next run. In dense-layer order.
    public func calibrate(_ x: [Float], samples: Int, batch: Int = 1000) throws(OneDNNError) -> [Int8Network.ActivationRange] {
        if stages.isEmpty { try prepare(threads: nil, batch: batch) }
        guard let dnnl else { preconditionFailure("prepared") }
        var ranges: [Int8Network.ActivationRange] = []
        var data = x
        var width = inputFeatures
        for stage in stages {
            let outWidth: Int
            switch stage {
            case .int8(_, let parameters, _): outWidth = parameters.last!.weights.rows
            case .float(let layer): outWidth = layer.outputFeatures
            }
            var next = [Float](repeating: 0, count: samples * outWidth)
            do {
                switch stage {
                case .int8(_, let parameters, _):
                    ranges += try data.withUnsafeBufferPointer { (p) throws(OneDNNError) in
                        try Int8Network.calibrate(parameters, data: p.baseAddress!, samples: samples, batch: batch, dnnl: dnnl)
                    }
                    let net = Int8Network(parameters, mode: .dynamic, dnnl: dnnl)
                    var start = 0
                    while start < samples {
                        let n = min(batch, samples - start)
                        try data.withUnsafeBufferPointer { (p) throws(OneDNNError) in
                            try next.withUnsafeMutableBufferPointer { (q) throws(OneDNNError) in
                                try net.forward(p.baseAddress! + start * width, rows: n, into: q.baseAddress! + start * outWidth)
                            }
                        }
                        start += n
                    }
                case .float(let layer):
                    let m = Matrix(rows: 0, cols: width)
                    var start = 0
                    while start < samples {
                        let n = min(batch, samples - start)
                        m.resize(rows: n)
                        data.withUnsafeBufferPointer { m.data.update(from: $0.baseAddress! + start * width, count: n * width) }
                        let y = layer.forward(m, training: false)
                        next.withUnsafeMutableBufferPointer {
                            $0.baseAddress!.advanced(by: start * outWidth).update(from: y.data, count: n * outWidth)
                        }
                        start += n
                    }
                }
            } catch { throw OneDNNError("\(path): \(error.message)") }
            data = next
            width = outWidth
        }
        return ranges
    }
}
