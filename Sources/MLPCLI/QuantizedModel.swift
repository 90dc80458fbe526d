// An INT8 model as evaluate and predict run it: its dense layers in oneDNN's INT8 matmul (Sources/
// Quantized), in runs of consecutive dense layers (one Int8Network each), and between the runs the few
// layers INT8 does not take, in float: a batch norm that follows an activation (it cannot be folded
// into the dense layer before it) and a standalone activation after a dense layer that has its own.
//
//   stage      INT8 run of dense layers | float layer | INT8 run | ...      (the last layer is dense)
//
// The float layers are the twin network's own (the float Network with the dequantized weights that
// LoadedModel carries for summary and inspect), so they compute what the float model computes.
// An image model's first run takes the pixel bytes themselves (Int8Network.forward(bytes:)).
//
// Batch sizes. oneDNN makes a primitive per layer for every new batch size (1–32 ms for a whole
// network in int8-bench here, up to 130 ms on other machines), which a stream of CSV blocks of varying
// sizes would pay again and again. Batches
// are run at a few sizes only: the command's batch size and the powers of two below it. A smaller
// batch is padded with copies of its last row, which leave every per-batch range (dynamic
// quantization) and so every real row's result exactly as they would be unpadded.
//
// oneDNN is opened on the first batch (or `prepare`), not when the file is read: summary and inspect
// never need it. Not thread-safe: one caller at a time, as Int8Network.
import Formats
import Model
import Quantized

final class QuantizedModel {
    /// How each layer's input activations are quantized.
    enum Activations: Equatable {
        /// Per batch, from its own range, at run time (as PyTorch's quantize_dynamic).
        case dynamic
        /// In fixed grids from ranges measured on `samples` calibration examples (mlp quantize --data).
        case calibrated(samples: Int)

        var name: String { self == .dynamic ? "dynamic" : "static" }
    }

    /// One dense layer in INT8: its position in the architecture, s8 weights with a scale per output
    /// unit, float bias, fused activation, and (static) the calibrated range of its input.
    struct DenseLayer {
        let index: Int
        let weights: QuantizedMatrix
        let bias: [Float]
        let activation: Activation
        let inputRange: Int8Network.ActivationRange?
    }

    /// The float twin (dequantized weights), whose non-dense layers run between the INT8 runs.
    let network: Network
    let dense: [DenseLayer]
    let activations: Activations
    /// For an image model, the scale of its pixel bytes (x = scale·byte).
    let byteScale: Float?
    /// The model file, for messages.
    let path: String

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

    init(network: Network, dense: [DenseLayer], activations: Activations, byteScale: Float?, path: String) {
        self.network = network
        self.dense = dense
        self.activations = activations
        self.byteScale = byteScale
        self.path = path
        inputMatrix = Matrix(rows: 0, cols: network.inputFeatures)
    }

    var inputFeatures: Int { network.inputFeatures }
    var outputFeatures: Int { network.outputFeatures }

    /// The bytes the INT8 weights, their scales and the biases take (what the file stores for them).
    var int8Bytes: (weights: Int, floats: Int) {
        dense.reduce((0, 0)) { ($0.0 + $1.weights.values.count, $0.1 + 4 * (2 * $1.weights.rows + ($1.inputRange == nil ? 0 : 2))) }
    }

    /// Opens oneDNN with `threads` threads (nil: every CPU) and builds the INT8 runs for batches of
    /// up to `batch` rows. Called once, before the first batch.
    func prepare(threads: Int?, batch: Int) throws(CLIError) {
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
            stages.append(.int8(Int8Network(parameters, mode: mode, dnnl: d), parameters,
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

    static func openOneDNN(_ path: String) throws(CLIError) -> OneDNN {
        do { return try OneDNN.shared() } catch { throw CLIError(.dataError, "\(path): \(error.message)") }
    }

    /// The batch size a batch of `rows` runs at: the full batch, or the next power of two below it.
    func plannedRows(_ rows: Int) -> Int {
        if rows >= batchRows { return rows }
        var p = 1
        while p < rows { p <<= 1 }
        return min(p, batchRows)
    }

    /// The raw outputs (rows, outputs) for `rows` examples of floats [rows, inputs]. The matrix is
    /// reused by the next call.
    func forward(floats x: UnsafePointer<Float>, rows: Int) throws(CLIError) -> Matrix {
        let planned = plannedRows(rows), f = inputFeatures
        guard planned != rows else { return try run(floats: x, bytes: nil, rows: rows) }
        paddedFloats.reserveCapacity(planned * f)
        paddedFloats.removeAll(keepingCapacity: true)
        paddedFloats.append(contentsOf: UnsafeBufferPointer(start: x, count: rows * f))
        for _ in rows..<planned { paddedFloats.append(contentsOf: UnsafeBufferPointer(start: x + (rows - 1) * f, count: f)) }
        let out = try paddedFloats.withUnsafeBufferPointer { (p) throws(CLIError) -> Matrix in
            try run(floats: p.baseAddress!, bytes: nil, rows: planned)
        }
        out.resize(rows: rows)
        return out
    }

    /// The same for pixel bytes [rows, inputs] of an image model (x = byteScale·byte).
    func forward(bytes x: UnsafePointer<UInt8>, rows: Int) throws(CLIError) -> Matrix {
        let planned = plannedRows(rows), f = inputFeatures
        guard planned != rows else { return try run(floats: nil, bytes: x, rows: rows) }
        paddedBytes.reserveCapacity(planned * f)
        paddedBytes.removeAll(keepingCapacity: true)
        paddedBytes.append(contentsOf: UnsafeBufferPointer(start: x, count: rows * f))
        for _ in rows..<planned { paddedBytes.append(contentsOf: UnsafeBufferPointer(start: x + (rows - 1) * f, count: f)) }
        let out = try paddedBytes.withUnsafeBufferPointer { (p) throws(CLIError) -> Matrix in
            try run(floats: nil, bytes: p.baseAddress!, rows: planned)
        }
        out.resize(rows: rows)
        return out
    }

    /// The raw outputs for examples start..<start+n of `data` (bytes for an image dataset).
    func forward(_ data: Dataset, from start: Int, count n: Int) throws(CLIError) -> Matrix {
        let f = data.features
        switch data.storage {
        case .bytes(let b, let scale) where byteScale == scale:
            return try b.withUnsafeBufferPointer { (p) throws(CLIError) -> Matrix in try forward(bytes: p.baseAddress! + start * f, rows: n) }
        default:
            data.slice(from: start, count: n, into: inputMatrix, labels: nil)
            return try forward(floats: inputMatrix.data, rows: n)
        }
    }

    /// Every stage in turn, on a batch of `rows` (exactly one of `floats` and `bytes`).
    private func run(floats: UnsafePointer<Float>?, bytes: UnsafePointer<UInt8>?, rows: Int) throws(CLIError) -> Matrix {
        if stages.isEmpty { try prepare(threads: nil, batch: batchRows) }
        var current: Matrix? = nil
        for stage in stages {
            switch stage {
            case .int8(let net, _, let output):
                output.resize(rows: rows)
                do {
                    if let current {
                        try net.forward(current.data, rows: rows, into: output.data)
                    } else if let bytes, let scale = byteScale {
                        try net.forward(bytes: bytes, scale: scale, rows: rows, into: output.data)
                    } else {
                        try net.forward(floats!, rows: rows, into: output.data)
                    }
                } catch { throw CLIError(.dataError, "\(path): \(error.message)") }
                current = output
            case .float(let layer):
                if current == nil { current = inputMatrix(floats: floats, bytes: bytes, rows: rows) }
                current = layer.forward(current!, training: false)
            }
        }
        return current!
    }

    /// The batch as a float matrix, for a model whose first layer is not dense.
    private func inputMatrix(floats: UnsafePointer<Float>?, bytes: UnsafePointer<UInt8>?, rows: Int) -> Matrix {
        inputMatrix.resize(rows: rows)
        let n = rows * inputFeatures
        if let floats { inputMatrix.data.update(from: floats, count: n) }
        if let bytes { for i in 0..<n { inputMatrix.data[i] = Float(bytes[i]) * (byteScale ?? 1) } }
        return inputMatrix
    }

    // MARK: Calibration

    /// The range each dense layer's input takes on `samples` examples `x` [samples, inputs] (floats:
    /// pixels already scaled), run through this model's dynamic INT8 layers: Int8Network.calibrate
    /// per run of dense layers, and the runs' outputs (and the float layers between them) computed in
    /// batches to feed the next run. In dense-layer order.
    func calibrate(_ x: [Float], samples: Int, batch: Int = 1000) throws(CLIError) -> [Int8Network.ActivationRange] {
        if stages.isEmpty { try prepare(threads: nil, batch: batch) }
        guard let dnnl else { preconditionFailure("prepared") }
        var ranges: [Int8Network.ActivationRange] = []
        var data = x, width = inputFeatures
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
                        next.withUnsafeMutableBufferPointer { $0.baseAddress!.advanced(by: start * outWidth).update(from: y.data, count: n * outWidth) }
                        start += n
                    }
                }
            } catch { throw CLIError(.dataError, "\(path): \(error.message)") }
            data = next
            width = outWidth
        }
        return ranges
    }
}

// MARK: Describing it (summary, inspect)

extension QuantizedModel {
    /// "activations dynamic (quantized per batch at run time)" or "... static (calibrated on N examples)".
    var activationsText: String {
        switch activations {
        case .dynamic: return "activations dynamic (each batch quantized to u8 from its own range at run time)"
        case .calibrated(let n): return "activations static (u8 in fixed ranges calibrated on \(n) example\(n == 1 ? "" : "s"))"
        }
    }

    /// One line for `mlp summary`: what is INT8 and what it takes.
    func summaryLine(floatArchitecture: String?) -> String {
        let (w, f) = int8Bytes
        return "INT8 (mlp quantize\(floatArchitecture.map { " of \($0)" } ?? "")): \(dense.count) dense layer\(dense.count == 1 ? "" : "s") with s8 weights and a float32 scale per output unit, \(grouped(w)) + \(grouped(f)) bytes; \(activationsText)"
    }

    /// The same as JSON.
    func json(floatArchitecture: String?) -> JSONValue {
        let (w, f) = int8Bytes
        var members: [(String, JSONValue)] = [("scheme", JSONValue(QuantizedModelFile.scheme)), ("activations", JSONValue(activations.name))]
        if case .calibrated(let n) = activations { members.append(("calibration_samples", JSONValue(n))) }
        members += [("int8_layers", .array(dense.map { JSONValue($0.index) })), ("int8_weight_bytes", JSONValue(w)),
                    ("float_bytes", JSONValue(f))]
        if let floatArchitecture { members.append(("float_architecture", JSONValue(floatArchitecture))) }
        return .object(members)
    }
}
