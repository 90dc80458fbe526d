// `mlp cv`: k-fold cross-validation of one configuration on a CSV table or IDX images. Each fold
// trains on the other folds' rows (the table's encoders learn from those rows only, as a
// scikit-learn pipeline refits its preprocessing per fold) and is evaluated on its own; the folds
// run side by side on the cores and across mpirun's ranks. The report: each fold's figures (every
// figure evaluate reports) and their mean ± standard deviation, as text or JSON; the gates of
// evaluate apply to the means.
import Experiments
import Formats
import Model
import Tables
import Training

enum CVCommand {
    static let flags: [Flag] =
        [
            Flags.data.helped(
                "a CSV file (plain or .gz), or the directory with the MNIST training files (the folds split the training set)"),
            Flags.trainImages, Flags.trainLabels,
        ] + Flags.configuration + [
            Flags.config,
            Flags.folds,
            Flags.repeats.helped("repeat the K folds R times, each shuffled with the next seed (--seed, --seed + 1, …)").defaulting(
                to: "1"), Flags.parallel,
            Flags.threads.helped("threads for the GEMMs when one fold runs at a time (--parallel 1; default: all cores)"),
            Flags.minAccuracy.helped("exit with code 3 when the mean accuracy over the folds is below X"),
            Flags.minR2.helped("regression: exit with code 3 when the mean R² is below X"),
            Flags.maxRMSE.helped("regression: exit with code 3 when the mean RMSE is above X"),
            Flags.json.helped("print one JSON object: every fold's figures and each figure's mean and standard deviation"),
            Flags.report.helped(
                "write one self-contained HTML page (no network, no external scripts or fonts): every fold's figures as a sortable table, the folds' spread, each fold's learning curves"
            ),
            Flags.quiet, Flags.silent,
        ]

    static let usage =
        "mlp cv --data FILE.csv|DIR [--folds 5] [--repeats 1] [training flags or --config FILE.json] [--json] [--min-accuracy X] [--report FILE.html]"

    struct Options {
        let data: String?
        let files: [String: String]
        let folds: Int, repeats: Int
        let parallel: Int?, threads: Int?
        let minAccuracy: Float?, minR2: Float?, maxRMSE: Float?
        let json: Bool, quiet: Bool
        let report: String?

        init(_ a: Arguments) throws(CLIError) {
            data = a.string(Flags.data)
            var f: [String: String] = [:]
            for flag in [Flags.trainImages, Flags.trainLabels] { if let v = a.string(flag) { f[flag.name] = v } }
            files = f
            folds = try a.int(Flags.folds, default: 5)
            repeats = try a.int(Flags.repeats, default: 1)
            parallel = try a.int(Flags.parallel)
            threads = try a.int(Flags.threads)
            minAccuracy = try a.float(Flags.minAccuracy)
            minR2 = try a.float(Flags.minR2)
            maxRMSE = try a.float(Flags.maxRMSE)
            json = a.has(Flags.json)
            quiet = Verbosity(a) >= .quiet
            report = a.string(Flags.report)
        }

        /// The CSV file, when --data names one.
        var table: String? { data.flatMap { TabularData.isCSV($0) ? $0 : nil } }
    }

    /// The rows of the whole training set and how to cut a fold's data from them.
    struct Source {
        let count: Int
        let labels: [Int32]?
        let task: Task
        let fold: (_ testRows: [Int], _ seed: UInt64) throws -> TrainingData
    }

    static func source(_ o: Options, config: TrainingConfiguration, command: String) throws(CLIError) -> Source {
        if let path = o.table {
            var settings = config.tableSettings
            settings.testSplit = nil
            let threads = o.threads ?? BLAS.processors
            let whole = try library {
                try TabularData.load(train: path, test: nil, settings: settings, seed: config.seed, threads: threads)
            }
            for note in whole.notes { Console.note(note.line) }
            let task = whole.target.task
            return Source(count: whole.train.count, labels: task == .classification ? whole.train.labels : nil, task: task) { rows, seed in
                var s = settings
                s.testRows = rows
                let loaded = try TabularData.load(train: path, test: nil, settings: s, seed: seed, threads: 1)
                var d = TrainingData(train: loaded.train, test: loaded.test, task: task)
                if case .values(_, _, let std) = loaded.target { d.targetScale = std }
                return d
            }
        }
        let files = try DataFiles.trainingFiles(dir: o.data, files: o.files, command: command)
        let all = try library { try ImageFiles.loadTraining(files) }.train
        return Source(count: all.count, labels: all.labels, task: .classification) { rows, _ in
            var held = [Bool](repeating: false, count: all.count)
            for r in rows { held[r] = true }
            let train = (0..<all.count).filter { !held[$0] }.map { Int32($0) }
            return TrainingData(train: all.subset(train[...]), test: all.subset(rows.map { Int32($0) }[...]), task: .classification)
        }
    }

    static func run(_ a: Arguments) throws(CLIError) -> ExitCode {
        let o = try Options(a)
        guard o.data != nil || o.files[Flags.trainImages.name] != nil else {
            throw .usage("missing required flag --data", command: a.command)
        }
        if let path = o.report {
            let target = try OutputPath.checkWritable(path, flag: Flags.report.name, command: a.command)
            try OutputPath.claimStandardOutput([(Flags.report, path, target)], json: o.json, command: a.command)
        }
        var config = try TrainingConfiguration(a, defaults: o.table == nil ? .images : .tables)
        if config.testSplit != nil {
            Console.info("mlp: note: cv tests each fold on its own rows; the test split (--test-split) is not used")
            config.testSplit = nil
        }
        if config.earlyStopping != nil || config.plateau != nil, config.validationSplit == nil {
            throw .usage(
                "--\(config.earlyStopping != nil ? "early-stopping" : "reduce-lr-on-plateau") watches a validation set: add --validation-split F (cut from each fold's training rows)",
                command: a.command)
        }
        let source = try source(o, config: config, command: a.command)
        guard o.folds <= source.count else {
            throw .usage("--folds \(o.folds) is more than the \(source.count) rows", command: a.command)
        }
        if source.task == .regression && o.minAccuracy != nil {
            throw .usage("--min-accuracy gates a classification; this is a regression: use --min-r2 or --max-rmse", command: a.command)
        }
        if source.task == .classification && (o.minR2 != nil || o.maxRMSE != nil) {
            throw .usage(
                "--\(o.minR2 != nil ? "min-r2" : "max-rmse") gates a regression; this is a classification: use --min-accuracy",
                command: a.command)
        }
        let cv = CrossValidation(config: config, folds: o.folds, repeats: o.repeats)
        var rows: [Int: [[Int]]] = [:]
        func testRows(_ part: Int) -> [Int] {
            let r = part / o.folds
            if rows[r] == nil { rows[r] = cv.testRows(repeat: r, count: source.count, labels: source.labels) }
            return rows[r]![part % o.folds]
        }
        let place = try ExperimentSetup.place(parallel: o.parallel, threads: o.threads) { part in
            try source.fold(testRows(part!), cv.seed(repeat: part! / o.folds))
        }
        defer { place.finish() }
        guard place.isRoot else {
            try library { try place.executor.serve() }
            return .ok
        }
        let start = now()
        let progress = ExperimentProgress(total: cv.parts, unit: "fold", quiet: o.quiet, objective: nil)
        place.executor.started = { job, _ in progress.started(job.id) }
        place.executor.tick = { progress.redraw() }
        let recorder = RecordingScheduler(cv) { job, outcome in
            progress.finished(
                job.id, outcome: outcome,
                label: "fold \(job.id % o.folds + 1)" + (o.repeats > 1 ? " of repeat \(job.id / o.folds + 1)" : ""),
                value: outcome.test.flatMap { $0.values.first }.map { ($0.name, $0.value) })
        }
        try library { try place.executor.run(recorder) }
        progress.end()
        if Interrupts.requested {
            Console.err("mlp: interrupted; \(cv.outcomes.count) of \(cv.parts) folds done")
            return .interrupted
        }
        if let failed = cv.failures.first {
            throw CLIError(
                failed.status == .diverged ? .diverged : .dataError,
                "fold \(failed.id % o.folds + 1)\(o.repeats > 1 ? " of repeat \(failed.id / o.folds + 1)" : ""): "
                    + (failed.message
                        ?? (failed.status == .diverged
                            ? "training diverged (the loss became NaN or infinite); try a lower --lr" : "did not finish"))
            )
        }
        let seconds = now() - start
        let summary = cv.summary
        if o.json {
            var folds: [JSONValue] = []
            for part in cv.outcomes.keys.sorted() {
                let out = cv.outcomes[part]!
                folds.append(
                    .object([
                        ("repeat", JSONValue(part / o.folds + 1)), ("fold", JSONValue(part % o.folds + 1)),
                        ("test_rows", JSONValue(testRows(part).count)), ("epochs", JSONValue(out.epochs)),
                        ("seconds", JSONValue(out.seconds, decimals: 6)),
                        ("figures", .object(out.test!.values.map { ($0.name, JSONValue($0.value)) })),
                    ]))
            }
            let metrics: [(String, JSONValue)] = summary.map {
                ($0.name, .object([("mean", JSONValue($0.mean)), ("std", JSONValue($0.std))]))
            }
            Console.out(
                JSONValue.object([
                    ("task", JSONValue(source.task.rawValue)), ("folds", JSONValue(o.folds)), ("repeats", JSONValue(o.repeats)),
                    ("rows", JSONValue(source.count)), ("metrics", .object(metrics)), ("per_fold", .array(folds)),
                    ("seconds", JSONValue(seconds, decimals: 6)), ("config", config.json),
                ]).serialized())
        } else {
            var table = TextTable([(o.repeats > 1 ? "repeat/fold" : "fold", .left), ("rows", .right)] + summary.map { ($0.name, .right) })
            for part in cv.outcomes.keys.sorted() {
                let label = o.repeats > 1 ? "\(part / o.folds + 1)/\(part % o.folds + 1)" : "\(part % o.folds + 1)"
                table.add(
                    [label, "\(testRows(part).count)"]
                        + summary.map { s in ExperimentSetup.figure(cv.outcomes[part]!.test![s.name] ?? .nan) })
            }
            table.add(["mean", ""] + summary.map { ExperimentSetup.figure($0.mean) })
            table.add(["± std", ""] + summary.map { ExperimentSetup.figure($0.std) })
            Console.out(table.render())
            Console.out(
                "\(o.folds)-fold cross-validation\(o.repeats > 1 ? ", \(o.repeats) repeats" : "") of \(source.count) rows in \(duration(seconds)) (\(place.executor.slots) at a time\(place.ranks > 1 ? " on each of \(place.ranks) ranks" : ""))"
            )
        }
        if let path = o.report {
            try ExperimentReports.crossValidation(
                cv, task: source.task, rows: source.count, testRows: { testRows($0).count }, seconds: seconds,
                data: o.data ?? o.files[Flags.trainImages.name] ?? "", ranks: place.ranks, slots: place.executor.slots
            ).write(to: path)
            if !o.quiet && path != "-" { Console.info("mlp: report written to \(path)") }
        }
        var failed = false
        func gate(_ name: String, _ bound: Float?, below: Bool, flag: String) {
            guard let bound, let s = summary.first(where: { $0.name == name }) else { return }
            if below ? s.mean < Double(bound) : s.mean > Double(bound) {
                Console.flush()
                Console.err("error: mean \(name) \(ExperimentSetup.figure(s.mean)) is \(below ? "below" : "above") --\(flag) \(bound)")
                failed = true
            }
        }
        gate("accuracy", o.minAccuracy, below: true, flag: "min-accuracy")
        gate("r2", o.minR2, below: true, flag: "min-r2")
        gate("rmse", o.maxRMSE, below: false, flag: "max-rmse")
        return failed ? .belowMinimum : .ok
    }
}

/// A scheduler that tells `recorded` about every outcome before its scheduler hears of it.
final class RecordingScheduler: JobScheduler {
    let inner: JobScheduler
    let recorded: (TrainingJob, JobOutcome) -> Void
    init(_ inner: JobScheduler, _ recorded: @escaping (TrainingJob, JobOutcome) -> Void) {
        self.inner = inner
        self.recorded = recorded
    }
    func nextJob() -> TrainingJob? { inner.nextJob() }
    func record(_ outcome: JobOutcome, of job: TrainingJob) {
        recorded(job, outcome)
        inner.record(outcome, of: job)
    }
    var exhausted: Bool { inner.exhausted }
}
