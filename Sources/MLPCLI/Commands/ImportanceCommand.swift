// `mlp importance --model M --data TEST [--repeats R] [--metric METRIC]`: permutation importance
// (ModelImportance.swift): for each original input column of a table model (a categorical column's
// one-hot indicators together), or each pixel of an image model, the drop in the metric when that
// column is shuffled across the rows, as the mean and standard deviation over R seeded shuffles.
// Sorted by mean drop, as a text table, one JSON object (--json), and an SVG (--plot: a bar chart
// of the columns, or a heat map of the pixels in the image's shape). The shuffled evaluations share
// out every core (--threads), each thread with its own copy of the network.
import Formats
import Model
import Runtime
import Tables
import Training

enum ImportanceCommand {
    static let flags: [Flag] = [
        Flags.model,
        Flags.data.helped(
            "labelled data to measure on: a CSV file with the model's columns and targets, or the directory with t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (raw or .gz)"
        ),
        Flags.testImages.helped("images to measure on (overrides --data)"), Flags.testLabels.helped("their labels (overrides --data)"),
        Flags.repeats.helped("shuffles of each column, each with its own seeded permutation").defaulting(to: "5"), Flags.importanceMetric,
        Flags.seed.helped("seed of the shuffles (each column's repeat r draws its own permutation)"),
        Flags.samples.helped("measure on the first N rows or images").defaulting(
            to: "every row of a table; 1000 images, since each of an image's pixels is shuffled R times"),
        Flags.plot.helped(
            "write an SVG: the columns' mean drops as bars with ± one standard deviation, or for an image model the pixels' as a heat map (- for standard output)"
        ),
        Flags.delimiter.helped("the CSV field delimiter: , ; tab or |").defaulting(to: "the training file's"), Flags.modelDecimal,
        Flags.modelThousands,
        Flags.evaluationBatchSize,
        Flags.threads.helped("threads that share out the shuffled evaluations, each with its own copy of the network (default: all cores)"),
        Flags.json.helped("print one JSON object on stdout: the baseline score and every column's mean, standard deviation and drops"),
        Flags.silent, Flags.maxMemory,
    ]

    static let usage =
        "mlp importance --model FILE --data FILE.csv|DIR [--repeats R] [--metric METRIC] [--samples N] [--plot FILE.svg] [--json]"

    /// Images measured by default: every pixel is shuffled R times, so the work grows with their count.
    static let defaultImages = 1000
    /// Pixels listed in the text report (all of them go to --json and --plot).
    static let listedPixels = 20

    struct Options {
        let model: String
        let data: String?, images: String?, labels: String?
        let repeats: Int, seed: Int
        let metric: String?
        let samples: Int?
        let plot: String?
        let delimiter: UInt8?
        let numbers: NumberFormatFlags
        let batch: Int
        let threads: Int?
        let json: Bool
        let memoryLimit: Int?

        init(_ a: Arguments) throws(CLIError) {
            data = a.string(Flags.data)
            images = a.string(Flags.testImages)
            labels = a.string(Flags.testLabels)
            repeats = try a.int(Flags.repeats, default: 5)
            seed = try a.int(Flags.seed, default: 1)
            metric = a.string(Flags.importanceMetric)
            samples = try a.int(Flags.samples)
            plot = a.string(Flags.plot)
            let delimiterText = a.string(Flags.delimiter)
            numbers = try NumberFormatFlags(a)
            batch = try a.int(Flags.evaluationBatchSize, default: 1000)
            threads = try a.int(Flags.threads)
            json = a.has(Flags.json)
            memoryLimit = try MemoryBudget.flag(a)
            model = try a.required(Flags.model)
            delimiter = try delimiterText.map { (d: String) throws(CLIError) -> UInt8 in
                guard let b = TableSettings.delimiter(d) else {
                    throw .usage("--delimiter '\(d)' is not one of , ; tab |", command: a.command)
                }
                return b
            }
            if data == nil && images == nil {
                throw .usage("missing required flag --data (the labelled rows or images to measure on)", command: a.command)
            }
        }
    }

    static func run(_ a: Arguments) throws(CLIError) -> ExitCode {
        let o = try Options(a)
        if let plot = o.plot {
            let target = try OutputPath.checkWritable(plot, flag: Flags.plot.name, command: a.command)
            try OutputPath.claimStandardOutput([(Flags.plot, plot, target)], json: o.json, command: a.command)
        }
        let csv = o.images == nil ? o.data.flatMap { TabularData.isCSV($0) ? $0 : nil } : nil
        try library { try MemoryBudget.check(o.memoryLimit, MemoryBudget.modelPart(o.model) + (csv.map(MemoryBudget.csvPart) ?? [])) }
        let model = try library { try ModelFile.load(o.model) }
        let metric: ModelImportance.Metric
        if let text = o.metric {
            guard let m = ModelImportance.Metric(rawValue: text.lowercased()) else {
                throw .usage(
                    "--metric '\(text)' is not one of \(ModelImportance.Metric.allCases.map(\.rawValue).joined(separator: ", "))",
                    command: a.command)
            }
            metric = m
        } else {
            metric = .standard(for: model.output.task)
        }
        if let why = metric.unfit(model) {
            throw .usage("--metric \(metric.rawValue): \(why); \(o.model) is a \(taskName(model))", command: a.command)
        }
        var source = LabelledData.Source(csv: csv, delimiter: o.delimiter, numbers: o.numbers, threads: o.threads)
        if !model.input.isTable && csv == nil {
            source.images = try DataFiles.resolve(
                dir: o.data, name: ImageFiles.testImages, file: o.images, override: Flags.testImages, command: a.command)
            source.labels = try DataFiles.resolve(
                dir: o.data, name: ImageFiles.testLabels, file: o.labels, override: Flags.testLabels, command: a.command)
        }
        let (all, dataPath, items) = try LabelledData.load(model, modelPath: o.model, source, command: a.command)
        let limit = o.samples ?? (model.input.isTable ? all.count : defaultImages)
        let data = limit < all.count ? all.subset(Array(Int32(0)..<Int32(limit))[...]) : all
        if metric == .auc, model.output.task == .classification, Set(data.labels).count < 2 {
            throw CLIError(.dataError, "\(dataPath): the \(data.count) \(items) measured hold one class only; auc needs two")
        }

        // The lanes: one per thread, each GEMM on its lane's thread alone (the threads share out the
        // shuffles, not the products). An INT8 model runs on one lane, on oneDNN's threads.
        let threads = o.threads ?? BLAS.processors
        let loops: Loops
        if model.quantized != nil {
            try model.useThreads(o.threads, batch: o.batch)
            loops = Loops()
        } else {
            loops = Loops(LoopThreads.configure(threads))
            BLAS.setThreads(1)
        }
        let groups = ModelImportance.groups(model)
        let lanes = model.quantized == nil ? threads : 1
        Console.info(
            "mlp: shuffling \(groups.count) \(model.input.isTable ? "columns" : "pixels") \(o.repeats) times each on \(data.count) \(items) of \(dataPath): \(grouped(groups.count * o.repeats)) evaluations on \(lanes) thread\(lanes == 1 ? "" : "s")"
        )
        let start = now()
        let r = try library {
            try ModelImportance.compute(
                model, data: data, metric: metric, repeats: o.repeats, seed: UInt64(o.seed), lanes: lanes, loops: loops, batch: o.batch)
        }
        let seconds = now() - start
        let names = groups.map(\.name)
        let columnsWord = model.input.isTable ? "column" : "pixel"

        if o.json {
            let ranked: [JSONValue] = r.ranking.map { g in
                var fields: [(String, JSONValue)] = [(columnsWord, JSONValue(names[g]))]
                if case .pixels(_, _, let cols) = model.input { fields = [("pixel", .array([JSONValue(g / cols), JSONValue(g % cols)]))] }
                fields += [
                    ("mean", JSONValue(r.mean[g])), ("std", JSONValue(r.standardDeviation[g])),
                    ("drops", .array(r.drops[g].map { JSONValue($0) })),
                ]
                if model.input.isTable { fields.append(("features", JSONValue(groups[g].features.count))) }
                return .object(fields)
            }
            Console.out(
                JSONValue.object([
                    ("metric", JSONValue(metric.rawValue)), ("higher_is_better", JSONValue(metric.higherIsBetter)),
                    ("baseline", JSONValue(r.baseline)),
                    ("repeats", JSONValue(o.repeats)), ("seed", JSONValue(o.seed)), ("samples", JSONValue(data.count)),
                    ("seconds", JSONValue(seconds, decimals: 6)), ("threads", JSONValue(lanes)),
                    (model.input.isTable ? "columns" : "pixels", .array(ranked)),
                ]).serialized())
        } else {
            let direction = metric.higherIsBetter ? "drop" : "rise"
            Console.out(
                "\(metric.rawValue) \(fixed(r.baseline, 4)) on \(data.count) \(items) unshuffled; its \(direction) when each \(columnsWord) is shuffled (mean and standard deviation over \(o.repeats) repeat\(o.repeats == 1 ? "" : "s"), seed \(o.seed)):"
            )
            var table = TextTable([("rank", .right), (columnsWord, .left), ("mean \(direction)", .right), ("std", .right)])
            let listed = model.input.isTable ? r.ranking : Array(r.ranking.prefix(listedPixels))
            for (i, g) in listed.enumerated() { table.add(["\(i + 1)", names[g], fixed(r.mean[g], 4), fixed(r.standardDeviation[g], 4)]) }
            Console.out(table.render())
            if listed.count < r.mean.count {
                Console.out(
                    "(the \(listed.count) pixels of largest mean \(direction); all \(r.mean.count) with --json, or as a heat map with --plot)"
                )
            }
        }
        if let plot = o.plot {
            let title =
                "permutation importance: \(EvaluateCommand.lastComponent(o.model)), \(metric.rawValue) \(fixed(r.baseline, 4)) on \(data.count) \(items)"
            let subtitle =
                "\(metric.higherIsBetter ? "drop" : "rise") in \(metric.rawValue) when shuffled, mean over \(o.repeats) repeats (seed \(o.seed))"
            let svg: String
            if case .pixels(_, let rows, let cols) = model.input {
                svg = ImportanceSVG.heatMap(r, rows: rows, cols: cols, title: title, subtitle: subtitle)
            } else {
                svg = ImportanceSVG.bars(r, names: names, title: title, subtitle: subtitle)
            }
            do { try AtomicFile.write(Array(svg.utf8), to: plot) } catch let e as FormatError { throw .data(e) } catch {
                throw CLIError(.dataError, "\(plot): \(error)")
            }
            Console.info("importance \(model.input.isTable ? "chart" : "heat map") written to \(OutputPath.name(plot))")
        }
        return .ok
    }

    static func taskName(_ model: LoadedModel) -> String {
        switch model.output.task {
        case .classification: return "classification"
        case .regression: return "regression"
        case .multilabel: return "multi-label model"
        }
    }
}
