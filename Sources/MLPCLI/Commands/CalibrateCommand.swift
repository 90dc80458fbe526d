// `mlp calibrate --model M --data HELD-OUT --out FILE`: fits the temperature T that makes a
// classifier's probabilities honest on held-out data (temperature scaling: softmax(z/T), or σ(z/T)
// per output, with T minimizing the held-out log-loss; ModelCalibration.swift), and writes the model
// with T stored. Every command that reads the model applies it: predict, evaluate, importance,
// export (a Div node before the softmax or sigmoid) and quantize (the INT8 file keeps it). T changes
// no prediction, only how confident the probabilities are. With --pick-threshold, a binary
// model also gets the decision threshold that maximizes F1 or Youden's J on the same rows.
//
// The held-out data must be apart from the training rows: a CSV file (train --save-split writes
// DIR/validation.csv), or the directory train --save-split writes for images
// (validation-images-idx3-ubyte and validation-labels-idx1-ubyte), or the files named by flags.
// The model is written to --out (the --model file itself to update it in place), atomically.
import Formats
import Model
import Tables
import Training

#if canImport(Glibc)
    import Glibc
#endif

enum CalibrateCommand {
    static let flags: [Flag] = [
        Flags.model.helped("the classifier to calibrate (float or INT8; written by 'mlp train')"),
        Flags.data.helped(
            "the held-out data: a CSV file with the model's columns, or the directory with validation-images-idx3-ubyte and validation-labels-idx1-ubyte (raw or .gz), as train --save-split writes them"
        ),
        Flags.validationImages.helped("held-out images (overrides --data)"),
        Flags.validationLabels.helped("their labels (overrides --data)"),
        Flags.calibratedOut, Flags.pickThreshold,
        Flags.delimiter.helped("the CSV field delimiter: , ; tab or |").defaulting(to: "the training file's"),
        Flags.modelDecimal, Flags.modelThousands,
        Flags.evaluationBatchSize, Flags.threads, Flags.json.helped("print the figures as one JSON object on stdout"), Flags.silent,
        Flags.maxMemory,
    ]

    static let usage = "mlp calibrate --model FILE --data FILE.csv|DIR --out FILE [--pick-threshold f1|youden] [--json]"

    /// The held-out image files train --save-split writes.
    static let heldOutImages = "validation-images-idx3-ubyte", heldOutLabels = "validation-labels-idx1-ubyte"

    struct Options {
        let model: String, out: String
        let data: String?, images: String?, labels: String?
        let pick: DecisionThreshold.Rule?
        let delimiter: UInt8?
        let numbers: NumberFormatFlags
        let batch: Int
        let threads: Int?
        let json: Bool
        let memoryLimit: Int?

        init(_ a: Arguments) throws(CLIError) {
            // Every flag is read before any is refused (FlagDeclarationTests reads them this way).
            data = a.string(Flags.data)
            images = a.string(Flags.validationImages)
            labels = a.string(Flags.validationLabels)
            let rule = a.string(Flags.pickThreshold)
            let delimiterText = a.string(Flags.delimiter)
            numbers = try NumberFormatFlags(a)
            batch = try a.int(Flags.evaluationBatchSize, default: 1000)
            threads = try a.int(Flags.threads)
            json = a.has(Flags.json)
            memoryLimit = try MemoryBudget.flag(a)
            model = try a.required(Flags.model)
            out = try a.required(Flags.calibratedOut)
            if let rule {
                guard let r = DecisionThreshold.Rule(rawValue: rule.lowercased()) else {
                    throw .usage(
                        "--pick-threshold '\(rule)' is not one of \(DecisionThreshold.Rule.allCases.map(\.rawValue).joined(separator: ", "))",
                        command: a.command)
                }
                pick = r
            } else {
                pick = nil
            }
            delimiter = try delimiterText.map { (d: String) throws(CLIError) -> UInt8 in
                guard let b = TableSettings.delimiter(d) else {
                    throw .usage("--delimiter '\(d)' is not one of , ; tab |", command: a.command)
                }
                return b
            }
            if data == nil && images == nil {
                throw .usage("missing required flag --data (the held-out rows or images)", command: a.command)
            }
            if (images == nil) != (labels == nil) {
                throw .usage("--validation-images and --validation-labels go together", command: a.command)
            }
        }
    }

    static func run(_ a: Arguments) throws(CLIError) -> ExitCode {
        let o = try Options(a)
        let target = try OutputPath.checkWritable(o.out, flag: Flags.calibratedOut.name, command: a.command, kind: .binary)
        try OutputPath.claimStandardOutput([(Flags.calibratedOut, o.out, target)], json: o.json, command: a.command)
        let csv = o.images == nil ? o.data.flatMap { TabularData.isCSV($0) ? $0 : nil } : nil
        try library { try MemoryBudget.check(o.memoryLimit, MemoryBudget.modelPart(o.model) + (csv.map(MemoryBudget.csvPart) ?? [])) }
        let file: SafetensorsFile
        do { file = try Safetensors.read(path: o.model) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(o.model): \(error)")
        }
        let model = try library { try ModelFile.build(file, path: o.model) }
        if model.output.task == .regression {
            throw .usage(
                "mlp calibrate fits a classifier's temperature; \(o.model) is a regression (its outputs are values, not probabilities)",
                command: a.command)
        }
        guard let softmax = ModelCalibration.softmax(model) else {
            throw .usage(
                "\(o.model) was trained with --loss \(model.network.loss.token): its outputs are not logits that a temperature calibrates (cross_entropy or bce are)",
                command: a.command)
        }
        if let rule = o.pick {
            let name = "--\(Flags.pickThreshold.name) \(rule.rawValue)"
            guard model.output.task == .classification, model.network.classes == 2 else {
                let what = model.output.task == .multilabel ? "a multi-label model" : "a model of \(model.network.classes) classes"
                throw .usage("\(name) chooses a binary model's decision threshold; \(o.model) is \(what)", command: a.command)
            }
        }
        var source = LabelledData.Source(csv: csv, delimiter: o.delimiter, numbers: o.numbers, threads: o.threads)
        if !model.input.isTable && csv == nil {
            source.images = try heldOutFile(o, images: true, command: a.command)
            source.labels = try heldOutFile(o, images: false, command: a.command)
        }
        try model.useThreads(o.threads, batch: o.batch)
        let (data, dataPath, items) = try LabelledData.load(model, modelPath: o.model, source, command: a.command)
        let logits = try LabelledData.logits(model, data, batch: o.batch)
        let report = try library { try ModelCalibration.fit(model, logits: logits, data: data) }

        // The threshold, on the calibrated probabilities of the positive class (the second label), as
        // predict and evaluate compute them (in float, the temperature applied): a row at the threshold
        // is decided there as it was here.
        var threshold: (value: Double, at: Double, standard: Double)?
        if let rule = o.pick {
            var tempered = model
            tempered.temperature = Float(report.temperature)
            var positive = [Double](repeating: 0, count: data.count)
            let x = Matrix(rows: max(1, min(o.batch, data.count)), cols: model.network.inputFeatures)
            var start = 0
            while start < data.count {
                let n = min(o.batch, data.count - start)
                let p = try library { try tempered.predict(data, from: start, count: n, using: x) }
                for r in 0..<n { positive[start + r] = Double(p.data[r * 2 + 1]) }
                start += n
            }
            let truth = data.labels.map { $0 == 1 }
            let weights = data.weights.map { $0.map(Double.init) }
            guard
                let t = DecisionThreshold.pickThreshold(probabilities: positive, positives: truth, weights: weights, rule: rule)?.threshold
            else {
                throw CLIError(
                    .dataError,
                    "\(dataPath): holds no \(rule == .f1 ? "row of the positive class" : "rows of both classes"); --\(Flags.pickThreshold.name) \(rule.rawValue) needs \(rule == .f1 ? "one" : "both")"
                )
            }
            func score(_ at: Double) -> Double {
                guard let m = BinaryMetrics.compute(probabilities: positive, positives: truth, weights: weights, threshold: at) else {
                    return 0
                }
                let negatives = m.trueNegatives + m.falsePositives
                return rule == .f1 ? m.f1 : m.recall + (negatives > 0 ? m.trueNegatives / negatives : 0) - 1
            }
            threshold = (t, score(t), score(DecisionThreshold.standard))
        }

        let calibrated = ModelCalibration.calibrated(
            file, temperature: Float(report.temperature),
            threshold: threshold.map { StoredThreshold(threshold: $0.value, positiveLabel: model.output.label(1)) })
        _ = try library { try ModelFile.build(calibrated, path: o.out) }  // what is written must load
        do { try Safetensors.write(calibrated, to: o.out) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(o.out): \(error)")
        }

        let previous = model.temperature != 1 ? model.temperature : nil
        if o.json {
            var members: [(String, JSONValue)] = [
                ("temperature", JSONValue(Float(report.temperature))), ("samples", JSONValue(report.samples)),
                ("log_loss_before", JSONValue(report.logLossBefore)), ("log_loss_after", JSONValue(report.logLossAfter)),
                ("ece_before", report.eceBefore.map { JSONValue($0) } ?? .null),
                ("ece_after", report.eceAfter.map { JSONValue($0) } ?? .null),
                ("ece_bins", JSONValue(Calibration.defaultBins)),
                ("replaced_temperature", previous.map { JSONValue($0) } ?? .null),
            ]
            if let threshold, let rule = o.pick {
                members += [
                    ("threshold", JSONValue(threshold.value)), ("threshold_rule", JSONValue(rule.rawValue)),
                    ("\(rule.rawValue)_at_threshold", JSONValue(threshold.at)), ("\(rule.rawValue)_at_0.5", JSONValue(threshold.standard)),
                ]
            }
            members.append(("model", JSONValue(o.out)))
            Console.out(JSONValue.object(members).serialized())
        } else {
            let replaced = previous.map { " (replacing the stored \(fixed($0, 4)))" } ?? ""
            Console.out(
                "temperature \(fixed(report.temperature, 4))\(replaced), fitted on \(report.samples) held-out \(items) of \(dataPath)")
            var table = TextTable([("", .left), ("log-loss", .right), ("ECE", .right)])
            func ece(_ x: Double?) -> String { x.map { fixed($0, 4) } ?? "-" }
            table.add(["before (T = 1)", fixed(report.logLossBefore, 4), ece(report.eceBefore)])
            table.add(["after (T = \(fixed(report.temperature, 4)))", fixed(report.logLossAfter, 4), ece(report.eceAfter)])
            Console.out(table.render())
            if let threshold, let rule = o.pick {
                let name = rule == .f1 ? "F1" : "Youden's J"
                Console.out(
                    "threshold \(fixed(threshold.value, 4)) (\(name) \(fixed(threshold.at, 4)) at it, \(fixed(threshold.standard, 4)) at 0.5)"
                )
            }
        }
        if report.atRangeEdge {
            Console.err(
                "mlp: warning: the temperature is at the end of its range (0.01 to 100): the held-out \(items) are \(report.temperature < 1 ? "all classified right with room to spare, so they cannot show how confident the model should be" : "not told apart by the model's outputs at all"); calibrate on more, or more typical, held-out data"
            )
        }
        Console.info(
            "mlp: calibrated model written to \(OutputPath.name(o.out)) (format_version \(calibrated.metadataValue(for: "format_version") ?? "?"): mlp \(CLI.version) or later reads it)"
        )
        return .ok
    }

    /// The held-out image file (or its labels): the flag's, or the one train --save-split writes in --data.
    static func heldOutFile(_ o: Options, images: Bool, command: String) throws(CLIError) -> String {
        let (flag, name) = images ? (Flags.validationImages, heldOutImages) : (Flags.validationLabels, heldOutLabels)
        if let file = images ? o.images : o.labels { return file }
        guard let dir = o.data, TrainCommand.isDirectory(dir) else {
            throw CLIError(
                .dataError,
                "\(o.data ?? ""): is neither a CSV file nor a directory; give the held-out rows (FILE.csv) or the directory train --save-split wrote"
            )
        }
        let base = dir.hasSuffix("/") ? String(dir.dropLast()) : dir
        guard access("\(base)/\(name)", F_OK) == 0 || access("\(base)/\(name).gz", F_OK) == 0 else {
            throw CLIError(
                .dataError,
                "\(base): has no \(name) (train --validation-split F --save-split DIR writes the held-out images there); or name them with --\(flag.name) and --\(images ? Flags.validationLabels.name : Flags.validationImages.name)"
            )
        }
        return try DataFiles.resolve(dir: dir, name: name, file: nil, override: flag, command: command)
    }

    /// `mlp summary`'s line about a calibrated model (nil for one that is not).
    static func summaryLine(_ model: LoadedModel) -> String? {
        var parts: [String] = []
        if model.temperature != 1 { parts.append("temperature \(model.temperature) (mlp calibrate)") }
        if let t = DecisionThreshold.stored(model) { parts.append("decision threshold \(Float(t))") }
        return parts.isEmpty ? nil : "calibrated: " + parts.joined(separator: ", ")
    }
}
