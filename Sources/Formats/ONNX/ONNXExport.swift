// What an exported network is, described without the Model module: the layers as plain arrays, the
// input's scaling and the output's form. `ONNXExport.onnxModel` turns it into an ONNX file
// (ONNXGraphBuilder.swift writes the graph).

public enum ONNXExport {
    /// The default ONNX operator set the graph imports: 17 (ONNX 1.12, 2022), run by onnxruntime since 1.12
    /// and by most other runtimes. Every operator used exists in it unchanged; GELU (an operator only
    /// from opset 20) is written out in elementary operators.
    public static let opsetVersion = 17
    /// The IR version that goes with opset 17 (ONNX's versioning table: IR 8 for ONNX 1.10 – 1.12).
    public static let irVersion = 8

    /// One layer of the network, in order. Activations are mlp's tokens: relu, leaky_relu (slope 0.01),
    /// leaky_relu:ALPHA, sigmoid, tanh, gelu (the tanh approximation), swish (or silu), linear.
    public enum Layer: Sendable {
        /// y = act(x·Wᵀ + b), W row-major [out, in] as PyTorch's nn.Linear.
        case dense(weight: [Float], out: Int, in: Int, bias: [Float], activation: String)
        /// y = γ·(x − mean)/√(variance + ε) + β per feature, with the running statistics.
        case batchNorm(gamma: [Float], beta: [Float], mean: [Float], variance: [Float], epsilon: Float)
        /// A standalone activation layer.
        case activation(String)
        /// The identity at inference: nothing is written.
        case dropout
        /// A dense layer with INT8 weights, symmetric per output unit: W[o, k] ≈ scales[o]·weight[o, k]
        /// (weight row-major [out, in]); bias in float. The activations are quantized at run time,
        /// per batch, as `Options.activationQuantization` says.
        case int8Dense(weight: [Int8], scales: [Float], out: Int, in: Int, bias: [Float], activation: String)
        /// The same with the input quantized in a fixed u8 grid instead of per batch (QuantizeLinear):
        /// q = clamp(round(x/inputScale) + inputZeroPoint, 0, 255). mlp's static activations, and the
        /// first layer of an image model, whose grid is its pixel bytes (scale 1/255, zero point 0).
        case int8DenseFixedGrid(
            weight: [Int8], scales: [Float], out: Int, in: Int, bias: [Float], activation: String,
            inputScale: Float, inputZeroPoint: UInt8)
    }

    /// What happens to the raw feature values the graph receives before the first layer.
    public enum Input: Sendable {
        /// Nothing: the features go in as given.
        case identity
        /// x·s, e.g. s = 1/255 for pixel bytes.
        case scale(Float)
        /// (x − mean)/std per feature.
        case standardize(mean: [Float], std: [Float])
    }

    /// What the graph returns from the last layer's values z.
    public enum Output: Sendable {
        /// softmax(z) over the classes, as `probabilities`.
        case softmax
        /// σ(z) per output (binary or multi-label), as `probabilities`.
        case sigmoid
        /// z itself, as `prediction` (regression in standardized units, or logits).
        case identity
        /// z·std + mean per output, as `prediction`: regression back in the target's units.
        case unstandardize(mean: [Float], std: [Float])

        /// The graph output's name.
        public var tensorName: String {
            switch self {
            case .softmax, .sigmoid: return "probabilities"
            case .identity, .unstandardize: return "prediction"
            }
        }
    }

    /// How an INT8 layer quantizes its input activations at run time. Both use one scale for the whole
    /// batch (per tensor), computed from that batch, so a row's result depends slightly on the other
    /// rows of its batch, as with PyTorch's `quantize_dynamic`.
    public enum ActivationQuantization: Sendable {
        /// ONNX DynamicQuantizeLinear: u8 with a zero point, range [min(x, 0), max(x, 0)] over 255 steps:
        /// s = (max − min)/255, zp = round(−min/s) clamped to 0…255, q = clamp(round(x/s) + zp, 0, 255)
        /// (rounding half to even; s = 1 when the range is empty). What onnxruntime's own
        /// `quantize_dynamic` writes, and the u8 × s8 product x86 INT8 instructions (VNNI) take;
        /// onnxruntime fuses it into one DynamicQuantizeMatMul kernel per layer. The default.
        /// On x86 CPUs without VNNI, onnxruntime's u8 × s8 products can saturate in 16 bits unless the
        /// session sets "session.x64quantprecision" to "1" (Scripts/onnx_check.py does).
        case uint8Asymmetric
        /// s8 without zero point: s = max|x|/127 (at least the least normal float, so that a batch of
        /// zeros gives zeros), q = clamp(round(x/s), −128, 127), rounding half to even. Correct in
        /// onnxruntime 1.32 but much slower there than u8 (its s8 × s8 MatMulIntegerToFloat path has
        /// no fast kernel), and not loadable with "session.x64quantprecision" set (no kernel for the
        /// fused node): for mlp's own arithmetic, not for serving with onnxruntime.
        case int8Symmetric
    }

    public struct Options: Sendable {
        /// Fold a batch norm into the dense layer just before it when that layer is linear (dropout
        /// between them is the identity): W'[o,·] = W[o,·]·γ[o]/√(var[o]+ε), b' = (b − mean)·γ/√(var+ε) + β.
        /// Otherwise, and always when false, the batch norm is a BatchNormalization node (inference mode).
        public var foldBatchNorm = true
        public var activationQuantization = ActivationQuantization.uint8Asymmetric
        /// The name of the input's first (batch) dimension, left free so any batch size runs.
        public var batchDimension = "batch"
        public var producerVersion = ""
        /// The name of the graph's input tensor.
        public var inputName = "input"
        /// A calibration temperature T: the last layer's values are divided by T before the softmax
        /// or sigmoid (nil: none; other outputs ignore it).
        public var temperature: Float?
        /// A table model of two classes: its label is `positiveClass` when that class's probability
        /// is at least `threshold`, else the other (mlp predict's decision); nil: the most probable.
        public var binaryDecision: (positiveClass: Int, threshold: Float)?

        public init() {}
    }

    /// The ONNX file's bytes for the network: input `input` [batch, inputWidth] float32, output
    /// `probabilities` or `prediction` [batch, width of the last layer] float32. `metadata` goes into
    /// the model's metadata_props, in order.
    public static func onnxModel(
        inputWidth: Int, input: Input, layers: [Layer], output: Output,
        metadata: [(String, String)], options: Options = Options()
    ) throws(ONNXExportError) -> [UInt8] {
        let message = try model(
            inputWidth: inputWidth, input: input, layers: layers, output: output,
            metadata: metadata, options: options
        ).message
        // Protobuf parsers (onnx, onnxruntime) refuse messages of 2 GiB or more; larger models would
        // need ONNX's external data files, which this exporter does not write.
        guard message.byteCount < 1 << 31 else {
            throw ONNXExportError("the ONNX file would be \(message.byteCount) bytes; files of 2 GiB or more are not supported")
        }
        return message.serialized()
    }

    /// The same model as values, before serialization (for inspection and tests).
    public static func model(
        inputWidth: Int, input: Input, layers: [Layer], output: Output,
        metadata: [(String, String)], options: Options = Options()
    ) throws(ONNXExportError) -> ONNXModelFile {
        var builder = try ONNXGraphBuilder(inputWidth: inputWidth, options: options)
        try builder.addInput(input)
        for step in try ONNXGraphBuilder.plan(layers, fold: options.foldBatchNorm) { try builder.add(step) }
        try builder.addOutput(output)
        return ONNXModelFile(
            irVersion: irVersion, opsetVersion: opsetVersion, producerName: "mlp",
            producerVersion: options.producerVersion,
            docString: "A multi-layer perceptron exported by mlp.", graph: builder.graph, metadata: metadata)
    }
}

/// Why a network cannot be exported: one line naming the layer and what was expected.
public struct ONNXExportError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
