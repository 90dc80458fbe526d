// `mlp evaluate`: accuracy and mean loss of a saved model on labelled IDX data; the CI gate.
// Also the confusion matrix, per-class precision/recall/F1, the most confident mistakes, and the
// confusion matrix as an SVG heat map.
import Formats
import Model

enum EvaluateCommand {
    static let flags: [Flag] = [
        Flags.model, Flags.data.helped("directory with t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (raw or .gz)"),
        Flags.testImages.helped("images to evaluate on (overrides --data)"), Flags.testLabels.helped("their labels (overrides --data)"),
        Flags.evaluationBatchSize, Flags.threads, Flags.minAccuracy, Flags.misclassified,
        Flags.plot.helped("write the confusion matrix as an SVG heat map"), Flags.json, Flags.maxMemory,
    ]

    static let usage = "mlp evaluate --model FILE --data DIR [--json] [--min-accuracy X] [--misclassified N] [--plot FILE.svg]"

    /// Everything `mlp evaluate` reads from its command line.
    struct Options {
        let model: String
        let dataDir: String?, testImages: String?, testLabels: String?
        let batch: Int
        let minAccuracy: Float?
        let misclassified: Int?
        let plot: String?
        let json: Bool
        let threads: Int?
        let memoryLimit: Int?

        init(_ a: Arguments) throws(CLIError) {
            model = try a.required(Flags.model)
            dataDir = a.string(Flags.data)
            testImages = a.string(Flags.testImages)
            testLabels = a.string(Flags.testLabels)
            batch = try a.int(Flags.evaluationBatchSize, default: 1000)
            minAccuracy = try a.float(Flags.minAccuracy)
            misclassified = try a.int(Flags.misclassified)
            plot = a.string(Flags.plot)
            json = a.has(Flags.json)
            threads = try a.int(Flags.threads)
            memoryLimit = try MemoryBudget.flag(a)
        }
    }

    static func run(_ a: Arguments) throws(CLIError) -> ExitCode {
        let o = try Options(a)
        let modelPath = o.model, minAccuracy = o.minAccuracy, batch = o.batch, mistakes = o.misclassified, plot = o.plot
        if let plot { try OutputPath.checkWritable(plot, flag: Flags.plot.name, command: a.command) }
        let pool = Threads.configure(o.threads)
        let imagesPath = try DataFiles.resolve(dir: o.dataDir, name: DataFiles.testImages, file: o.testImages, override: Flags.testImages, command: a.command)
        let labelsPath = try DataFiles.resolve(dir: o.dataDir, name: DataFiles.testLabels, file: o.testLabels, override: Flags.testLabels, command: a.command)
        try MemoryBudget.check(o.memoryLimit, MemoryBudget.modelPart(modelPath) + MemoryBudget.dataParts([imagesPath, labelsPath]))
        let model = try ModelFile.load(modelPath)
        model.network.loops.runner = pool
        let data = try DataFiles.load(images: imagesPath, labels: labelsPath, classes: model.network.classes, scale: model.inputScale)
        try DataFiles.requireImages(data, imagesPath, "an accuracy needs at least one")
        try checkShape(data, model, path: imagesPath)
        let start = now()
        let ev = Evaluation.run(model.network, on: data, batchSize: batch)
        let seconds = now() - start
        let perClass = ClassMetrics.from(confusion: ev.confusion)
        let macro = ClassMetrics.macroAverage(perClass)
        let wrong = mistakes.map { ev.mostConfidentMistakes(labels: data.labels, count: $0) }
        if o.json {
            let confusion: [JSONValue] = ev.confusion.map { row in JSONValue.array(row.map { JSONValue($0) }) }
            let classes: [JSONValue] = perClass.map { (m: ClassMetrics) -> JSONValue in
                let fields: [(String, JSONValue)] = [("class", JSONValue(m.classIndex)), ("precision", JSONValue(m.precision)),
                                                     ("recall", JSONValue(m.recall)), ("f1", JSONValue(m.f1)), ("support", JSONValue(m.support))]
                return .object(fields)
            }
            let macroFields: [(String, JSONValue)] = [("precision", JSONValue(macro.precision)), ("recall", JSONValue(macro.recall)),
                                                      ("f1", JSONValue(macro.f1)), ("classes", JSONValue(macro.classes))]
            var members: [(String, JSONValue)] = [
                ("accuracy", JSONValue(ev.accuracy)), ("loss", JSONValue(ev.loss)),
                ("samples", .number(Double(ev.samples))), ("seconds", .number(seconds)),
                ("confusion", .array(confusion)), ("per_class", .array(classes)), ("macro", .object(macroFields)),
            ]
            if let wrong {
                let items: [JSONValue] = wrong.map { (w: Misclassification) -> JSONValue in
                    let fields: [(String, JSONValue)] = [("index", JSONValue(w.index)), ("true", JSONValue(w.trueClass)),
                                                         ("predicted", JSONValue(w.predicted)), ("probability", JSONValue(w.probability))]
                    return .object(fields)
                }
                members.append(("misclassified", .array(items)))
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
            throw CLIError(.dataError, "\(path): images are \(DataFiles.shape(data)) (\(data.features) pixels) but the model expects \(model.inputRows)×\(model.inputCols) (\(model.network.inputFeatures) inputs)")
        }
    }
}
