// `mlp predict`: the class and probability a saved model gives each image of an IDX, PGM or PNG
// file; optionally the K most probable classes, or a drawing of each image beside its prediction.
import Formats
import Model

enum PredictCommand {
    static let flags: [Flag] = [
        Flags.model, Flags.images, Flags.limit, Flags.topK, Flags.show, Flags.threads,
        Flags.json.helped("one JSON object per line, with every class probability"), Flags.maxMemory,
    ]

    static let usage = "mlp predict --model FILE --images FILE [--limit N] [--top-k K] [--show | --json]"

    /// Everything `mlp predict` reads from its command line.
    struct Options {
        let model: String, images: String
        let limit: Int?, topK: Int?
        let json: Bool, show: Bool
        let threads: Int?
        let memoryLimit: Int?

        init(_ a: Arguments) throws(CLIError) {
            model = try a.required(Flags.model)
            images = try a.required(Flags.images)
            limit = try a.int(Flags.limit)
            topK = try a.int(Flags.topK)
            json = a.has(Flags.json)
            show = a.has(Flags.show)
            threads = try a.int(Flags.threads)
            memoryLimit = try MemoryBudget.flag(a)
            if json && show { throw .usage("--show draws for people and --json writes for programs; give one", command: a.command) }
        }
    }

    static func run(_ a: Arguments) throws(CLIError) -> ExitCode {
        let o = try Options(a)
        let modelPath = o.model, imagesPath = o.images, limit = o.limit, topK = o.topK, json = o.json, show = o.show
        let pool = Threads.configure(o.threads)
        try MemoryBudget.check(o.memoryLimit, MemoryBudget.modelPart(modelPath) + MemoryBudget.dataParts([imagesPath]))
        let model = try ModelFile.load(modelPath)
        model.network.loops.runner = pool
        let net = model.network, classes = net.classes
        if let topK, topK > classes {
            throw .usage("--top-k \(topK) is more than the model's \(classes) classes", command: a.command)
        }
        let k = topK ?? 1
        let images: IDXImages
        do { images = try ImageFile.read(path: imagesPath) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(imagesPath): \(error)")
        }
        let n = min(images.count, limit ?? images.count)
        let f = images.rows * images.cols
        let data = Dataset(pixels: Array(images.pixels[0..<(n * f)]), labels: [Int32](repeating: 0, count: n),
                           count: n, rows: images.rows, cols: images.cols, scale: model.inputScale)
        try EvaluateCommand.checkShape(data, model, path: imagesPath)
        if !json && !show {
            Console.out((["index", "predicted", "probability"] + (k > 1 ? (2...k).flatMap { ["class\($0)", "prob\($0)"] } : [])).joined(separator: ","))
        }
        let batch = 1000
        let x = Matrix(rows: batch, cols: f)
        let labels = UnsafeMutablePointer<Int32>.allocate(capacity: batch)
        defer { labels.deallocate() }
        var start = 0
        while start < n {
            let m = min(batch, n - start)
            data.slice(from: start, count: m, into: x, labels: labels)
            let p = net.predict(x)
            for r in 0..<m {
                let row = p.data + r * classes
                let index = start + r
                let ranked = ranking(row, classes, k)
                if json {
                    let probs = (0..<classes).map { JSONValue(row[$0]) }
                    var members: [(String, JSONValue)] = [("index", JSONValue(index)), ("predicted", JSONValue(ranked[0])),
                                                          ("probability", JSONValue(row[ranked[0]])), ("probabilities", .array(probs))]
                    if topK != nil {
                        members.append(("top_k", .array(ranked.map { .object([("class", JSONValue($0)), ("probability", JSONValue(row[$0]))]) })))
                    }
                    Console.out(JSONValue.object(members).serialized())
                } else if show {
                    let picture = DigitDrawing.lines(images.pixels[(index * f)..<((index + 1) * f)], rows: images.rows, cols: images.cols)
                    var notes = ["image \(index)", "predicted \(ranked[0])  probability \(fixed(row[ranked[0]], 4))"]
                    for (i, c) in ranked.enumerated().dropFirst() { notes.append("#\(i + 1) class \(c)  probability \(fixed(row[c], 4))") }
                    Console.out(DigitDrawing.beside(picture, notes))
                } else {
                    Console.out(ranked.enumerated().map { i, c in
                        i == 0 ? "\(index),\(c),\(fixed(row[c], 6))" : "\(c),\(fixed(row[c], 6))"
                    }.joined(separator: ","))
                }
            }
            start += m
        }
        return .ok
    }

    /// The `k` most probable classes, most probable first (ties: lower class first).
    static func ranking(_ p: UnsafePointer<Float>, _ classes: Int, _ k: Int) -> [Int] {
        var best: [Int] = []
        for c in 0..<classes {
            var i = best.count
            while i > 0, p[c] > p[best[i - 1]] { i -= 1 }
            if i < k { best.insert(c, at: i); if best.count > k { best.removeLast() } }
        }
        return best
    }
}
