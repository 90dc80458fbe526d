// `mlp summary MODEL`: what a saved model is, layer by layer, and how it was trained; given a
// checkpoint, what it holds (CheckpointSummary.swift).
import Formats
import Model
import Training

enum SummaryCommand {
    static let flags: [Flag] = [Flags.model.helped("the model file or checkpoint (or give it as the first argument)"), Flags.json]

    static let usage = "mlp summary MODEL|CHECKPOINT [--json]"

    /// Everything `mlp summary` reads from its command line.
    struct Options {
        let model: String
        let json: Bool
        init(_ a: Arguments) throws(CLIError) {
            model = try a.required(Flags.model)
            json = a.has(Flags.json)
        }
    }

    static func run(_ a: Arguments) throws(CLIError) -> ExitCode {
        let o = try Options(a)
        let path = o.model
        let file: SafetensorsFile
        do { file = try Safetensors.read(path: path) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(path): \(error)")
        }
        if file.metadataValue(for: "format") == Checkpoint.format {
            let c = try CheckpointSummary(file, path: path)
            Console.out(o.json ? c.json.serialized() : c.text)
            return .ok
        }
        let model = try library { try ModelFile.build(file, path: path) }
        let net = model.network
        let t = ModelSummary.totals(net)
        if o.json {
            let layers = ModelSummary.layersJSON(net)
            var head: [(String, JSONValue)] = [
                ("architecture", JSONValue(net.architecture)), ("input_shape", .array([.null, JSONValue(net.inputFeatures)])),
            ]
            if case .table(let encoder, let delimiter) = model.input, case .table(let target) = model.output {
                head += [("task", JSONValue(target.task.rawValue)), ("input", encoder.json(delimiter: delimiter)), ("target", target.json)]
                if target.task == .classification {
                    head.append(("classes", JSONValue(net.classes)))
                } else {
                    head.append(("outputs", JSONValue(net.outputFeatures)))
                }
            } else {
                head.append(("classes", JSONValue(net.classes)))
            }
            var tail: [(String, JSONValue)] = [
                ("loss", JSONValue(net.loss.token)), ("layers", layers),
                ("trainable_parameters", JSONValue(t.parameters)), ("non_trainable_buffers", JSONValue(t.buffers)),
                ("bytes", JSONValue(t.bytes)),
            ]
            if let q = model.quantized {
                tail.append(("quantization", q.json(floatArchitecture: model.metadataValue("float_architecture"))))
            }
            Console.out(
                JSONValue.object(
                    head + tail + [
                        ("metadata", .object(model.metadata.map { ($0.0, JSONValue($0.1)) }))
                    ]
                ).serialized())
            return .ok
        }
        switch (model.input, model.output) {
        case (.table(let encoder, _), .table(let target)):
            switch target {
            case .classes(let column, let labels):
                Console.out(
                    "model \(path): \(net.inputFeatures)→\(net.architecture), classification of \(column) into \(labels.count) classes (\(labels.prefix(10).joined(separator: ", "))\(labels.count > 10 ? ", …" : "")), loss \(net.loss.token)"
                )
            case .values(let columns, let mean, let std):
                let shown = zip(columns, zip(mean, std)).map {
                    "\($0) (mean \(significant(Double($1.0))), std \(significant(Double($1.1))))"
                }
                Console.out(
                    "model \(path): \(net.inputFeatures)→\(net.architecture), regression of \(shown.joined(separator: ", ")), loss \(net.loss.token)"
                )
            case .labels(let columns, let values):
                let shown = zip(columns, values).map { "\($0) (\($1[1]) on, \($1[0]) off)" }
                Console.out(
                    "model \(path): \(net.inputFeatures)→\(net.architecture), multi-label of \(columns.count) labels: \(shown.joined(separator: ", ")), loss \(net.loss.token)"
                )
            }
            let numbers = encoder.numbers != .standard ? "; numbers written with \(encoder.numbers.description)" : ""
            Console.out(
                "input: \(encoder.columns.count) CSV columns → \(encoder.width) features\(numbers)\(encoder.missing.map { "; missing values filled with the \($0.rawValue)" } ?? ""):"
            )
            var table = TextTable([("column", .left), ("type", .left), ("features", .right), ("encoding", .left)])
            for c in encoder.columns {
                switch c {
                case .numeric(let name, let mean, let std, let impute):
                    table.add([
                        name, "numeric", "1",
                        "(x − \(significant(Double(mean))))/\(significant(Double(std)))\(impute.map { "; missing → \(significant(Double($0)))" } ?? "")",
                    ])
                case .categorical(let name, let categories, let impute):
                    let shown = categories.prefix(4).joined(separator: ", ") + (categories.count > 4 ? ", …" : "")
                    table.add([name, "categorical", "\(categories.count)", "one-hot: \(shown)\(impute.map { "; missing → \($0)" } ?? "")"])
                case .date(let d):
                    table.add([d.name, "date", "\(d.width)", d.summary])
                }
            }
            Console.out(table.render())
        default:
            Console.out(
                "model \(path): \(net.inputFeatures)→\(net.architecture), input \(model.inputRows)×\(model.inputCols), \(net.classes) classes, loss \(net.loss.token)"
            )
        }
        let trained = ["optimizer", "augment", "epochs", "batch_size", "seed", "test_accuracy", "test_rmse", "test_r2", "mlp_version"]
            .compactMap { key in
                model.metadata.first { $0.0 == key }.map { "\(String(key.map { $0 == "_" ? " " : $0 })) \($0.1)" }
            }
        if !trained.isEmpty { Console.out("trained with " + trained.joined(separator: ", ")) }
        if let line = CalibrateCommand.summaryLine(model) { Console.out(line) }
        if let q = model.quantized { Console.out(q.summaryLine(floatArchitecture: model.metadataValue("float_architecture"))) }
        Console.out("")
        Console.out(ModelSummary.render(net))
        return .ok
    }
}
