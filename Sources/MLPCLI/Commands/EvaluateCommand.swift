// `mlp evaluate`: how a saved model does on labelled data (IDX images, or a CSV file for a model
// trained on one); the CI gate. Classification: accuracy and mean loss, the figures of
// EvaluationReport (ROC and PR AUC, F1, log-loss, … : EvaluateFigures.swift), the confusion matrix,
// per-class precision/recall/F1, the most confident mistakes, and the confusion matrix as an SVG
// heat map; every gate given is checked. Regression: RMSE, MAE and R² in the target's units, and
// predicted against actual values as an SVG scatter plot. Data with the model's weight column gives
// weighted figures. Classification also reports the expected calibration error and draws its reliability
// diagram; multi-label models get subset accuracy, Hamming loss and F1s (EvaluateCommand+Multilabel.swift).
import Formats
import Model
import Tables
import Training

enum EvaluateCommand {
    static let flags: [Flag] = [
        Flags.model,
        Flags.data.helped(
            "a CSV file with the model's columns (for a model trained on one), or the directory with t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (raw or .gz)"
        ),
        Flags.testImages.helped("images to evaluate on (overrides --data)"), Flags.testLabels.helped("their labels (overrides --data)"),
        Flags.delimiter.helped("the CSV field delimiter: , ; tab or |").defaulting(to: "the training file's"),
        Flags.modelDecimal, Flags.modelThousands, Flags.evaluateMissingTarget,
        Flags.evaluationBatchSize, Flags.threads, Flags.minAccuracy, Flags.minAUC, Flags.minF1, Flags.minBalancedAccuracy, Flags.maxLogLoss,
        Flags.minRecall, Flags.minR2, Flags.maxRMSE, Flags.positiveLabel, Flags.threshold,
        Flags.topK.helped("top_k_accuracy counts a row right when its class is among the K most probable (more than two classes)")
            .defaulting(to: "5, or one less than the classes when there are fewer than 6"),
        Flags.misclassified,
        Flags.idColumn.helped("with --misclassified: name each mistake by this CSV column (an ID, as written)"),
        Flags.plot.helped(
            "write an SVG: the confusion matrix as a heat map, or for a regression predicted against actual values and the residuals (the first \(RegressionPlotSVG.maxTargets) targets, at most \(RegressionPlotSVG.maxPoints) rows drawn)"
        ), Flags.plotCalibration,
        Flags.json, Flags.silent, Flags.maxMemory,
    ]

    static let usage =
        "mlp evaluate --model FILE --data DIR|FILE.csv [--json] [--min-accuracy X] [--min-auc X] [--min-f1 X] [--min-recall LABEL:X ...] [--positive-label LABEL] [--threshold X] [--misclassified N [--id-column COLUMN]] [--plot FILE.svg] [--plot-calibration FILE.svg]"

    /// Everything `mlp evaluate` reads from its command line.
    struct Options {
        let model: String
        let dataDir: String?, testImages: String?, testLabels: String?
        let batch: Int
        let minAccuracy: Float?, minR2: Float?, maxRMSE: Float?
        let delimiter: UInt8?
        let numbers: NumberFormatFlags
        let misclassified: Int?
        let idColumn: String?
        let missingTarget: MissingTargetPolicy
        let plot: String?
        let plotCalibration: String?
        let json: Bool
        let threads: Int?
        let memoryLimit: Int?
        let decision: DecisionFlags
        let gates: FigureGates
        let topK: Int?

        init(_ a: Arguments) throws(CLIError) {
            model = try a.required(Flags.model)
            dataDir = a.string(Flags.data)
            testImages = a.string(Flags.testImages)
            testLabels = a.string(Flags.testLabels)
            batch = try a.int(Flags.evaluationBatchSize, default: 1000)
            minAccuracy = try a.float(Flags.minAccuracy)
            minR2 = try a.float(Flags.minR2)
            maxRMSE = try a.float(Flags.maxRMSE)
            delimiter = try a.string(Flags.delimiter).map { (d: String) throws(CLIError) -> UInt8 in
                guard let b = TableSettings.delimiter(d) else {
                    throw .usage("--delimiter '\(d)' is not one of , ; tab |", command: a.command)
                }
                return b
            }
            numbers = try NumberFormatFlags(a)
            misclassified = try a.int(Flags.misclassified)
            idColumn = a.has(Flags.idColumn) ? try a.required(Flags.idColumn) : nil
            if idColumn != nil && misclassified == nil {
                throw .usage("--id-column names the rows of the --misclassified list; add --misclassified N", command: a.command)
            }
            let m = a.string(Flags.evaluateMissingTarget) ?? MissingTargetPolicy.skip.rawValue
            guard let p = MissingTargetPolicy(rawValue: m.lowercased()) else {
                throw .usage("--missing-target '\(m)' is not one of skip, error", command: a.command)
            }
            missingTarget = p
            plot = a.string(Flags.plot)
            plotCalibration = a.string(Flags.plotCalibration)
            json = a.has(Flags.json)
            threads = try a.int(Flags.threads)
            memoryLimit = try MemoryBudget.flag(a)
            topK = try a.int(Flags.topK)
            decision = try DecisionFlags(a)
            gates = try FigureGates(a)
        }
    }

    static func run(_ a: Arguments) throws(CLIError) -> ExitCode {
        let o = try Options(a)
        let modelPath = o.model
        let minAccuracy = o.minAccuracy
        let batch = o.batch
        let mistakes = o.misclassified
        let plot = o.plot
        let plots = [(Flags.plot, plot), (Flags.plotCalibration, o.plotCalibration)].compactMap { f, p in p.map { (f, $0) } }
        if !plots.isEmpty {
            var targets: [(flag: Flag, path: String, target: OutputTarget)] = []
            for (f, p) in plots { targets.append((f, p, try OutputPath.checkWritable(p, flag: f.name, command: a.command))) }
            try OutputPath.claimStandardOutput(targets, json: o.json, command: a.command)
        }
        // A CSV file (told by its content) for a model trained on one; else the IDX files.
        let csv = o.dataDir.flatMap { TabularData.isCSV($0) ? $0 : nil }
        var dataParts: [(what: String, bytes: Int)] = []
        var imagesPath = ""
        var labelsPath = ""
        if let csv {
            dataParts = MemoryBudget.csvPart(csv)
        } else if o.testImages != nil || o.dataDir.map({ TrainCommand.isDirectory($0) && ImageFiles.hasIDX($0) }) ?? false {
            imagesPath = try DataFiles.resolve(
                dir: o.dataDir, name: ImageFiles.testImages, file: o.testImages, override: Flags.testImages, command: a.command)
            labelsPath = try DataFiles.resolve(
                dir: o.dataDir, name: ImageFiles.testLabels, file: o.testLabels, override: Flags.testLabels, command: a.command)
            dataParts = MemoryBudget.dataParts([imagesPath, labelsPath])
        }
        try library { try MemoryBudget.check(o.memoryLimit, MemoryBudget.modelPart(modelPath) + dataParts) }
        let model = try library { try ModelFile.load(modelPath) }
        if csv == nil && imagesPath.isEmpty && !model.input.isTable {
            // No IDX files found: let the resolver say what is missing, in its words.
            imagesPath = try DataFiles.resolve(
                dir: o.dataDir, name: ImageFiles.testImages, file: o.testImages, override: Flags.testImages, command: a.command)
            labelsPath = try DataFiles.resolve(
                dir: o.dataDir, name: ImageFiles.testLabels, file: o.testLabels, override: Flags.testLabels, command: a.command)
        }
        try model.useThreads(o.threads, batch: batch)
        let data: Dataset
        let dataName: String
        var ids: [String]?
        // The file's row of each example (nil: example i is row i).
        var rows: [Int]?
        switch model.input {
        case .table(let encoder, let delimiter):
            guard let csv else {
                throw CLIError(
                    .dataError,
                    "\(modelPath): was trained on a CSV file; give --data FILE.csv with its columns (\(encoder.names.prefix(5).joined(separator: ", "))\(encoder.names.count > 5 ? ", …" : ""))"
                )
            }
            guard case .table(let target) = model.output else { preconditionFailure("a table model has a target") }
            var options = encoder.readingOptions(
                CSVOptions(delimiter: o.delimiter ?? delimiter, threads: o.threads ?? BLAS.processors), target: target,
                weightColumn: model.weightColumn)
            options.numbers = try o.numbers.format(over: encoder.numbers)
            options.markerAdvice = TableEncoder.retrainMarkerAdvice
            let idColumn = IDColumn(name: o.idColumn, encoder: encoder, target: target)
            idColumn.prepare(&options)
            let table = try library { try TabularData.read(csv, options) }
            try library { try TabularData.requireRows(table) }
            let labelled = try library {
                try TabularData.labelled(
                    table, encoder: encoder, target: target, weightColumn: model.weightColumn, missingTarget: o.missingTarget)
            }
            if let note = labelled.note { Console.note(note.line) }
            if labelled.unseen.total > 0 { Console.err(TableNote.unseenCategories(path: table.path, labelled.unseen).line) }
            data = labelled.data
            rows = labelled.rows
            ids = try library { try idColumn.values(table) }
            let ignored = encoder.ignored(
                in: table, allowed: Set(target.columns + idColumn.names + (model.weightColumn.map { [$0] } ?? [])))
            if !ignored.isEmpty { Console.note(TableNote.ignoredColumns(path: csv, ignored).line) }
            dataName = csv
        case .pixels:
            if o.idColumn != nil { throw .usage("--id-column names a CSV column; \(modelPath) was trained on images", command: a.command) }
            if let csv {
                throw CLIError(
                    .dataError, "\(modelPath): was trained on images; \(csv) is a CSV file (give the directory with the IDX test files)")
            }
            let d = try library {
                try ImageFiles.load(images: imagesPath, labels: labelsPath, classes: model.network.classes, scale: model.inputScale)
            }
            try library { try ImageFiles.requireImages(d, imagesPath, "an accuracy needs at least one") }
            try checkShape(d, model, path: imagesPath)
            data = d
            dataName = imagesPath
        }
        try checkCalibrationPlot(o, model)
        if model.output.task == .multilabel {
            if let flag = o.gates.firstGiven ?? (o.topK != nil ? Flags.topK : nil) {
                throw .usage(
                    "--\(flag.name) is a figure of a single-label classification; \(modelPath) is multi-label: use --min-accuracy (every label right)",
                    command: a.command)
            }
            return try multilabel(model, data, options: o, path: dataName)
        }
        if model.output.task == .regression {
            if let flag = minAccuracy != nil ? Flags.minAccuracy : o.gates.firstGiven {
                throw .usage(
                    "--\(flag.name) gates a classification; \(modelPath) is a regression: use --min-r2 or --max-rmse", command: a.command)
            }
            if o.topK != nil { throw .usage("--top-k ranks classes; \(modelPath) is a regression", command: a.command) }
            _ = try o.decision.decision(for: model, path: modelPath, command: a.command)
            return try regression(model, data, options: o, path: dataName)
        }
        if o.minR2 != nil || o.maxRMSE != nil {
            throw .usage(
                "--\(o.minR2 != nil ? "min-r2" : "max-rmse") gates a regression; \(modelPath) is a classification: use --min-accuracy, --min-auc, --min-f1, --min-balanced-accuracy, --max-log-loss or --min-recall",
                command: a.command)
        }
        try o.gates.check(model, path: modelPath, command: a.command)
        let decided = try o.decision.decision(for: model, path: modelPath, command: a.command)
        if let k = o.topK, model.network.outputFeatures <= 2 {
            throw .usage(
                "--top-k \(k) sets the k of top_k_accuracy, a figure of more than two classes; \(modelPath) has \(model.network.outputFeatures)",
                command: a.command)
        }
        let items = model.input.isTable ? "rows" : "images"
        let start = now()
        let report = try library { try model.report(data, batchSize: batch, decision: decided?.decision ?? .standard, topK: o.topK) }
        let seconds = now() - start
        guard let figures = report.classification else { preconditionFailure("a classification has classification figures") }
        let weightColumn = report.weighted ? model.weightColumn : nil
        let perClass = ClassMetrics.from(confusion: figures.confusion)
        let macro = ClassMetrics.macroAverage(perClass)
        let correct = figures.confusion.indices.reduce(0) { $0 + figures.confusion[$1][$1] }
        // Unweighted, the accuracy as every mlp has computed it: correct / rows, in Float.
        let accuracy = report.weighted ? Float(figures.accuracy) : Float(correct) / Float(max(report.rows, 1))
        // Each mistake's index is its row of the file (the same when no row was left out).
        let wrong = mistakes.map {
            figures.mostConfidentMistakes(labels: data.labels, count: $0).map { w in
                Misclassification(
                    index: rows?[w.index] ?? w.index, trueClass: w.trueClass, predicted: w.predicted, probability: w.probability)
            }
        }
        let label = model.output.label
        let reliability = reliability(figures, data, model)
        if o.json {
            let confusion: [JSONValue] = figures.confusion.map { row in JSONValue.array(row.map { JSONValue($0) }) }
            var classes: JSONValue = .array(
                perClass.map { (m: ClassMetrics) -> JSONValue in
                    let fields: [(String, JSONValue)] = [
                        ("class", model.output.labelJSON(m.classIndex)), ("precision", JSONValue(Float(m.precision))),
                        ("recall", JSONValue(Float(m.recall))), ("f1", JSONValue(Float(m.f1))), ("support", JSONValue(m.support)),
                    ]
                    return .object(fields)
                })
            var macroJSON: JSONValue = .object([
                ("precision", JSONValue(Float(macro.precision))), ("recall", JSONValue(Float(macro.recall))),
                ("f1", JSONValue(Float(macro.f1))), ("classes", JSONValue(macro.classes)),
            ])
            if report.weighted { (classes, macroJSON) = EvaluateFigures.weightedPerClass(figures, model: model) }
            var members: [(String, JSONValue)] =
                [
                    ("accuracy", JSONValue(accuracy)), ("loss", JSONValue(report.loss)),
                    ("samples", .number(Double(report.rows))), ("seconds", JSONValue(seconds, decimals: 6)),
                    ("confusion", .array(confusion)), ("per_class", classes), ("macro", macroJSON),
                ] + calibrationJSON(reliability, model)
            members += EvaluateFigures.json(figures, model: model, weightColumn: weightColumn, totalWeight: report.totalWeight)
            if let wrong {
                let items: [JSONValue] = wrong.map { (w: Misclassification) -> JSONValue in
                    let fields: [(String, JSONValue)] =
                        (ids.map { [("id", JSONValue($0[w.index]))] } ?? []) + [
                            ("index", JSONValue(w.index)), ("true", model.output.labelJSON(w.trueClass)),
                            ("predicted", model.output.labelJSON(w.predicted)), ("probability", JSONValue(w.probability)),
                        ]
                    return .object(fields)
                }
                members.append(("misclassified", .array(items)))
            }
            Console.out(JSONValue.object(members).serialized())
        } else {
            Console.out("accuracy \(fixed(accuracy, 4))  loss \(fixed(report.loss, 4))  samples \(report.rows)")
            for line in EvaluateFigures.lines(
                figures, model: model, source: decided?.source, weightColumn: weightColumn, totalWeight: report.totalWeight)
            {
                Console.out(line)
            }
            if let line = calibrationLine(reliability, model) { Console.out(line) }
            Console.out("")
            Console.out(ClassificationReport.confusionTable(figures.confusion, label: label))
            Console.out("")
            Console.out(
                report.weighted
                    ? EvaluateFigures.weightedTable(figures, label: label)
                    : ClassificationReport.metricsTable(perClass, macro: macro, label: label))
            if let wrong {
                Console.out("")
                Console.out(
                    ClassificationReport.mistakesTable(
                        wrong, requested: mistakes ?? 0, label: label, items: items,
                        ids: ids.map { ids in (o.idColumn!, { ids[$0] }) }))
            }
        }
        if let plot {
            let title = "confusion matrix: \(lastComponent(modelPath)), accuracy \(fixed(accuracy, 4)) on \(report.rows) \(items)"
            let svg = ConfusionMatrixSVG.render(confusion: figures.confusion, labels: figures.confusion.indices.map(label), title: title)
            do { try AtomicFile.write(Array(svg.utf8), to: plot) } catch let e as FormatError { throw .data(e) } catch {
                throw CLIError(.dataError, "\(plot): \(error)")
            }
            Console.info("confusion matrix written to \(OutputPath.name(plot))")
        }
        if let path = o.plotCalibration, let reliability {
            try writeReliability(path, reliability, model: model, modelPath: modelPath, samples: "\(report.rows) \(items)")
        }
        // Every gate is checked, and each one missed is named.
        var failures: [String] = []
        if let minAccuracy, accuracy < minAccuracy {
            failures.append("accuracy \(fixed(accuracy, 4)) is below --min-accuracy \(minAccuracy)")
        }
        failures += o.gates.failures(figures, model: model)
        guard failures.isEmpty else {
            Console.flush()
            for f in failures { Console.err("error: " + f) }
            return .belowMinimum
        }
        return .ok
    }

    /// A regression model's report: RMSE, MAE and R² in the targets' units (the mean over several
    /// targets, and each one), and the --min-r2 / --max-rmse gates.
    static func regression(_ model: LoadedModel, _ data: Dataset, options o: Options, path: String) throws(CLIError) -> ExitCode {
        guard case .table(.values(let columns, let mean, let std)) = model.output else {
            preconditionFailure("a regression model has value targets")
        }
        if o.misclassified != nil {
            throw .usage("--misclassified lists a classification's mistakes; \(o.model) is a regression", command: "evaluate")
        }
        let start = now()
        var ev = try library { try model.evaluateRegression(data, batchSize: o.batch) }
        var m = SessionMetrics.regression(ev, scale: std)
        if data.weights != nil {
            // Weighted by the model's weight column: the figures from every row at once.
            let report = try library { try model.report(data, batchSize: o.batch, targetScale: std) }
            guard let r = report.regression else { preconditionFailure("a regression report") }
            m = SessionMetrics.Regression(rmse: r.rmse, mae: r.mae, r2: r.r2, perTarget: r.perTarget)
            ev.loss = report.loss
        }
        let seconds = now() - start
        if o.json {
            let per: [JSONValue] = zip(columns, m.perTarget).map { c, t in
                .object([
                    ("column", JSONValue(c)), ("rmse", JSONValue(Float(t.rmse))), ("mae", JSONValue(Float(t.mae))),
                    ("r2", JSONValue(Float(t.r2))),
                ])
            }
            // The figures to float precision, as train --json gives them: the digits beyond are noise.
            var members: [(String, JSONValue)] = [
                ("rmse", JSONValue(Float(m.rmse))), ("mae", JSONValue(Float(m.mae))), ("r2", JSONValue(Float(m.r2))),
                ("samples", JSONValue(ev.samples)), ("loss", JSONValue(ev.loss)), ("seconds", JSONValue(seconds, decimals: 6)),
                ("targets", .array(per)),
            ]
            if let w = data.weights, let column = model.weightColumn {
                members += [("weight_column", JSONValue(column)), ("total_weight", JSONValue(w.reduce(0.0) { $0 + Double($1) }))]
            }
            Console.out(JSONValue.object(members).serialized())
        } else {
            Console.out("rmse \(significant(m.rmse))  mae \(significant(m.mae))  r2 \(fixed(m.r2, 4))  samples \(ev.samples)")
            if data.weights != nil, let column = model.weightColumn {
                Console.out("every figure is weighted by the column '\(column)'")
            }
            if columns.count > 1 {
                var table = TextTable([("target", .left), ("rmse", .right), ("mae", .right), ("r2", .right)])
                for (c, t) in zip(columns, m.perTarget) { table.add([c, significant(t.rmse), significant(t.mae), fixed(t.r2, 4)]) }
                Console.out("")
                Console.out(table.render())
            }
        }
        if let plot = o.plot {
            try writeRegressionPlot(plot, ev, data, columns: columns, mean: mean, std: std, metrics: m, model: o.model)
        }
        if let minR2 = o.minR2, m.r2 < Double(minR2) {
            Console.flush()
            Console.err("error: r2 \(fixed(m.r2, 4)) is below --min-r2 \(minR2)")
            return .belowMinimum
        }
        if let maxRMSE = o.maxRMSE, m.rmse > Double(maxRMSE) {
            Console.flush()
            Console.err("error: rmse \(significant(m.rmse)) is above --max-rmse \(maxRMSE)")
            return .belowMinimum
        }
        return .ok
    }

    /// --plot for a regression: each target's predictions against its values, in its units.
    static func writeRegressionPlot(
        _ plot: String, _ ev: RegressionEvaluation, _ data: Dataset, columns: [String], mean: [Float],
        std: [Float], metrics m: SessionMetrics.Regression, model: String
    ) throws(CLIError) {
        guard case .values(let targets, let w) = data.targets else { preconditionFailure("a regression dataset has value targets") }
        let shown = min(columns.count, RegressionPlotSVG.maxTargets)
        let plotted = (0..<shown).map { j -> RegressionPlotSVG.Target in
            let s = Double(std[j])
            let mu = Double(mean[j])
            return RegressionPlotSVG.Target(
                name: columns[j],
                actual: (0..<ev.samples).map { Double(targets[$0 * w + j]) * s + mu },
                predicted: (0..<ev.samples).map { Double(ev.predictions[$0 * w + j]) * s + mu },
                rmse: m.perTarget[j].rmse, r2: m.perTarget[j].r2)
        }
        let title = "regression: \(lastComponent(model)), R² \(fixed(m.r2, 4)) on \(ev.samples) rows"
        let svg = RegressionPlotSVG.render(targets: plotted, of: columns.count, title: title)
        do { try AtomicFile.write(Array(svg.utf8), to: plot) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(plot): \(error)")
        }
        let points = RegressionPlotSVG.sample(count: ev.samples).count
        var what = columns.count > shown ? "the first \(shown) of \(columns.count) targets" : shown == 1 ? "" : "\(shown) targets"
        if points < ev.samples { what += (what.isEmpty ? "" : ", ") + "\(points) of \(ev.samples) rows drawn" }
        Console.info("predicted against actual values written to \(plot)\(what.isEmpty ? "" : " (\(what))")")
    }

    /// The file name without its directories.
    static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// Images must have the model's input size.
    static func checkShape(_ data: Dataset, _ model: LoadedModel, path: String) throws(CLIError) {
        guard data.features == model.network.inputFeatures else {
            throw CLIError(
                .dataError,
                "\(path): images are \(ImageFiles.shape(data)) (\(data.features) pixels) but the model expects \(model.inputRows)×\(model.inputCols) (\(model.network.inputFeatures) inputs)"
            )
        }
    }
}
