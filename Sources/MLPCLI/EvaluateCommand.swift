// `mlp evaluate`: accuracy and mean loss of a saved model on labelled IDX data; the CI gate.
import Formats
import Model

enum EvaluateCommand {
    static let flags: [Flag] = [
        Flag("model", "FILE", "the model file written by 'mlp train'"),
        Flag("data", "DIR", "directory with t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (raw or .gz)"),
        Flag("test-images", "FILE", "images to evaluate on (overrides --data)"),
        Flag("test-labels", "FILE", "their labels (overrides --data)"),
        Flag("batch-size", "N", "examples per forward pass (default 1000)"),
        Flag("threads", "N", "OpenBLAS threads (default: all cores)"),
        Flag("min-accuracy", "X", "exit with code 3 when the accuracy is below X (0 to 1)"),
        Flag("json", nil, "print one JSON object on stdout"),
    ]

    static let usage = "mlp evaluate --model FILE --data DIR [--json] [--min-accuracy X]"

    static func run(_ a: Arguments) throws(CLIError) -> ExitCode {
        let modelPath = try a.required("model")
        let minAccuracy = try a.optionalFloat("min-accuracy", "between 0 and 1") { $0 >= 0 && $0 <= 1 }
        let batch = try a.int("batch-size", default: 1000, in: 1...1 << 20)
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
        if a.has("json") {
            Console.out(JSONValue.object([
                ("accuracy", JSONValue(ev.accuracy)), ("loss", JSONValue(ev.loss)),
                ("samples", .number(Double(ev.samples))), ("seconds", .number(seconds)),
            ]).serialized())
        } else {
            Console.out("accuracy \(fixed(ev.accuracy, 4))  loss \(fixed(ev.loss, 4))  samples \(ev.samples)")
        }
        if let minAccuracy, ev.accuracy < minAccuracy {
            Console.flush()
            Console.err("error: accuracy \(fixed(ev.accuracy, 4)) is below --min-accuracy \(minAccuracy)")
            return .belowMinimum
        }
        return .ok
    }

    /// Images must have the model's input size.
    static func checkShape(_ data: Dataset, _ model: LoadedModel, path: String) throws(CLIError) {
        guard data.features == model.network.inputFeatures else {
            throw CLIError(.dataError, "\(path): images are \(data.rows)×\(data.cols) (\(data.features) pixels) but the model expects \(model.inputRows)×\(model.inputCols) (\(model.network.inputFeatures) inputs)")
        }
    }
}
