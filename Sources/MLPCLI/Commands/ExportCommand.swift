// `mlp export --model FILE --out FILE.onnx`: the model as an ONNX graph (opset 17) that onnxruntime
// and other runtimes serve. The graph takes what the command line reads and does the model's input
// encoding itself: an image model takes its pixel bytes 0–255 as float (`input`, scaled in the
// graph) and returns the class probabilities (softmax, or sigmoid for bce); a table model takes raw
// rows, one input per column (float for a numeric column, string for a categorical one, double
// seconds since 1970 for a date), imputes, standardizes and one-hot encodes them in the graph, and
// returns the label and the probabilities, or the regression values in the target's units
// (Formats/ONNXTableGraph.swift). The protobuf is written by a small hand-written encoder
// (Formats/ProtobufWriter.swift; why, there).
import Formats
import Model
import Quantized
import Tables
import Training

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
            Console.info(
                "mlp: \(o.model) exported to \(o.out) (ONNX opset \(ONNXExport.opsetVersion), \(bytes.count) bytes): \(signature(model))")
        }
        return .ok
    }

    static let inputName = "input"

    /// The graph's inputs and outputs in a few words, for the line export prints.
    static func signature(_ model: LoadedModel) -> String {
        guard case .table(let encoder, _) = model.input, case .table(let target) = model.output else {
            return "input '\(inputName)' [batch, \(model.network.inputFeatures)], output '\(outputOf(model).tensorName)'"
        }
        let table = onnxTable(encoder)
        var kinds: [String] = []
        for (type, count) in [
            (
                "float",
                table.columns.filter {
                    if case .numeric = $0 { return true }
                    return false
                }.count
            ),
            (
                "string",
                table.columns.filter {
                    if case .categorical = $0 { return true }
                    return false
                }.count
            ),
            (
                "double",
                table.columns.filter {
                    if case .date = $0 { return true }
                    return false
                }.count
            ),
        ] where count > 0 {
            kinds.append("\(count) \(type)")
        }
        let columns = table.columns.count
        let inputs = "\(columns) input\(columns == 1 ? "" : "s"), one per column (\(kinds.joined(separator: ", ")))"
        return inputs + (target.task == .classification ? ", outputs 'label' and 'probabilities'" : ", output 'values'")
    }

    /// A table model's encoder as the graph needs it. Values enter the graph as numbers, so the
    /// training file's decimal mark and thousands separator play no part.
    static func onnxTable(_ encoder: TableEncoder) -> ONNXExport.Table {
        ONNXExport.Table(
            columns: encoder.columns.map { c in
                switch c {
                case .numeric(let name, let mean, let std, let impute):
                    return .numeric(name: name, mean: mean, std: std, impute: impute)
                case .categorical(let name, let categories, let impute):
                    return .categorical(name: name, categories: categories, impute: impute)
                case .date(let d):
                    return .date(name: d.name, mean: d.mean, std: d.std, impute: d.impute, hours: d.hour)
                }
            }, missingMarkers: encoder.markers.list)
    }

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
        return .int8DenseFixedGrid(
            weight: w, scales: s, out: out, in: inputs, bias: b, activation: activation,
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
                layers.append(
                    .dense(
                        weight: d.weight.values, out: d.outputFeatures, in: d.inputFeatures, bias: d.bias.values,
                        activation: d.activation.token))
            case let b as BatchNorm:
                layers.append(
                    .batchNorm(
                        gamma: t[0].values, beta: t[1].values, mean: t[2].values, variance: t[3].values,
                        epsilon: b.epsilon))
            case let a as ActivationLayer:
                layers.append(.activation(a.activation.token))
            case is Dropout:
                layers.append(.dropout)
            default:
                throw CLIError(.dataError, "\(path): layer \(i) (\(layer.spec.kind.displayName)) has no ONNX form in this mlp")
            }
        }
        var metadata = model.metadata.filter {
            [
                "architecture", "loss", "input", "target", "classes", "outputs", "optimizer", "epochs", "test_accuracy", "test_r2",
                "test_rmse", "quantization", "float_architecture", ModelFile.temperatureKey,
            ].contains($0.0)
        }
        metadata.append(("exported_by", "mlp \(CLI.version)"))
        if case .table(.classes(_, let labels)) = model.output {
            metadata.append(("labels", JSONValue.array(labels.map { JSONValue($0) }).serialized()))
        } else if case .table(.labels(let columns, _)) = model.output {
            metadata.append(("labels", JSONValue.array(columns.map { JSONValue($0) }).serialized()))  // one sigmoid output each
        }
        var options = ONNXExport.Options()
        options.foldBatchNorm = fold
        options.producerVersion = CLI.version
        options.inputName = inputName
        options.temperature = model.temperature == 1 ? nil : model.temperature
        if model.input.isTable, model.output.task == .classification, net.outputFeatures == 2 {
            // The label as mlp predict decides it: the stored threshold, else P(second class) ≥ 0.5.
            let stored = try library { try model.storedThreshold(path: path) }
            options.binaryDecision = (stored?.positiveClass ?? 1, Float(stored?.threshold.threshold ?? 0.5))
            if let stored {
                metadata.append(("decision_threshold", "\(stored.threshold.threshold)"))
                metadata.append(("positive_label", stored.threshold.positiveLabel))
            }
        }
        do {
            switch (model.input, model.output) {
            case (.table(let encoder, _), .table(let target)):
                let output: ONNXExport.TableOutput
                switch target {
                case .classes(_, let labels): output = .classes(labels: labels, probabilities: outputOf(model))
                case .values(let columns, let mean, let std): output = .values(columns: columns, mean: mean, std: std)
                case .labels(let columns, _): output = .labels(columns: columns)
                }
                return try ONNXExport.onnxModel(
                    table: onnxTable(encoder), layers: layers, output: output, metadata: metadata, options: options)
            case (.pixels(let scale, _, _), _):
                return try ONNXExport.onnxModel(
                    inputWidth: net.inputFeatures, input: .scale(scale), layers: layers,
                    output: outputOf(model), metadata: metadata, options: options)
            default:
                preconditionFailure("a table model has a table target")
            }
        } catch {
            throw CLIError(.dataError, "\(path): cannot be exported: \(error.message)")
        }
    }
}
