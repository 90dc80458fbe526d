// `mlp predict`: the class and probability a saved model gives each image of an IDX file.
import Formats
import Model

enum PredictCommand {
    static let flags: [Flag] = [
        Flag("model", "FILE", "the model file written by 'mlp train'"),
        Flag("images", "FILE", "an IDX image file (raw or .gz)"),
        Flag("limit", "N", "only the first N images"),
        Flag("threads", "N", "OpenBLAS threads (default: all cores)"),
        Flag("json", nil, "one JSON object per line, with every class probability"),
    ]

    static let usage = "mlp predict --model FILE --images FILE [--limit N] [--json]"

    static func run(_ a: Arguments) throws(CLIError) -> ExitCode {
        let modelPath = try a.required("model")
        let imagesPath = try a.required("images")
        let limit = try a.optionalInt("limit", in: 1...Int.max)
        try Threads.configure(a)
        try MemoryBudget.check(a, MemoryBudget.modelPart(modelPath) + MemoryBudget.dataParts([imagesPath]))
        let model = try ModelFile.load(modelPath)
        let images: IDXImages
        do { images = try IDXReader.readImages(path: imagesPath) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(imagesPath): \(error)")
        }
        let n = min(images.count, limit ?? images.count)
        let f = images.rows * images.cols
        let data = Dataset(pixels: Array(images.pixels[0..<(n * f)]), labels: [UInt8](repeating: 0, count: n),
                           count: n, rows: images.rows, cols: images.cols)
        try EvaluateCommand.checkShape(data, model, path: imagesPath)
        let net = model.network, classes = net.classes, json = a.has("json")
        if !json { Console.out("index,predicted,probability") }
        let batch = 1000
        let x = Matrix(rows: batch, cols: f)
        let labels = UnsafeMutablePointer<Int32>.allocate(capacity: batch)
        defer { labels.deallocate() }
        var start = 0
        while start < n {
            let m = min(batch, n - start)
            data.slice(from: start, count: m, scale: model.inputScale, into: x, labels: labels)
            let p = net.predict(x)
            for r in 0..<m {
                let row = p.data + r * classes
                let k = Network.argmax(row, classes)
                if json {
                    let probs = (0..<classes).map { JSONValue(row[$0]) }
                    Console.out(JSONValue.object([("index", .number(Double(start + r))), ("predicted", .number(Double(k))),
                                                  ("probability", JSONValue(row[k])), ("probabilities", .array(probs))]).serialized())
                } else {
                    Console.out("\(start + r),\(k),\(fixed(row[k], 6))")
                }
            }
            start += m
        }
        return .ok
    }
}
