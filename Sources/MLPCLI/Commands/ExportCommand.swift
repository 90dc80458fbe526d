// `mlp export --model FILE --out FILE.onnx`: the model as an ONNX graph (opset 17) that onnxruntime
// and other runtimes serve. The graph takes what the command line reads — raw feature values: pixel
// bytes 0–255 as float for an image model; for a table model its numeric columns as they are and
// each categorical column as its one-hot indicators (the metadata names every input) — and does
// the model's input scaling or standardization itself. It returns the class probabilities (softmax,
// or sigmoid for bce), or the regression values in the target's units. The protobuf is written by
// a small hand-written encoder (Formats/ProtobufWriter.swift; why, there).
import Formats
import Model
import Training
import Quantized

enum ExportCommand {
    static let flags: [Flag] = [
        Flags.model, Flags.exportOut, Flags.noFold, Flags.silent,
    ]

    static let usage = "mlp export --model FILE --out FILE.onnx|- [--no-fold-batchnorm]"

    struct Options {
        let model: String, out: String
        let fold: Bool
        init(_ a: Arguments) throws(CLIError) {
            model = try a.required(Flags.model)
            out = try a.required(Flags.exportOut)
            fold = !a.has(Flags.noFold)
        }
    }

    static func run(_ a: Arguments) throws(CLIError) -> ExitCode {
        let o = try Options(a)
        let target = try OutputPath.checkWritable(o.out, flag: Flags.exportOut.name, command: a.command, kind: .binary)
        try library { try MemoryBudget.check(nil, MemoryBudget.modelPart(o.model)) }
        let model = try library { try ModelFile.load(o.model) }
        let bytes = try onnx(model, path: o.model, fold: o.fold)
        do { try AtomicFile.write(bytes, to: o.out) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(o.out): \(error)")
        }
        if target != .standardOutput {
            Console.info("mlp: \(o.model) exported to \(o.out) (ONNX opset \(ONNXExport.opsetVersion), \(bytes.count) bytes): input '\(inputName)' [batch, \(model.network.inputFeatures)], output '\(outputOf(model).tensorName)'")
        }
        return .ok
    }

    static let inputName = "input"

    /// What the graph returns, from the loss (how mlp predict reads the outputs) and the target.
    static func outputOf(_ model: LoadedModel) -> ONNXExport.Output {
        if case .table(.values(_, let mean, let std)) = model.output { return .unstandardize(mean: mean, std: std) }
        switch model.network.loss {
        case is SoftmaxCrossEntropy: return .softmax
        case is SigmoidBinaryCrossEntropy: return .sigmoid
        default: return .identity  // mse on classes: predict shows the outputs themselves
        }
    }

    /// An INT8 dense layer as the graph computes it, in the arithmetic mlp's INT8 engine uses: the
    /// weights and their scales as stored; the input quantized per batch (DynamicQuantizeLinear) for
    /// dynamic activations, or in the fixed u8 grid of the layer's calibrated range for static ones;
    /// and an image model's first layer takes its pixel bytes as they are (grid 1/255, zero point 0),
    /// as mlp does. Grids use u8's 256 levels; mlp uses 128 on CPUs without VNNI (OneDNN.activationMaximum).
    static func int8Layer(_ l: QuantizedModel.DenseLayer, _ q: QuantizedModel, activation: String) -> ONNXExport.Layer {
        let (w, s, out, inputs, b) = (l.weights.values, l.weights.scales, l.weights.rows, l.weights.cols, l.bias)
        var grid: (scale: Float, zeroPoint: UInt8)?
        if l.index == 0, let byteScale = q.byteScale {
            grid = (byteScale, 0)
        } else if let r = l.inputRange {
            let g = ActivationQuantization(min: r.min, max: r.max, maximum: 255)
            grid = (g.scale, UInt8(g.zeroPoint))
        }
        guard let grid else { return .int8Dense(weight: w, scales: s, out: out, in: inputs, bias: b, activation: activation) }
        return .int8DenseFixedGrid(weight: w, scales: s, out: out, in: inputs, bias: b, activation: activation,
                                   inputScale: grid.scale, inputZeroPoint: grid.zeroPoint)
    }

    /// The ONNX file of a loaded model.
    static func onnx(_ model: LoadedModel, path: String, fold: Bool) throws(CLIError) -> [UInt8] {
        let net = model.network
        var layers: [ONNXExport.Layer] = []
        let int8 = model.quantized.map { q in Dictionary(uniqueKeysWithValues: q.dense.map { ($0.index, $0) }) } ?? [:]
        for (i, layer) in net.layers.enumerated() {
            let t = net.store.tensors(ofLayer: i)
            switch layer {
            case let d as Dense where int8[i] != nil:
                layers.append(int8Layer(int8[i]!, model.quantized!, activation: d.activation.token))
            case let d as Dense:
                layers.append(.dense(weight: d.weight.values, out: d.outputFeatures, in: d.inputFeatures, bias: d.bias.values,
                                     activation: d.activation.token))
            case let b as BatchNorm:
                layers.append(.batchNorm(gamma: t[0].values, beta: t[1].values, mean: t[2].values, variance: t[3].values,
                                         epsilon: b.epsilon))
            case let a as ActivationLayer:
                layers.append(.activation(a.activation.token))
            case is Dropout:
                layers.append(.dropout)
            default:
                throw CLIError(.dataError, "\(path): layer \(i) (\(layer.spec.kind.displayName)) has no ONNX form in this mlp")
            }
        }
        let input: ONNXExport.Input
        var names: [String] = []
        switch model.input {
        case .pixels(let scale, _, _):
            input = .scale(scale)
        case .table(let encoder, _):
            var mean: [Float] = [], std: [Float] = []
            for c in encoder.columns {
                switch c {
                case .numeric(let name, let m, let s, _):
                    mean.append(m); std.append(s); names.append(name)
                case .categorical(let name, let categories, _):
                    for cat in categories { mean.append(0); std.append(1); names.append("\(name)=\(cat)") }
                case .date(let d):
                    // The date's features as mlp encodes them (DateColumn), taken as they are.
                    for n in d.featureNames { mean.append(0); std.append(1); names.append(n) }
                }
            }
            input = .standardize(mean: mean, std: std)
        }
        var metadata = model.metadata.filter { ["architecture", "loss", "input", "target", "classes", "outputs", "optimizer", "epochs", "test_accuracy", "test_r2", "test_rmse", "quantization", "float_architecture"].contains($0.0) }
        metadata.append(("exported_by", "mlp \(CLI.version)"))
        if !names.isEmpty { metadata.append(("input_columns", JSONValue.array(names.map { JSONValue($0) }).serialized())) }
        if case .table(.classes(_, let labels)) = model.output {
            metadata.append(("labels", JSONValue.array(labels.map { JSONValue($0) }).serialized()))
        }
        var options = ONNXExport.Options()
        options.foldBatchNorm = fold
        options.producerVersion = CLI.version
        options.inputName = inputName
        do {
            return try ONNXExport.onnxModel(inputWidth: net.inputFeatures, input: input, layers: layers,
                                            output: outputOf(model), metadata: metadata, options: options)
        } catch {
            throw CLIError(.dataError, "\(path): cannot be exported: \(error.message)")
        }
    }
}
