// `mlp predict`: the class and probability a saved model gives each image of an IDX, PGM or PNG
// file (optionally the K most probable classes, or a drawing of each image beside its prediction),
// or, for a model trained on a CSV file, its prediction for each row of one: a class label with its
// probability, or the regression targets in their units. A two-class model predicts its positive
// class when that class's probability reaches the decision threshold (DecisionFlags.swift).
import Formats
import Model
import Tables
import Training

enum PredictCommand {
    static let flags: [Flag] = [
        Flags.model, Flags.images, Flags.input,
        Flags.delimiter.helped("the CSV field delimiter: , ; tab or |").defaulting(to: "the training file's"),
        Flags.modelDecimal, Flags.modelThousands,
        Flags.idColumn.helped("echo this CSV column (an ID, as written) as the first column of each answer (\"id\" with --json)"),
        Flags.limit, Flags.topK, Flags.positiveLabel, Flags.threshold, Flags.show, Flags.threads,
        Flags.json.helped("one JSON object per line, with every class probability"), Flags.silent, Flags.maxMemory,
    ]

    static let usage =
        "mlp predict --model FILE --images FILE | --input FILE.csv [--id-column COLUMN] [--limit N] [--top-k K] [--threshold X] [--show | --json]"

    /// Everything `mlp predict` reads from its command line.
    struct Options {
        let model: String
        /// Images (--images) or CSV rows (--input): one of them.
        let images: String?, input: String?
        let delimiter: UInt8?
        let numbers: NumberFormatFlags
        let idColumn: String?
        let limit: Int?, topK: Int?
        let json: Bool, show: Bool
        let threads: Int?
        let memoryLimit: Int?
        let decisionFlags: DecisionFlags
        /// A two-class model's decision, once the model is read.
        var decision: EvaluationReport.Decision?
        /// A multi-label model's threshold, once the model is read.
        var labelThreshold = DecisionThreshold.standard

        init(_ a: Arguments) throws(CLIError) {
            model = try a.required(Flags.model)
            images = a.has(Flags.images) ? try a.required(Flags.images) : nil
            input = a.has(Flags.input) ? try a.required(Flags.input) : nil
            if images == nil && input == nil { throw .usage("missing required flag --images (or --input FILE.csv)", command: a.command) }
            if images != nil && input != nil {
                throw .usage("--images and --input both name what to predict; give one", command: a.command)
            }
            delimiter = try a.string(Flags.delimiter).map { (d: String) throws(CLIError) -> UInt8 in
                guard let b = TableSettings.delimiter(d) else {
                    throw .usage("--delimiter '\(d)' is not one of , ; tab |", command: a.command)
                }
                return b
            }
            numbers = try NumberFormatFlags(a)
            idColumn = a.has(Flags.idColumn) ? try a.required(Flags.idColumn) : nil
            limit = try a.int(Flags.limit)
            topK = try a.int(Flags.topK)
            json = a.has(Flags.json)
            show = a.has(Flags.show)
            threads = try a.int(Flags.threads)
            memoryLimit = try MemoryBudget.flag(a)
            decisionFlags = try DecisionFlags(a)
            if json && show { throw .usage("--show draws for people and --json writes for programs; give one", command: a.command) }
        }
    }

    static func run(_ a: Arguments) throws(CLIError) -> ExitCode {
        var o = try Options(a)
        let modelPath = o.model
        let limit = o.limit
        let topK = o.topK
        let json = o.json
        let show = o.show
        let parts =
            MemoryBudget.modelPart(modelPath) + (o.images.map { MemoryBudget.dataParts([$0]) } ?? o.input.map(MemoryBudget.csvPart) ?? [])
        try library { try MemoryBudget.check(o.memoryLimit, parts) }
        let model = try library { try ModelFile.load(modelPath) }
        try model.useThreads(o.threads, batch: 1000)
        let net = model.network
        let classes = net.classes
        if let topK, model.output.task != .classification {
            throw .usage(
                "--top-k \(topK) ranks classes; \(modelPath) is a \(model.output.task == .regression ? "regression" : "multi-label model (every label's probability is printed)")",
                command: a.command)
        }
        if let topK, topK > classes {
            throw .usage("--top-k \(topK) is more than the model's \(classes) classes", command: a.command)
        }
        o.decision = try o.decisionFlags.decision(for: model, path: modelPath, command: a.command)?.decision
        if model.output.task == .multilabel {
            o.labelThreshold = try o.decisionFlags.labelThreshold(for: model, path: modelPath, command: a.command)
        }
        if case .table = model.input {
            guard let input = o.input else {
                throw .usage("\(modelPath) was trained on a CSV file: give --input FILE.csv with rows to predict", command: a.command)
            }
            if show { throw .usage("--show draws images; \(modelPath) predicts CSV rows", command: a.command) }
            return try predictRows(model, input: input, options: o)
        }
        guard let imagesPath = o.images else {
            throw .usage("\(modelPath) was trained on images: give --images FILE", command: a.command)
        }
        if o.idColumn != nil { throw .usage("--id-column names a CSV column; \(modelPath) predicts images", command: a.command) }
        let k = topK ?? 1
        let images: IDXImages
        do { images = try ImageFiles.readImages(imagesPath) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(imagesPath): \(error)")
        }
        let n = min(images.count, limit ?? images.count)
        let f = images.rows * images.cols
        let data = Dataset(
            pixels: Array(images.pixels[0..<(n * f)]), labels: [Int32](repeating: 0, count: n),
            count: n, rows: images.rows, cols: images.cols, scale: model.inputScale)
        try EvaluateCommand.checkShape(data, model, path: imagesPath)
        // The header goes out with the first answers, once everything before them has worked.
        var header =
            json || show
            ? nil
            : (["index", "predicted", "probability"] + (k > 1 ? (2...k).flatMap { ["class\($0)", "prob\($0)"] } : [])).joined(
                separator: ",")
        let batch = 1000
        let x = Matrix(rows: batch, cols: f)
        var start = 0
        while start < n {
            let m = min(batch, n - start)
            let p = try library { try model.predict(data, from: start, count: m, using: x) }
            if let h = header {
                Console.out(h)
                header = nil
            }
            for r in 0..<m {
                let row = p.data + r * classes
                let index = start + r
                let ranked = ranking(row, classes, k, decision: o.decision)
                if json {
                    let probs = (0..<classes).map { JSONValue(row[$0]) }
                    var members: [(String, JSONValue)] = [
                        ("index", JSONValue(index)), ("predicted", JSONValue(ranked[0])),
                        ("probability", JSONValue(row[ranked[0]])), ("probabilities", .array(probs)),
                    ]
                    if topK != nil {
                        members.append(
                            ("top_k", .array(ranked.map { .object([("class", JSONValue($0)), ("probability", JSONValue(row[$0]))]) })))
                    }
                    Console.out(JSONValue.object(members).serialized())
                } else if show {
                    let picture = DigitDrawing.lines(images.pixels[(index * f)..<((index + 1) * f)], rows: images.rows, cols: images.cols)
                    var notes = ["image \(index)", "predicted \(ranked[0])  probability \(fixed(row[ranked[0]], 4))"]
                    for (i, c) in ranked.enumerated().dropFirst() { notes.append("#\(i + 1) class \(c)  probability \(fixed(row[c], 4))") }
                    Console.out(DigitDrawing.beside(picture, notes))
                } else {
                    Console.out(
                        ranked.enumerated().map { i, c in
                            i == 0 ? "\(index),\(c),\(fixed(row[c], 6))" : "\(c),\(fixed(row[c], 6))"
                        }.joined(separator: ","))
                }
            }
            start += m
            Console.flush()  // each batch reaches a pipe as it is answered
        }
        if let h = header { Console.out(h) }  // no images: the header alone
        return .ok
    }

    /// Predictions for the rows of a CSV file: `index,LABEL,probability` (and the runners-up with
    /// --top-k) for a classification, `index,TARGET...` in the targets' units for a regression; or one
    /// JSON object per row.
    static func predictRows(_ model: LoadedModel, input: String, options o: Options) throws(CLIError) -> ExitCode {
        guard case .table(let encoder, let delimiter) = model.input, case .table(let target) = model.output else {
            preconditionFailure("a table model")
        }
        let stream: InputStream
        do { stream = try InputStream(path: input) } catch { throw .data(error) }
        var reading = encoder.readingOptions(CSVOptions(delimiter: o.delimiter ?? delimiter, threads: o.threads ?? BLAS.processors))
        reading.numbers = try o.numbers.format(over: encoder.numbers)
        reading.markerAdvice = TableEncoder.retrainMarkerAdvice
        let ids = IDColumn(name: o.idColumn, encoder: encoder)
        ids.prepare(&reading)
        let net = model.network
        let width = encoder.width
        let outputs = net.outputFeatures
        let k = o.topK ?? 1
        // The header goes out with the first answers, once the input's columns have been matched to
        // the model's and its first rows read and answered: a failure before then writes nothing.
        var headerLine: String?
        let idHeader = o.idColumn.map { [csvField($0)] } ?? []
        switch target {
        case .classes:
            if !o.json {
                headerLine =
                    (idHeader + ["index", "predicted", "probability"] + (k > 1 ? (2...k).flatMap { ["class\($0)", "prob\($0)"] } : []))
                    .joined(separator: ",")
            }
        case .values(let columns, _, _):
            if !o.json { headerLine = (idHeader + ["index"] + columns.map(csvField)).joined(separator: ",") }
        case .labels(let columns, _):
            if !o.json { headerLine = (idHeader + ["index", "labels"] + columns.map(csvField)).joined(separator: ",") }
        }
        let threshold = Float(o.labelThreshold)
        // The rows arrive in blocks (a pipe gives what it has; a file 64 KiB at a time); each block is
        // parsed with the header in front, answered, and flushed before the next is read.
        var blocks = CSVRowBlocks()
        var unseen = TableEncoder.Unseen()
        var index = 0
        let limit = o.limit ?? Int.max
        let x = Matrix(rows: 0, cols: width)
        var ended = false
        while !ended && index < limit {
            var bytes: [UInt8] = []
            let n: Int
            do { n = try stream.read(into: &bytes) } catch { throw .data(error) }
            ended = n == 0
            guard let (rows, firstLine) = ended ? blocks.finish() : blocks.add(bytes), let header = blocks.header else { continue }
            reading.lineOffset = firstLine - 1 - header.filter { $0 == 0x0A }.count
            let table = try library { try TabularData.read(bytes: header + rows, name: stream.name, reading) }
            let columnIndex = try library { try encoder.locate(in: table, allowed: Set(target.columns)) }
            let idValues = try library { try ids.values(table) }
            let ignored = encoder.ignored(in: table, allowed: Set(target.columns + ids.names))
            if index == 0 && !ignored.isEmpty { Console.note(TableNote.ignoredColumns(path: stream.name, ignored).line) }
            let count = min(table.rowCount, limit - index)
            let (features, missed) = try library { try encoder.encode(table, at: columnIndex, rows: Array(0..<count)) }
            unseen.merge(missed)
            var start = 0
            while start < count {
                let m = min(1000, count - start)
                x.resize(rows: m)
                features.withUnsafeBufferPointer { x.data.update(from: $0.baseAddress! + start * width, count: m * width) }
                let p = try library { try model.predict(x) }
                if let h = headerLine {
                    Console.out(h)
                    headerLine = nil
                }
                for r in 0..<m {
                    printRow(
                        p.data + r * outputs, outputs, index: index + start + r, id: idValues?[start + r], target: target, k: k, options: o,
                        threshold: threshold)
                }
                start += m
            }
            index += count
            Console.flush()
        }
        guard let inputHeader = blocks.header else {
            throw CLIError(.dataError, "\(stream.name): is empty, expected a CSV header and rows")
        }
        if let h = headerLine {
            // A header and no rows: the columns are still checked, and the answer is a header alone.
            let table = try library { try TabularData.read(bytes: inputHeader, name: stream.name, reading) }
            _ = try library { try encoder.locate(in: table, allowed: Set(target.columns)) }
            Console.out(h)
        }
        if unseen.total > 0 { Console.err(TableNote.unseenCategories(path: stream.name, unseen).line) }
        return .ok
    }

    /// One row's answer: a CSV line or a JSON object. A multi-label row names its labels whose
    /// probability is at or above `threshold`.
    static func printRow(
        _ row: UnsafePointer<Float>, _ outputs: Int, index i: Int, id: String? = nil, target: TargetEncoder, k: Int, options o: Options,
        threshold: Float = 0.5
    ) {
        let idJSON: [(String, JSONValue)] = id.map { [("id", JSONValue($0))] } ?? []
        let idField = id.map { csvField($0) + "," } ?? ""
        switch target {
        case .classes(_, let labels):
            let ranked = ranking(row, outputs, k, decision: o.decision)
            if o.json {
                var members: [(String, JSONValue)] =
                    idJSON + [
                        ("index", JSONValue(i)), ("predicted", JSONValue(labels[ranked[0]])),
                        ("probability", JSONValue(row[ranked[0]])),
                        ("probabilities", .object(labels.enumerated().map { ($0.element, JSONValue(row[$0.offset])) })),
                    ]
                if o.topK != nil {
                    members.append(
                        ("top_k", .array(ranked.map { .object([("class", JSONValue(labels[$0])), ("probability", JSONValue(row[$0]))]) })))
                }
                Console.out(JSONValue.object(members).serialized())
            } else {
                Console.out(
                    idField
                        + ranked.enumerated().map { j, c in
                            j == 0 ? "\(i),\(csvField(labels[c])),\(fixed(row[c], 6))" : "\(csvField(labels[c])),\(fixed(row[c], 6))"
                        }.joined(separator: ","))
            }
        case .values(let columns, let mean, let std):
            let values = (0..<outputs).map { row[$0] * std[$0] + mean[$0] }
            if o.json {
                Console.out(
                    JSONValue.object(idJSON + [("index", JSONValue(i))] + zip(columns, values).map { ($0, JSONValue($1)) }).serialized())
            } else {
                Console.out(idField + (["\(i)"] + values.map { "\($0)" }).joined(separator: ","))
            }
        case .labels(let columns, let values):
            let on = (0..<outputs).filter { row[$0] >= threshold }
            if o.json {
                Console.out(
                    JSONValue.object(
                        idJSON + [
                            ("index", JSONValue(i)), ("labels", .array(on.map { JSONValue(columns[$0]) })),
                            ("probabilities", .object(columns.enumerated().map { ($0.element, JSONValue(row[$0.offset])) })),
                            (
                                "predicted",
                                .object(columns.enumerated().map { j, c in (c, JSONValue(values[j][row[j] >= threshold ? 1 : 0])) })
                            ),
                        ]
                    ).serialized())
            } else {
                Console.out(
                    idField
                        + (["\(i)", csvField(on.map { columns[$0] }.joined(separator: ";"))] + (0..<outputs).map { fixed(row[$0], 6) })
                        .joined(separator: ","))
            }
        }
    }

    /// A CSV field: quoted (RFC 4180) when it holds a delimiter, a quote or a line break.
    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == ";" || $0 == "|" || $0 == "\t" }) else {
            return s
        }
        return "\"" + s.replacingAll("\"", with: "\"\"") + "\""
    }

    /// The predicted class and the runners-up, `k` in all: with a two-class `decision`, the positive
    /// class first when P(positive) ≥ its threshold, else the other; otherwise the most probable first.
    static func ranking(_ p: UnsafePointer<Float>, _ classes: Int, _ k: Int, decision: EvaluationReport.Decision?) -> [Int] {
        guard let d = decision, classes == 2 else { return ranking(p, classes, k) }
        let predicted = Double(p[d.positiveClass]) >= d.threshold ? d.positiveClass : 1 - d.positiveClass
        return Array([predicted, 1 - predicted].prefix(k))
    }

    /// The `k` most probable classes, most probable first (ties: lower class first).
    static func ranking(_ p: UnsafePointer<Float>, _ classes: Int, _ k: Int) -> [Int] {
        var best: [Int] = []
        for c in 0..<classes {
            var i = best.count
            while i > 0, p[c] > p[best[i - 1]] { i -= 1 }
            if i < k {
                best.insert(c, at: i)
                if best.count > k { best.removeLast() }
            }
        }
        return best
    }
}
