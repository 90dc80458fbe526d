// A stack of INT8 dense layers run batch by batch: the inference engine behind a quantized model.
//
// Dynamic (the default): before each layer, the batch's float input is scanned for its range and
// quantized to u8 (ActivationQuantizer); each layer writes float output.
// Static: every layer's input grid was fixed beforehand from calibration data (`calibrate`); the
// first input is quantized in that grid, each hidden layer writes u8 straight into the next layer's
// grid (no float pass in between), and the last layer writes float.
// Either way, inputs that are bytes times a scale (images) can go in as they are: forward(bytes:).
//
// Buffers grow to the largest batch seen and are then reused: a batch allocates nothing.
import Model

public final class Int8Network {
    /// One dense layer's float parameters and activation, as the model file holds them (batch
    /// norm already folded in: see BatchNormFolding).
    public struct LayerParameters: Sendable {
        public let weights: QuantizedMatrix
        public let bias: [Float]
        public let activation: Activation
        public init(weights: QuantizedMatrix, bias: [Float], activation: Activation) {
            self.weights = weights
            self.bias = bias
            self.activation = activation
        }
    }

    public enum Mode: Equatable, Sendable {
        case dynamic
        /// The calibrated range of each layer's input, in layer order. The grids are made from them
        /// here, because how many levels a grid may use depends on the CPU (OneDNN.activationMaximum).
        case calibrated([ActivationRange])
    }

    /// The smallest and largest value a layer's input took on calibration data.
    public struct ActivationRange: Equatable, Sendable {
        public let min: Float, max: Float
        public init(min: Float, max: Float) {
            self.min = min
            self.max = max
        }
    }

    public let layers: [Int8Dense]
    public let mode: Mode
    /// The u8 grid of each layer's input in static mode (empty in dynamic mode).
    public let grids: [ActivationQuantization]
    private let maximum: Int32
    private let dnnl: OneDNN
    public let inputFeatures: Int
    public let outputFeatures: Int
    private let widest: Int
    private var capacityRows = 0
    private var bytes: [UnsafeMutablePointer<UInt8>] = []  // two u8 activation buffers
    private var floats: [UnsafeMutablePointer<Float>] = []  // two f32 activation buffers

    public init(_ parameters: [LayerParameters], mode: Mode = .dynamic, dnnl: OneDNN) {
        precondition(!parameters.isEmpty, "Int8Network: no layers")
        for (a, b) in zip(parameters, parameters.dropFirst()) {
            precondition(a.weights.rows == b.weights.cols, "Int8Network: layer widths \(a.weights.rows) and \(b.weights.cols) disagree")
        }
        let maximum = dnnl.activationMaximum
        var grids: [ActivationQuantization] = []
        if case .calibrated(let ranges) = mode {
            precondition(ranges.count == parameters.count, "Int8Network: \(ranges.count) calibrated ranges for \(parameters.count) layers")
            grids = ranges.map { ActivationQuantization(min: $0.min, max: $0.max, maximum: maximum) }
        }
        self.mode = mode
        self.grids = grids
        self.maximum = maximum
        self.dnnl = dnnl
        layers = parameters.enumerated().map { i, p in
            let output = i + 1 < grids.count ? grids[i + 1] : nil
            return Int8Dense(weights: p.weights, bias: p.bias, activation: p.activation, output: output, dnnl: dnnl)
        }
        inputFeatures = parameters[0].weights.cols
        outputFeatures = parameters.last!.weights.rows
        widest = parameters.map { max($0.weights.cols, $0.weights.rows) }.max()!
    }

    deinit { release() }

    private func release() {
        for p in bytes { p.deallocate() }
        for p in floats { p.deallocate() }
        bytes = []
        floats = []
    }

    private func reserve(rows: Int) {
        guard rows > capacityRows else { return }
        release()
        bytes = (0..<2).map { _ in .allocate(capacity: rows * widest) }
        floats = (0..<2).map { _ in .allocate(capacity: rows * widest) }
        capacityRows = rows
    }

    /// Creates every layer's primitive for batches of `rows` and sizes the buffers.
    public func prepare(rows: Int) throws(OneDNNError) {
        reserve(rows: rows)
        for l in layers { try l.prepare(rows: rows) }
    }

    /// `output` [rows, outputFeatures] (the last layer's float output: logits for a classifier)
    /// from `input` [rows, inputFeatures].
    public func forward(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) throws(OneDNNError) {
        guard rows > 0 else { return }
        reserve(rows: rows)
        let count = rows * inputFeatures
        let grid: ActivationQuantization
        switch mode {
        case .dynamic:
            let r = ActivationQuantizer.range(input, count: count, team: dnnl)
            grid = ActivationQuantization(min: r.min, max: r.max, maximum: maximum)
        case .calibrated:
            grid = grids[0]
        }
        ActivationQuantizer.quantize(input, count: count, with: grid, into: bytes[0], team: dnnl)
        try run(from: bytes[0], grid: grid, rows: rows, into: output)
    }

    /// The same for inputs that are bytes times a scale (pixels and the model's input scale,
    /// x = scale·byte): the bytes are already the first layer's u8 input, exactly, so no range or
    /// quantization pass is made and the input carries no quantization error. Where the grid has
    /// only levels 0...127 (OneDNN.activationMaximum) each byte is halved, rounding ties to even.
    public func forward(bytes input: UnsafePointer<UInt8>, scale: Float, rows: Int, into output: UnsafeMutablePointer<Float>)
        throws(OneDNNError)
    {
        guard rows > 0 else { return }
        reserve(rows: rows)
        if maximum >= 255 {
            try run(from: input, grid: ActivationQuantization(scale: scale, zeroPoint: 0, maximum: 255), rows: rows, into: output)
            return
        }
        let q = bytes[0]
        for i in 0..<(rows * inputFeatures) {
            let b = input[i]
            var h = b >> 1
            if b & 1 == 1 && h & 1 == 1 { h += 1 }  // b/2 = h + ½: round to the even neighbour
            q[i] = min(h, UInt8(maximum))
        }
        try run(from: q, grid: ActivationQuantization(scale: 2 * scale, zeroPoint: 0, maximum: maximum), rows: rows, into: output)
    }

    /// The layers from the first layer's u8 input `q` in `grid`. Dynamic: each layer writes float,
    /// whose range then sets the next grid. Static: each hidden layer writes u8 in the next grid.
    private func run(
        from q0: UnsafePointer<UInt8>, grid g0: ActivationQuantization, rows: Int,
        into output: UnsafeMutablePointer<Float>
    ) throws(OneDNNError) {
        var q = q0
        var grid = g0
        for (i, layer) in layers.enumerated() {
            let last = i == layers.count - 1
            switch mode {
            case .dynamic:
                let y = last ? output : floats[i % 2]
                try layer.forward(q, rows: rows, quantization: grid, into: y)
                if !last {
                    let count = rows * layer.outputFeatures
                    let r = ActivationQuantizer.range(y, count: count, team: dnnl)
                    grid = ActivationQuantization(min: r.min, max: r.max, maximum: maximum)
                    ActivationQuantizer.quantize(y, count: count, with: grid, into: bytes[0], team: dnnl)
                    q = UnsafePointer(bytes[0])
                }
            case .calibrated:
                // Layer i writes bytes[(i + 1) % 2]; the first reads q0 (the caller's, or bytes[0]).
                let next = bytes[(i + 1) % 2]
                try layer.forward(
                    q, rows: rows, quantization: grid, into: last ? UnsafeMutableRawPointer(output) : UnsafeMutableRawPointer(next))
                if !last {
                    q = UnsafePointer(next)
                    grid = grids[i + 1]
                }
            }
        }
    }

    /// The range of each layer's input over `samples` rows of `data` ([samples, inputFeatures]),
    /// run through the dynamic network in batches of `batch`: the smallest and largest value each
    /// layer's input takes (min/max calibration, as PyTorch's default observer).
    public static func calibrate(
        _ parameters: [LayerParameters], data: UnsafePointer<Float>, samples: Int,
        batch: Int = 1000, dnnl: OneDNN
    ) throws(OneDNNError) -> [ActivationRange] {
        let net = Int8Network(parameters, mode: .dynamic, dnnl: dnnl)
        var lo = [Float](repeating: 0, count: parameters.count)
        var hi = lo
        let inputs = net.inputFeatures
        var start = 0
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: batch * net.outputFeatures)
        defer { scratch.deallocate() }
        while start < samples {
            let rows = min(batch, samples - start)
            net.reserve(rows: rows)
            // Run layer by layer, observing each layer's float input.
            var x = data + start * inputs
            for (i, layer) in net.layers.enumerated() {
                let count = rows * layer.inputFeatures
                let r = ActivationQuantizer.range(x, count: count, team: dnnl)
                lo[i] = min(lo[i], r.min)
                hi[i] = max(hi[i], r.max)
                let q = ActivationQuantization(min: r.min, max: r.max, maximum: net.maximum)
                ActivationQuantizer.quantize(x, count: count, with: q, into: net.bytes[0], team: dnnl)
                let y = i == net.layers.count - 1 ? scratch : net.floats[i % 2]
                try layer.forward(net.bytes[0], rows: rows, quantization: q, into: y)
                x = UnsafePointer(y)
            }
            start += rows
        }
        return zip(lo, hi).map { ActivationRange(min: $0, max: $1) }
    }
}
