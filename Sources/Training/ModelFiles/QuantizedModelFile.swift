// INT8 model files, as `mlp quantize` writes them: safetensors, format_version 3.
//
// Tensors, for each dense layer I of the architecture (the INT8 model's own, see below):
//   layers.I.weight        I8  [out, in]  q with W[o, k] ≈ weight_scale[o]·q[o, k], q in [−127, 127]
//   layers.I.weight_scale  F32 [out]      max_k |W[o, k]|/127 (0 for a row of zeros), finite, ≥ 0
//   layers.I.bias          F32 [out]
//   layers.I.input_range   F32 [2]        static activations only: [min, max] of the layer's input on
//                                         the calibration data (the u8 grid is made from it at load
//                                         time, since how many levels it may use depends on the CPU)
// A batch norm that could not be folded into a dense layer keeps its four F32 tensors (weight, bias,
// running_mean, running_var). The F32 tensors come first in the file and the I8 ones last, so every
// F32 tensor stays 4-byte aligned for readers that map the file.
//
// Metadata: everything the float model's has (input scaling or table preprocessing, classes or
// targets, how it was trained), with
//   format_version      "3" (an earlier mlp refuses the file with a one-line error instead of misreading it;
//                       "4" for a table model read with a decimal comma, thousands separators or
//                       pandas' missing markers, as its float model)
//   architecture        the INT8 model's layers: batch norms folded into the dense layer before them,
//                       standalone activations fused into a linear dense layer before them, dropout
//                       gone (e.g. "64,batchnorm,relu,dropout:0.1,10" → "64:relu,10")
//   float_architecture  the float model's architecture string
//   quantization        JSON: {"scheme":"int8_symmetric_per_channel","activations":"dynamic"} or
//                       {...,"activations":"static","calibration_samples":1000}
import Formats
import Model
import Quantized

public enum QuantizedModelFile {
    public static let formatVersion = 3
    /// s8 weights, symmetric, one scale per output unit (per channel); u8 activations.
    public static let scheme = "int8_symmetric_per_channel"

    /// The tensor names of dense layer `i`.
    public static func weightName(_ i: Int) -> String { "layers.\(i).weight" }
    public static func scaleName(_ i: Int) -> String { "layers.\(i).weight_scale" }
    public static func biasName(_ i: Int) -> String { "layers.\(i).bias" }
    public static func rangeName(_ i: Int) -> String { "layers.\(i).input_range" }

    /// The "quantization" metadata value.
    public static func quantizationJSON(_ a: QuantizedModel.Activations) -> String {
        var members: [(String, JSONValue)] = [("scheme", JSONValue(scheme)), ("activations", JSONValue(a.name))]
        if case .calibrated(let n) = a { members.append(("calibration_samples", JSONValue(n))) }
        return JSONValue.object(members).serialized()
    }

    /// Reads the "quantization" metadata value.
    public static func activations(_ text: String, fail: (String) -> TrainingError) throws(TrainingError) -> QuantizedModel.Activations {
        guard let v = try? JSONValue.parse(Array(text.utf8)), case .object = v else {
            throw fail("metadata \"quantization\" is not a JSON object")
        }
        guard case .string(let s)? = v["scheme"], s == scheme else {
            throw fail("metadata \"quantization\" has scheme \(v["scheme"].map { $0.serialized() } ?? "missing"), expected \"\(scheme)\"")
        }
        switch v["activations"] {
        case .string("dynamic")?:
            return .dynamic
        case .string("static")?:
            guard case .number(let d)? = v["calibration_samples"], d >= 1, d < 1e15, d == d.rounded() else {
                throw fail("metadata \"quantization\" needs a calibration_samples count for static activations")
            }
            return .calibrated(samples: Int(d))
        default:
            throw fail(
                "metadata \"quantization\" has activations \(v["activations"].map { $0.serialized() } ?? "missing"), expected \"dynamic\" or \"static\""
            )
        }
    }

    /// The metadata of the INT8 model made from a float model with `metadata`.
    public static func metadata(from float: [(String, String)], architecture: String, activations: QuantizedModel.Activations) -> [(
        String, String
    )] {
        var out: [(String, String)] = []
        for (k, v) in float {
            switch k {
            // An INT8 copy of a table model read with other conventions keeps that model's format 4.
            case "format_version": out.append((k, "\(max(formatVersion, Int(v) ?? 0))"))
            case "architecture": out += [(k, architecture), ("float_architecture", v)]
            case "float_architecture", "quantization": continue
            default: out.append((k, v))
            }
        }
        out.append(("quantization", quantizationJSON(activations)))
        return out
    }

    /// The tensors of an INT8 model: F32 ones first (scales, biases, ranges, and `floatTensors`, the
    /// unfolded batch norms'), then the I8 weights.
    public static func tensors(_ dense: [QuantizedModel.DenseLayer], floatTensors: [SafetensorsTensor]) -> [SafetensorsTensor] {
        var floats: [SafetensorsTensor] = []
        var int8s: [SafetensorsTensor] = []
        for l in dense {
            let (i, out) = (l.index, l.weights.rows)
            floats.append(SafetensorsTensor(name: scaleName(i), shape: [out], values: l.weights.scales))
            floats.append(SafetensorsTensor(name: biasName(i), shape: [out], values: l.bias))
            if let r = l.inputRange { floats.append(SafetensorsTensor(name: rangeName(i), shape: [2], values: [r.min, r.max])) }
            int8s.append(SafetensorsTensor(name: weightName(i), shape: [out, l.weights.cols], int8Values: l.weights.values))
        }
        return floats + floatTensors + int8s
    }

    /// Builds an INT8 model from a parsed file whose metadata `d` describes, checking every tensor:
    /// its presence, type, shape and values. One-line errors name the file and the tensor.
    public static func build(_ file: SafetensorsFile, path: String, description d: ModelFile.Description) throws(TrainingError)
        -> LoadedModel
    {
        func fail(_ m: String) -> TrainingError { .data("\(path): \(m)") }
        guard let text = file.metadataValue(for: "quantization") else {
            throw fail("format_version \(d.formatVersion) is an INT8 model's, but the metadata has no \"quantization\"")
        }
        guard d.formatVersion >= formatVersion else {
            throw fail(
                "metadata has \"quantization\" but format_version \(d.formatVersion); INT8 models are format_version \(formatVersion) or later"
            )
        }
        let activations = try self.activations(text, fail: fail)
        let architecture = d.architecture
        // Every tensor the architecture needs, with its type and shape; nothing else.
        var needed: [(name: String, shape: [Int], dtype: SafetensorsDType)] = []
        var width = d.inputs
        for (i, spec) in d.specs.enumerated() {
            if let units = spec.kind.units {
                needed += [(weightName(i), [units, width], .i8), (scaleName(i), [units], .f32), (biasName(i), [units], .f32)]
                if activations != .dynamic { needed.append((rangeName(i), [2], .f32)) }
            } else {
                needed += spec.kind.tensors(inputs: width).map { ("layers.\(i).\($0.name)", $0.shape, .f32) }
            }
            width = spec.kind.outputWidth(inputs: width)
        }
        for (name, shape, dtype) in needed {
            guard let t = file.tensor(name) else {
                throw fail("tensor '\(name)' is missing (the INT8 architecture '\(architecture)' needs it)")
            }
            guard t.dtype == dtype else {
                throw fail(
                    "tensor '\(name)' is \(t.dtype.rawValue), expected \(dtype.rawValue)\(dtype == .i8 ? " (the INT8 weights)" : "")")
            }
            guard t.shape == shape else {
                throw fail("tensor '\(name)' has shape \(t.shape) but the INT8 architecture '\(architecture)' needs \(shape)")
            }
        }
        let expected = Set(needed.map(\.name))
        for t in file.tensors where !expected.contains(t.name) {
            throw fail("tensor '\(t.name)' is not part of the INT8 architecture '\(architecture)'")
        }
        for t in file.tensors {
            if let j = t.values.firstIndex(where: { !$0.isFinite }) {
                throw fail("tensor '\(t.name)' holds \(t.values[j]) at \(j), expected finite values")
            }
            if let j = t.int8Values.firstIndex(of: -128) {
                throw fail("tensor '\(t.name)' holds -128 at \(j), expected INT8 weights in [-127, 127] (symmetric)")
            }
        }

        // The float twin: the same architecture with the dequantized weights (summary, inspect, and
        // the float layers between INT8 runs).
        let net = Network(inputs: d.inputs, specs: d.specs, loss: d.loss, initializer: .zeros)
        var dense: [QuantizedModel.DenseLayer] = []
        for (i, layer) in net.layers.enumerated() {
            if let l = layer as? Dense {
                let q = file.tensor(weightName(i))!
                let s = file.tensor(scaleName(i))!
                let b = file.tensor(biasName(i))!
                if let j = s.values.firstIndex(where: { $0 < 0 }) {
                    throw fail("tensor '\(s.name)' holds \(s.values[j]) at \(j), expected scales ≥ 0")
                }
                var range: Int8Network.ActivationRange?
                if let r = file.tensor(rangeName(i)) {
                    guard r.values[0] <= r.values[1] else {
                        throw fail("tensor '\(r.name)' is [\(r.values[0]), \(r.values[1])], expected [min, max] with min ≤ max")
                    }
                    range = Int8Network.ActivationRange(min: r.values[0], max: r.values[1])
                }
                let weights = QuantizedMatrix(rows: l.outputFeatures, cols: l.inputFeatures, values: q.int8Values, scales: s.values)
                l.weight.set(weights.dequantized())
                l.bias.set(b.values)
                dense.append(.init(index: i, weights: weights, bias: b.values, activation: l.activation, inputRange: range))
            } else {
                for t in net.store.tensors(ofLayer: i) { t.set(file.tensor(t.name)!.values) }
            }
        }
        var byteScale: Float?
        if case .pixels(let scale, _, _) = d.input { byteScale = scale }
        let model = QuantizedModel(network: net, dense: dense, activations: activations, byteScale: byteScale, path: path)
        var loaded = LoadedModel(network: net, input: d.input, output: d.output, metadata: file.metadata, quantized: model)
        loaded.temperature = d.temperature
        return loaded
    }
}
