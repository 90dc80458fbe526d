// `mlp quantize --model FILE --out FILE [--data DIR|FILE] [--samples N]`: a float model as an INT8
// model (QuantizedModelFile.swift has the file's layout), for evaluate and predict to run on oneDNN's
// INT8 matmul (Sources/Quantized).
//
// Weights: every dense layer's [out, in] matrix as s8 with one scale per output unit (symmetric, per
// channel: s = max|w|/127, so |w − s·q| ≤ s/2), bias in float. Before that the layers are simplified
// for inference, exactly: a batch norm right after a linear dense layer (dropout between them is the
// identity) is folded into it (BatchNormFolding), a standalone activation after a linear dense layer
// becomes that layer's activation, and dropout goes. A batch norm after an activation stays a float
// layer of its own, as does an activation after a dense layer that already has one.
//
// Activations: dynamic by default (each batch is quantized to u8 from its own range at run time, as
// PyTorch's quantize_dynamic): it needs no data, a value can never fall outside its grid, and on
// MNIST it is as accurate as float. With --data, static: each dense layer's input range is measured
// on the first --samples examples (min/max) and stored; at run time the grids are fixed and hidden
// layers write u8 straight into the next layer's grid. Values outside the calibrated range saturate.
import Formats
import Model
import Quantized
import Tables
import Training

#if canImport(Glibc)
    import Glibc
#endif

enum QuantizeCommand {
    static let flags: [Flag] = [
        Flags.model.helped("the float model to quantize (written by 'mlp train')"), Flags.int8Out,
        Flags.data.helped(
            "calibrate static activation ranges on this data: the directory with train-images-idx3-ubyte (raw or .gz), an image file, or a CSV file for a table model (default: dynamic activations, no data needed)"
        ),
        Flags.samples.helped("how many examples of --data to calibrate on, from the first"),
        Flags.delimiter.helped("the CSV field delimiter of --data: , ; tab or |").defaulting(to: "the training file's"),
        Flags.threads.helped("threads for oneDNN while calibrating (default: all cores)"), Flags.silent,
    ]

    static let usage = "mlp quantize --model FILE --out FILE|- [--data DIR|FILE] [--samples N] [--threads N]"

    /// Everything `mlp quantize` reads from its command line.
    struct Options {
        let model: String, out: String
        let data: String?
        let samples: Int
        let delimiter: UInt8?
        let threads: Int?

        init(_ a: Arguments) throws(CLIError) {
            model = try a.required(Flags.model)
            out = try a.required(Flags.int8Out)
            data = a.string(Flags.data)
            samples = try a.int(Flags.samples, default: 1000)
            delimiter = try a.string(Flags.delimiter).map { (d: String) throws(CLIError) -> UInt8 in
                guard let b = TableSettings.delimiter(d) else {
                    throw .usage("--delimiter '\(d)' is not one of , ; tab |", command: a.command)
                }
                return b
            }
            threads = try a.int(Flags.threads)
            if a.has(Flags.samples) && data == nil {
                throw .usage("--samples needs --data (the examples to calibrate on)", command: a.command)
            }
            if a.has(Flags.delimiter) && data == nil { throw .usage("--delimiter needs --data FILE.csv", command: a.command) }
        }
    }

    static func run(_ a: Arguments) throws(CLIError) -> ExitCode {
        let o = try Options(a)
        try OutputPath.checkWritable(o.out, flag: Flags.int8Out.name, command: a.command, kind: .binary)
        try library { try MemoryBudget.check(nil, MemoryBudget.modelPart(o.model)) }
        let model = try library { try ModelFile.load(o.model) }
        if let q = model.quantized {
            throw CLIError(
                .dataError,
                "\(o.model): is already an INT8 model (activations \(q.activations.name)); quantize the float model it was made from")
        }
        let plan = try Plan(model.network, path: o.model)
        var dense = plan.dense
        var activations = QuantizedModel.Activations.dynamic
        var calibration = ""
        if let dataPath = o.data {
            let (x, samples, what) = try calibrationData(dataPath, model: model, options: o)
            // The dynamic model, built by the loader itself, measures the ranges.
            let file = SafetensorsFile(
                tensors: QuantizedModelFile.tensors(dense, floatTensors: plan.floatTensors),
                metadata: QuantizedModelFile.metadata(from: model.metadata, architecture: plan.architecture, activations: .dynamic))
            guard let q = try library({ try ModelFile.build(file, path: o.out) }).quantized else { preconditionFailure("an INT8 file") }
            try library { try q.prepare(threads: o.threads, batch: 1000) }
            let ranges = try library { try q.calibrate(x, samples: samples) }
            dense = zip(dense, ranges).map {
                .init(index: $0.index, weights: $0.weights, bias: $0.bias, activation: $0.activation, inputRange: $1)
            }
            activations = .calibrated(samples: samples)
            calibration = " (ranges calibrated on \(samples) \(what))"
        }
        let file = SafetensorsFile(
            tensors: QuantizedModelFile.tensors(dense, floatTensors: plan.floatTensors),
            metadata: QuantizedModelFile.metadata(from: model.metadata, architecture: plan.architecture, activations: activations))
        // What is written must load: the same checks every reader makes.
        _ = try library { try ModelFile.build(file, path: o.out) }
        let bytes = Safetensors.encode(tensors: file.tensors, metadata: file.metadata)
        do { try AtomicFile.write(bytes, to: o.out) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(o.out): \(error)")
        }
        var st = stat()
        let floatBytes = stat(o.model, &st) == 0 ? Int(st.st_size) : 0
        let ratio = floatBytes > 0 ? "\(fixed(Double(bytes.count) / Double(floatBytes), 2))× its \(grouped(floatBytes))" : "from float32"
        let folded = plan.foldedBatchNorms > 0 ? ", \(plan.foldedBatchNorms) batch norm\(plan.foldedBatchNorms == 1 ? "" : "s") folded" : ""
        Console.info(
            "mlp: \(OutputPath.name(o.out)): INT8 model of \(o.model), \(grouped(bytes.count)) bytes (\(ratio)), \(plan.architecture): \(dense.count) dense layer\(dense.count == 1 ? "" : "s") as s8 with a scale per output unit\(folded); activations \(activations.name)\(calibration)"
        )
        return .ok
    }

    /// The float network simplified for inference and its dense layers quantized.
    struct Plan {
        private(set) var dense: [QuantizedModel.DenseLayer] = []
        /// The batch norms that stay float layers, as tensors under their new index.
        private(set) var floatTensors: [SafetensorsTensor] = []
        private(set) var architecture = ""
        private(set) var foldedBatchNorms = 0

        private enum Item {
            case dense(weight: [Float], bias: [Float], inputs: Int, activation: Activation)
            case batchNorm(BatchNorm)
            case activation(Activation)
        }

        init(_ net: Network, path: String) throws(CLIError) {
            var items: [Item] = []
            for layer in net.layers {
                switch layer {
                case let d as Dense:
                    items.append(.dense(weight: d.weight.values, bias: d.bias.values, inputs: d.inputFeatures, activation: d.activation))
                case let b as BatchNorm:
                    if case .dense(let w, let bias, let inputs, .linear)? = items.last {
                        let t = net.store.tensors(ofLayer: net.layers.firstIndex { $0 === b }!)
                        let f = BatchNormFolding.fold(
                            weight: w, bias: bias, gamma: t[0].values, beta: t[1].values,
                            runningMean: t[2].values, runningVar: t[3].values, epsilon: b.epsilon)
                        items[items.count - 1] = .dense(weight: f.weight, bias: f.bias, inputs: inputs, activation: .linear)
                        foldedBatchNorms += 1
                    } else {
                        items.append(.batchNorm(b))
                    }
                case let a as ActivationLayer:
                    if a.activation == .linear { continue }
                    if case .dense(let w, let bias, let inputs, .linear)? = items.last {
                        items[items.count - 1] = .dense(weight: w, bias: bias, inputs: inputs, activation: a.activation)
                    } else {
                        items.append(.activation(a.activation))
                    }
                case is Dropout:
                    continue
                default:
                    throw CLIError(.dataError, "\(path): layer \(layer.token) has no INT8 form in this mlp")
                }
            }
            var specs: [LayerSpec] = []
            for (i, item) in items.enumerated() {
                switch item {
                case .dense(let w, let bias, let inputs, let act):
                    for (j, v) in w.enumerated() where !v.isFinite {
                        throw CLIError(
                            .dataError, "\(path): layer \(i)'s weight \(j) is \(v) after folding batch norm, which INT8 cannot hold")
                    }
                    dense.append(
                        .init(
                            index: i, weights: QuantizedMatrix(quantizing: w, rows: bias.count, cols: inputs), bias: bias,
                            activation: act, inputRange: nil))
                    specs.append(.dense(units: bias.count, activation: act))
                case .batchNorm(let b):
                    let t = net.store.tensors(ofLayer: net.layers.firstIndex { $0 === b }!)
                    floatTensors += t.map {
                        SafetensorsTensor(name: "layers.\(i).\($0.declaration.name)", shape: $0.shape, values: $0.values)
                    }
                    specs.append(b.spec)
                case .activation(let a):
                    specs.append(.activation(a))
                }
            }
            architecture = Architecture.string(specs)
        }
    }

    /// The first --samples examples of --data as the model's float input [samples, inputs] (pixels
    /// already scaled), their count, and what they are (for the summary line).
    static func calibrationData(_ path: String, model: LoadedModel, options o: Options) throws(CLIError) -> ([Float], Int, String) {
        let inputs = model.network.inputFeatures
        switch model.input {
        case .pixels(let scale, let rows, let cols):
            if TabularData.isCSV(path) && !TrainCommand.isDirectory(path) {
                throw CLIError(
                    .dataError, "\(o.model): was trained on images; \(path) is a CSV file (give the MNIST directory or an image file)")
            }
            let file =
                TrainCommand.isDirectory(path)
                ? try DataFiles.resolve(dir: path, name: ImageFiles.trainImages, file: nil, override: Flags.data, command: "quantize")
                : path
            let images: IDXImages
            do { images = try ImageFiles.readImages(file) } catch let e as FormatError { throw .data(e) } catch {
                throw CLIError(.dataError, "\(file): \(error)")
            }
            guard images.rows * images.cols == inputs else {
                throw CLIError(
                    .dataError, "\(file): images are \(images.rows)×\(images.cols) but the model expects \(rows)×\(cols) (\(inputs) inputs)"
                )
            }
            let n = min(images.count, o.samples)
            guard n > 0 else { throw CLIError(.dataError, "\(file): holds no images; calibration needs at least one") }
            return (images.pixels[0..<(n * inputs)].map { Float($0) * scale }, n, "images of \(file)")
        case .table(let encoder, let delimiter):
            guard TabularData.isCSV(path), !TrainCommand.isDirectory(path), case .table(let target) = model.output else {
                throw CLIError(.dataError, "\(o.model): was trained on a CSV file; give --data FILE.csv with its columns")
            }
            let options = encoder.readingOptions(CSVOptions(delimiter: o.delimiter ?? delimiter, threads: o.threads ?? BLAS.processors))
            let table = try library { try TabularData.read(path, options) }
            let n = min(table.rowCount, o.samples)
            guard n > 0 else { throw CLIError(.dataError, "\(path): holds no rows; calibration needs at least one") }
            let index = try library { try encoder.locate(in: table, allowed: Set(target.columns)) }
            let (features, unseen) = try library { try encoder.encode(table, at: index, rows: Array(0..<n)) }
            if unseen.total > 0 { Console.err(TableNote.unseenCategories(path: path, unseen).line) }
            return (features, n, "rows of \(path)")
        }
    }
}
