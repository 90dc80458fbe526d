// Saving and loading a trained network as safetensors.
//
// Tensors: every parameter and buffer under its PyTorch-like name ("layers.0.weight" [out, in],
// "layers.0.bias" [out], "layers.2.running_mean" [n]). Metadata (all strings): format "mlp",
// format_version, architecture, input_features, input_rows, input_cols, input_scale, classes, loss,
// plus a record of how it was trained, and "temperature" once `mlp calibrate` has fitted one (the
// logits are divided by it before the softmax or sigmoid). evaluate and predict rebuild the network
// from the file alone.
import Formats
import Model
import Quantized
import Tables

public struct LoadedModel {
    /// The network; for an INT8 model its float twin, with the dequantized weights (summary, inspect).
    public let network: Network
    public let input: ModelInput
    public let output: ModelOutput
    public let metadata: [(String, String)]
    /// The INT8 model, when the file is one (QuantizedModel.swift): evaluate and predict run it.
    public var quantized: QuantizedModel? = nil
    /// What the logits are divided by before the softmax or sigmoid (metadata "temperature"; 1: none).
    public var temperature: Float = 1

    /// Multiply each pixel byte by this before the first layer (1/255); image models only.
    public var inputScale: Float {
        if case .pixels(let s, _, _) = input { return s }
        return 1
    }
    public var inputRows: Int {
        if case .pixels(_, let r, _) = input { return r }
        return network.inputFeatures
    }
    public var inputCols: Int {
        if case .pixels(_, _, let c) = input { return c }
        return 1
    }
    public func metadataValue(_ key: String) -> String? { metadata.first { $0.0 == key }?.1 }
}

public enum ModelFile {
    public static let format = "mlp"
    /// The newest format this mlp reads and writes. Image models are written as format 1 (what
    /// every earlier mlp reads); table models need format 2, which adds the "input" and "target"
    /// descriptions; INT8 models (`mlp quantize`) format 3, which adds I8 tensors and "quantization";
    /// table models whose numbers are written another way (a decimal comma, a thousands separator)
    /// format 4, so that an mlp that does not know those conventions refuses the file instead of
    /// misreading its rows as other numbers. (Pandas' missing markers need no new version: an earlier
    /// mlp refuses a 'NaN' in a numeric column, and warns of it as an unseen category.) Format 5 marks
    /// a model whose outputs an earlier mlp would read as something else: a calibrated model (its
    /// "temperature", which an earlier mlp would ignore and print uncalibrated probabilities), and a
    /// multi-label model (a "target" of kind "labels": one sigmoid output per target column).
    public static let version = 5

    /// The format a model needs for its outputs to be read as they are meant (format 5 above).
    public static let calibratedVersion = 5

    /// The metadata key of the temperature `mlp calibrate` stores.
    public static let temperatureKey = "temperature"

    /// The metadata every model file carries; `extra` adds training details.
    public static func metadata(_ net: Network, input: ModelInput, output: ModelOutput, extra: [(String, String)]) -> [(String, String)] {
        switch (input, output) {
        case (.table(let encoder, let delimiter), .table(let target)):
            let version = target.task == .multilabel ? calibratedVersion : encoder.numbers != .standard ? 4 : 2
            return [
                ("format", format), ("format_version", "\(version)"), ("architecture", net.architecture),
                ("input_features", "\(net.inputFeatures)"), ("input", encoder.json(delimiter: delimiter).serialized()),
                ("target", target.json.serialized()), ("outputs", "\(net.outputFeatures)"), ("loss", net.loss.token),
            ] + extra
        case (.pixels(let scale, let rows, let cols), _):
            return [
                ("format", format), ("format_version", "1"), ("architecture", net.architecture),
                ("input_features", "\(net.inputFeatures)"), ("input_rows", "\(rows)"), ("input_cols", "\(cols)"),
                ("input_scale", "\(scale)"), ("classes", "\(net.classes)"), ("loss", net.loss.token),
            ] + extra
        case (.table, .classIndices):
            preconditionFailure("a table model has a target description")
        }
    }

    /// Every saved tensor of the network, in model-file order (layer by layer, as each layer
    /// declares them), seen in place.
    public static func views(_ net: Network) -> [SafetensorsView] {
        net.store.tensors.map { SafetensorsView(name: $0.name, shape: $0.shape, values: $0.buffer) }
    }

    /// Writes the model atomically (temporary file, fsync, rename).
    public static func save(_ net: Network, to path: String, input: ModelInput, output: ModelOutput, extra: [(String, String)] = [])
        throws(TrainingError)
    {
        let meta = metadata(net, input: input, output: output, extra: extra)
        do { try Safetensors.write(views: views(net), metadata: meta, to: path) } catch let e as FormatError { throw .format(e) } catch {
            throw .data("\(path): \(error)")
        }
    }

    /// The tensors a network of `specs` has, by model-file name and shape, in order, computed from the
    /// layers' declarations without building anything.
    public static func expectedTensors(inputs: Int, specs: [LayerSpec]) -> [(name: String, shape: [Int])] {
        Architecture.declarations(inputs: inputs, specs: specs).enumerated().flatMap { i, layer in
            layer.tensors.map { ("layers.\(i).\($0.name)", $0.shape) }
        }
    }

    public static func load(_ path: String) throws(TrainingError) -> LoadedModel {
        let file: SafetensorsFile
        do { file = try Safetensors.read(path: path) } catch let e as FormatError { throw .format(e) } catch {
            throw .data("\(path): \(error)")
        }
        return try build(file, path: path)
    }

    /// What a model file's metadata says, checked: the input and output, the loss and the layers.
    public struct Description {
        public let formatVersion: Int
        public let inputs: Int
        public let input: ModelInput
        public let output: ModelOutput
        public let loss: Loss
        public let specs: [LayerSpec]
        /// The stored temperature (1 when there is none).
        public let temperature: Float
        /// The architecture string, as parsed and written back.
        public var architecture: String { Architecture.string(specs) }
    }

    /// Rebuilds the network a parsed file describes, checking every field against the tensors. An
    /// INT8 model (metadata "quantization", format 3) is built by QuantizedModelFile.
    public static func build(_ file: SafetensorsFile, path: String) throws(TrainingError) -> LoadedModel {
        func fail(_ m: String) -> TrainingError { .data("\(path): \(m)") }
        let d = try describe(file, path: path)
        if file.metadataValue(for: "quantization") != nil || d.formatVersion == QuantizedModelFile.formatVersion {
            return try QuantizedModelFile.build(file, path: path, description: d)
        }
        let (inputs, specs, architecture) = (d.inputs, d.specs, d.architecture)
        // Every tensor the architecture needs, with exactly its shape; nothing else. Checked before
        // the network is built, so a small file cannot make it allocate a huge one.
        let needed = expectedTensors(inputs: inputs, specs: specs)
        for (name, shape) in needed {
            guard let t = file.tensor(name) else {
                throw fail("tensor '\(name)' is missing (the architecture '\(architecture)' needs it)")
            }
            guard t.shape == shape else {
                throw fail("tensor '\(name)' has shape \(t.shape) but the architecture '\(architecture)' needs \(shape)")
            }
            guard t.dtype == .f32 else {
                throw fail(
                    "tensor '\(name)' is \(t.dtype.rawValue), expected F32 (the metadata has no \"quantization\": not an INT8 model)")
            }
        }
        let expected = Set(needed.map(\.name))
        for t in file.tensors where !expected.contains(t.name) {
            throw fail("tensor '\(t.name)' is not part of the architecture '\(architecture)'")
        }
        for t in file.tensors where t.values.contains(where: { !$0.isFinite }) {
            throw fail("tensor '\(t.name)' holds NaN or infinite values")
        }
        let net = Network(inputs: inputs, specs: specs, loss: d.loss)
        for t in net.store.tensors {
            // expectedTensors and the network come from the same declarations: a mismatch is a bug here.
            guard let ft = file.tensor(t.name), ft.shape == t.shape else {
                preconditionFailure("the network disagrees with its own declarations about '\(t.name)'")
            }
            t.set(ft.values)
        }
        var model = LoadedModel(network: net, input: d.input, output: d.output, metadata: file.metadata)
        model.temperature = d.temperature
        return model
    }

    /// Reads and checks the metadata of a model file (float or INT8).
    public static func describe(_ file: SafetensorsFile, path: String) throws(TrainingError) -> Description {
        func fail(_ m: String) -> TrainingError { .data("\(path): \(m)") }
        func field(_ key: String) throws(TrainingError) -> String {
            guard let v = file.metadataValue(for: key) else {
                throw fail(
                    "metadata has no \"\(key)\": not a model written by mlp (its metadata needs format, format_version, architecture, input_features, input_scale, classes, loss)"
                )
            }
            return v
        }
        func positive(_ key: String, max: Int = 1 << 24) throws(TrainingError) -> Int {
            let v = try field(key)
            guard let n = Int(v), n > 0, n <= max else {
                throw fail("metadata \"\(key)\" is '\(v)', expected a whole number from 1 to \(max)")
            }
            return n
        }
        guard file.metadataValue(for: "format") == format else {
            throw fail(
                "metadata \"format\" is \(file.metadataValue(for: "format").map { "'\($0)'" } ?? "missing"), expected 'mlp': this safetensors file was not written by mlp"
            )
        }
        let v = try field("format_version")
        guard let ver = Int(v), ver >= 1 else { throw fail("metadata \"format_version\" is '\(v)', expected a whole number") }
        guard ver <= version else {
            throw fail("format_version \(ver) is newer than this mlp reads (\(version)); use a newer mlp")
        }
        let inputs = try positive("input_features")
        let input: ModelInput
        let output: ModelOutput
        let classes: Int
        if let inputText = file.metadataValue(for: "input") {
            // A table model (format 2): the encoder and the target, as JSON.
            func json(_ key: String, _ text: String) throws(TrainingError) -> JSONValue {
                do { return try JSONValue.parse(Array(text.utf8)) } catch { throw fail("metadata \"\(key)\" is not JSON: \(error)") }
            }
            let (encoder, delimiter) = try TableEncoder.read(try json("input", inputText)) { fail("metadata \($0)") }
            let target = try TargetEncoder.read(try json("target", try field("target"))) { fail("metadata \($0)") }
            guard encoder.width == inputs else {
                throw fail("metadata \"input\" encodes \(encoder.width) features but input_features is \(inputs)")
            }
            classes = try positive("outputs", max: 1 << 20)
            guard classes == target.outputs else {
                throw fail("metadata \"outputs\" is \(classes) but the target has \(target.outputs)")
            }
            input = .table(encoder, delimiter: delimiter)
            output = .table(target)
        } else {
            classes = try positive("classes", max: 1 << 20)
            let scaleText = try field("input_scale")
            guard let scale = Float(scaleText), scale.isFinite, scale > 0 else {
                throw fail("metadata \"input_scale\" is '\(scaleText)', expected a positive number")
            }
            let rows = file.metadataValue(for: "input_rows").flatMap { Int($0) } ?? inputs
            let cols = file.metadataValue(for: "input_cols").flatMap { Int($0) } ?? 1
            guard rows > 0, cols > 0, rows.multipliedReportingOverflow(by: cols) == (inputs, false) else {
                throw fail("metadata input_rows × input_cols (\(rows)×\(cols)) is not input_features (\(inputs))")
            }
            input = .pixels(scale: scale, rows: rows, cols: cols)
            output = .classIndices(classes)
        }
        let lossToken = try field("loss")
        guard let loss = LossKind.make(lossToken) else {
            throw fail("metadata \"loss\" is '\(lossToken)', expected one of \(LossKind.names.joined(separator: ", "))")
        }
        let specs: [LayerSpec]
        do { specs = try Architecture.parse(try field("architecture"), classes: classes, regression: output.task == .regression) } catch let
            e as ArchitectureError
        {
            throw fail("metadata \"architecture\": \(e.message)")
        } catch { throw fail("\(error)") }
        var temperature: Float = 1
        if let text = file.metadataValue(for: temperatureKey) {
            guard let t = Float(text), t.isFinite, t > 0 else {
                throw fail("metadata \"\(temperatureKey)\" is '\(text)', expected a positive number")
            }
            guard output.task != .regression else {
                throw fail("metadata \"\(temperatureKey)\" scales a classifier's logits, but this model is a regression")
            }
            temperature = t
        }
        return Description(
            formatVersion: ver, inputs: inputs, input: input, output: output, loss: loss, specs: specs,
            temperature: temperature)
    }
}
