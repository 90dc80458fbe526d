// `mlp evaluate`: accuracy and mean loss of a saved model on labelled IDX data; the CI gate.
// Also the confusion matrix, per-class precision/recall/F1, the most confident mistakes, and the
// confusion matrix as an SVG heat map.
import Formats
import Model

enum EvaluateCommand {
    static let flags: [Flag] = [
        Flag("model", "FILE", "the model file written by 'mlp train'"),
        Flag("data", "DIR", "directory with t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (raw or .gz)"),
        Flag("test-images", "FILE", "images to evaluate on (overrides --data)"),
        Flag("test-labels", "FILE", "their labels (overrides --data)"),
        Flag("batch-size", "N", "examples per forward pass (default 1000)"),
        Flag("threads", "N", "threads for the GEMMs and elementwise loops (default: all cores)"),
        Flag("min-accuracy", "X", "exit with code 3 when the accuracy is below X (0 to 1)"),
        Flag("misclassified", "N", "also list the N most confident mistakes (index, true, predicted, probability)"),
        Flag("plot", "FILE.svg", "write the confusion matrix as an SVG heat map"),
        Flag("json", nil, "print one JSON object on stdout"),
    ]

    static let usage = "mlp evaluate --model FILE --data DIR [--json] [--min-accuracy X] [--misclassified N] [--plot FILE.svg]"

    static func run(_ a: Arguments) throws(CLIError) -> ExitCode {
        let modelPath = try a.required("model")
        let minAccuracy = try a.optionalFloat("min-accuracy", "between 0 and 1") { $0 >= 0 && $0 <= 1 }
        let batch = try a.int("batch-size", default: 1000, in: 1...1 << 20)
        let mistakes = try a.optionalInt("misclassified", in: 1...Int.max)
        let plot = a.string("plot")
        if let plot { try OutputPath.checkWritable(plot, flag: "plot", command: a.command) }
        try Threads.configure(a)
        let imagesPath = try DataFiles.resolve(a, name: DataFiles.testImages, override: "test-images")
        let labelsPath = try DataFiles.resolve(a, name: DataFiles.testLabels, override: "test-labels")
        try MemoryBudget.check(a, MemoryBudget.modelPart(modelPath) + MemoryBudget.dataParts([imagesPath, labelsPath]))
        let model = try ModelFile.load(modelPath)
        let data = try DataFiles.load(images: imagesPath, labels: labelsPath, classes: model.network.classes)
        try DataFiles.requireImages(data, imagesPath, "an accuracy needs at least one")
        try checkShape(data, model, path: imagesPath)
        let start = now()
        let ev = Evaluation.run(model.network, on: data, scale: model.inputScale, batchSize: batch)
        let seconds = now() - start
        let perClass = ClassMetrics.from(confusion: ev.confusion)
        let macro = ClassMetrics.macroAverage(perClass)
        let wrong = mistakes.map { ev.mostConfidentMistakes(labels: data.labels, count: $0) }
        if a.has("json") {
            var members: [(String, JSONValue)] = [
                ("accuracy", JSONValue(ev.accuracy)), ("loss", JSONValue(ev.loss)),
                ("samples", .number(Double(ev.samples))), ("seconds", .number(seconds)),
                ("confusion", .array(ev.confusion.map { .array($0.map { JSONValue($0) }) })),
                ("per_class", .array(perClass.map { m in
                    .object([("class", JSONValue(m.classIndex)), ("precision", JSONValue(m.precision)),
                             ("recall", JSONValue(m.recall)), ("f1", JSONValue(m.f1)), ("support", JSONValue(m.support))])
                })),
                ("macro", .object([("precision", JSONValue(macro.precision)), ("recall", JSONValue(macro.recall)),
                                   ("f1", JSONValue(macro.f1)), ("classes", JSONValue(macro.classes))])),
            ]
            if let wrong {
                members.append(("misclassified", .array(wrong.map { w in
                    .object([("index", JSONValue(w.index)), ("true", JSONValue(w.trueClass)),
                             ("predicted", JSONValue(w.predicted)), ("probability", JSONValue(w.probability))])
                })))
            }
            Console.out(JSONValue.object(members).serialized())
        } else {
            Console.out("accuracy \(fixed(ev.accuracy, 4))  loss \(fixed(ev.loss, 4))  samples \(ev.samples)")
            Console.out("")
            Console.out(ClassificationReport.confusionTable(ev.confusion))
            Console.out("")
            Console.out(ClassificationReport.metricsTable(perClass, macro: macro))
            if let wrong {
                Console.out("")
                Console.out(ClassificationReport.mistakesTable(wrong, requested: mistakes ?? 0))
            }
        }
        if let plot {
            let title = "confusion matrix: \(lastComponent(modelPath)), accuracy \(fixed(ev.accuracy, 4)) on \(ev.samples) images"
            let svg = ConfusionMatrixSVG.render(confusion: ev.confusion, title: title)
            do { try AtomicFile.write(Array(svg.utf8), to: plot) } catch let e as FormatError { throw .data(e) } catch {
                throw CLIError(.dataError, "\(plot): \(error)")
            }
            Console.err("confusion matrix written to \(plot)")
        }
        if let minAccuracy, ev.accuracy < minAccuracy {
            Console.flush()
            Console.err("error: accuracy \(fixed(ev.accuracy, 4)) is below --min-accuracy \(minAccuracy)")
            return .belowMinimum
        }
        return .ok
    }

    /// The file name without its directories.
    static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// Images must have the model's input size.
    static func checkShape(_ data: Dataset, _ model: LoadedModel, path: String) throws(CLIError) {
        guard data.features == model.network.inputFeatures else {
            throw CLIError(.dataError, "\(path): images are \(data.rows)×\(data.cols) (\(data.features) pixels) but the model expects \(model.inputRows)×\(model.inputCols) (\(model.network.inputFeatures) inputs)")
        }
    }
}
