// `mlp search`: hyperparameter search over a space of training settings (SearchSpaceFlags.swift),
// random or on a grid, with asynchronous successive halving (Experiments/SuccessiveHalving.swift):
// trials run as sessions side by side on the cores and across mpirun's ranks, each promoted trial
// continuing from its checkpoint. The objective is any validation figure, from a validation split
// or from folds of the training rows. The output directory holds the leaderboard (rewritten as
// results arrive), the checkpoints, and at the end the best configuration as a --config file, the
// best model, and the objective against each hyperparameter as SVG. Run again with the same
// command and directory, it continues where it stopped.
import Experiments
import Formats
import Model
import Tables
import Training

enum SearchCommand {
    static let flags: [Flag] =
        [
            Flags.data.helped("a CSV file (plain or .gz), or the directory with the four MNIST IDX files"),
            Flags.testData.helped("a CSV file to test the best model on (with --data FILE.csv); else --test-split holds some rows out"),
            Flags.trainImages, Flags.trainLabels, Flags.testImages, Flags.testLabels,
            Flags.validationImages.helped("validation images, the objective's rows (instead of --validation-split or --folds)"),
            Flags.validationLabels,
        ]
        + Flags.configuration.map { f in
            SearchSpaceFlags.fixed.contains(f)
                ? f : f.helped(f.help + "; a range LOW..HIGH[:log][:int] or choices A|B|… make it a dimension of the search")
        }
        + [
            Flags.dropout, Flags.space, Flags.config, Flags.trials, Flags.sampler, Flags.gridPoints, Flags.eta, Flags.minEpochs,
            Flags.objective,
            Flags.folds.helped(
                "cross-validate each trial on K folds of the training rows (the objective: the folds' mean); instead of --validation-split"
            ).defaulting(to: "none"),
            Flags.outDir,
            Flags.maxSeconds.helped(
                "start nothing new after S seconds and cut the running trials short (run the command again to continue them)"),
            Flags.parallel, Flags.threads.helped("threads for the GEMMs when one trial runs at a time (--parallel 1; default: all cores)"),
            Flags.json.helped(
                "print one JSON object: the best trial, its configuration and test figures, and the search's counts and times"),
            Flags.report.helped(
                "write one self-contained HTML page at the end (no network, no external scripts or fonts): the leaderboard as a sortable table, the objective against each hyperparameter, the learning curves of the best trials"
            ),
            Flags.quiet, Flags.silent,
        ]

    static let usage =
        "mlp search --data FILE.csv|DIR --validation-split F|--folds K [--lr 1e-4..1e-2:log] [--hidden 64|128|256,128] [--dropout 0..0.5] [--space FILE.json] [--trials N] [--eta 3] [--min-epochs 1] [--epochs N] [--objective val_accuracy] [--out-dir DIR] [--report FILE.html]"

    struct Options {
        let data: String?
        let files: [String: String]
        let trials: Int?
        let sampler: String
        let gridPoints: Int
        let eta: Int, minEpochs: Int
        let objective: String
        let folds: Int?
        let outDir: String
        let maxSeconds: Float?
        let parallel: Int?, threads: Int?
        let json: Bool, quiet: Bool
        let report: String?

        init(_ a: Arguments) throws(CLIError) {
            data = a.string(Flags.data)
            var f: [String: String] = [:]
            for flag in [
                Flags.trainImages, Flags.trainLabels, Flags.testImages, Flags.testLabels, Flags.testData, Flags.validationImages,
                Flags.validationLabels,
            ] {
                if let v = a.string(flag) { f[flag.name] = v }
            }
            files = f
            trials = try a.int(Flags.trials)
            sampler = a.string(Flags.sampler) ?? "random"
            gridPoints = try a.int(Flags.gridPoints, default: 3)
            eta = try a.int(Flags.eta, default: 3)
            minEpochs = try a.int(Flags.minEpochs, default: 1)
            objective = a.string(Flags.objective) ?? "val_loss"
            let k = try a.int(Flags.folds)
            folds = a.has(Flags.folds) ? k : nil
            outDir = a.string(Flags.outDir) ?? "search"
            maxSeconds = try a.float(Flags.maxSeconds)
            parallel = try a.int(Flags.parallel)
            threads = try a.int(Flags.threads)
            json = a.has(Flags.json)
            quiet = Verbosity(a) >= .quiet
            report = a.string(Flags.report)
            _ = a.string(Flags.space)
            _ = a.string(Flags.dropout)
            guard ["random", "grid"].contains(sampler) else {
                throw .usage("--sampler '\(sampler)' is not one of random, grid", command: a.command)
            }
        }

        var table: String? { data.flatMap { TabularData.isCSV($0) ? $0 : nil } }
    }

    /// The training data (the whole training set, its test set apart), what the model file records
    /// about it, and how to cut a fold (its held-out rows become the validation set).
    struct Source {
        let whole: TrainingData
        let test: Dataset?
        let input: ModelInput, output: ModelOutput
        let labels: [Int32]?
        let fold: (_ validationRows: [Int]) throws -> TrainingData
    }

    static func source(_ o: Options, config: TrainingConfiguration, command: String) throws(CLIError) -> Source {
        let threads = o.threads ?? BLAS.processors
        if let path = o.table {
            let testPath = o.files[Flags.testData.name]
            let loaded = try library {
                try TabularData.load(train: path, test: testPath, settings: config.tableSettings, seed: config.seed, threads: threads)
            }
            for note in loaded.notes { Console.note(note.line) }
            let task = loaded.target.task
            var whole = TrainingData(train: loaded.train, task: task)
            if case .values(_, _, let std) = loaded.target { whole.targetScale = std }
            // Folds cut the training rows (the test rows stay out): the file's row numbers of those.
            let trainRows: [Int] = {
                guard let held = loaded.testRows else { return Array(0..<loaded.train.count) }
                let h = Set(held)
                return (0..<(loaded.trainRows + held.count)).filter { !h.contains($0) }
            }()
            var settings = config.tableSettings
            return Source(
                whole: whole, test: loaded.test, input: .table(loaded.encoder, delimiter: config.delimiter), output: .table(loaded.target),
                labels: task == .classification ? loaded.train.labels : nil
            ) { rows in
                // The fold's rows (indices into the training rows) and the test rows are held out;
                // the encoders learn from the rest.
                let held = rows.map { trainRows[$0] } + (loaded.testRows ?? [])
                settings.testRows = held
                settings.testSplit = nil
                let f = try TabularData.load(train: path, test: nil, settings: settings, seed: config.seed, threads: 1)
                // The held-out rows in file order: the fold's are those not in the test split.
                let testSet = Set(loaded.testRows ?? [])
                let keep = held.sorted().enumerated().filter { !testSet.contains($0.element) }.map { Int32($0.offset) }
                var d = TrainingData(train: f.train, validation: f.test!.subset(keep[...]), task: task)
                if case .values(_, _, let std) = f.target { d.targetScale = std }
                return d
            }
        }
        let files = try DataFiles.trainingFiles(dir: o.data, files: o.files, command: command)
        let data = try library { try ImageFiles.loadTraining(files) }
        let image = data.train.image!
        guard case .bytes(_, let scale) = data.train.storage else { preconditionFailure("IDX data is stored as bytes") }
        let train = data.train
        return Source(
            whole: TrainingData(train: train, validation: data.validation, task: .classification), test: data.test,
            input: .pixels(scale: scale, rows: image.rows, cols: image.cols), output: .classIndices(config.outputs ?? train.classCount),
            labels: train.labels
        ) { rows in
            var held = [Bool](repeating: false, count: train.count)
            for r in rows { held[r] = true }
            let kept = (0..<train.count).filter { !held[$0] }.map { Int32($0) }
            return TrainingData(
                train: train.subset(kept[...]), validation: train.subset(rows.map { Int32($0) }[...]), task: .classification)
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
        let (space, shared) = try SearchSpaceFlags.split(a, positional: nil)
        guard !space.isEmpty else {
            throw .usage(
                "nothing to search: give a flag a range or choices (--lr 1e-4..1e-2:log, --hidden 64|128), --dropout, or --space FILE.json",
                command: a.command)
        }
        let defaults: TrainingDefaults = o.table == nil ? .images : .tables
        let base = try TrainingConfiguration(shared, defaults: defaults)
        let validationFiles = o.files[Flags.validationImages.name] != nil || o.files[Flags.validationLabels.name] != nil
        if validationFiles {
            guard o.table == nil else {
                throw .usage(
                    "--validation-images and --validation-labels are for images; a table's are --validation-split F or --folds K",
                    command: a.command)
            }
            guard o.files[Flags.validationImages.name] != nil && o.files[Flags.validationLabels.name] != nil else {
                throw .usage("--validation-images and --validation-labels go together", command: a.command)
            }
        }
        if base.validationSplit == nil && o.folds == nil && !validationFiles {
            throw .usage(
                "the objective is a validation figure: give --validation-split F, --folds K or --validation-images and --validation-labels",
                command: a.command)
        }
        if [base.validationSplit != nil, o.folds != nil, validationFiles].filter({ $0 }).count > 1 {
            throw .usage(
                "--validation-split, --folds and --validation-images each give the validation rows; give one of them", command: a.command)
        }
        let source = try source(o, config: base, command: a.command)
        let task = source.whole.task
        let names = (task == .classification ? SetMetrics(loss: 0, accuracy: 0) : SetMetrics(loss: 0, rmse: 0, mae: 0, r2: 0)).json("val")
            .map(\.0)
        guard names.contains(o.objective) else {
            throw .usage(
                "--objective \(o.objective) is not a validation figure of a \(task.rawValue): \(names.joined(separator: ", "))\(NearestName.hint(for: o.objective, in: names) { $0 })",
                command: a.command)
        }
        let outputs = task == .classification ? max(source.whole.train.classCount, base.outputs ?? 0) : source.whole.train.targetWidth
        // The trials, each a configuration (its errors found now, before anything runs).
        let values =
            o.sampler == "grid"
            ? Array(SearchSampler.grid(space, points: o.gridPoints).prefix(o.trials ?? Int.max))
            : SearchSampler.random(space, count: o.trials ?? 20, seed: base.seed)
        var trials: [SuccessiveHalving.Trial] = []
        for (i, v) in values.enumerated() {
            let c = try SearchSpaceFlags.configuration(
                shared, values: v, defaults: defaults, outputs: outputs, regression: task == .regression)
            trials.append(.init(index: i, parameters: v, config: c))
        }
        for t in trials { _ = try library { try TrainingSession.architecture(config: t.config, data: source.whole) } }
        let asha = SuccessiveHalving(
            trials: trials, minEpochs: o.minEpochs, eta: o.eta, objective: o.objective, folds: o.folds ?? 1,
            checkpoints: o.outDir + "/checkpoints")
        // The folds' validation rows (cross-validation inside each trial).
        let foldRows = o.folds.map { StratifiedFolds.folds(count: source.whole.train.count, labels: source.labels, k: $0, seed: base.seed) }
        let place = try ExperimentSetup.place(parallel: o.parallel, threads: o.threads) { fold in
            if let fold, let foldRows { return try source.fold(foldRows[fold]) }
            return source.whole
        }
        defer { place.finish() }
        guard place.isRoot else {
            try library { try place.executor.serve() }
            return .ok
        }
        try SearchDirectory.prepare(o.outDir, identity: identity(o, space: space, trials: trials, asha: asha), command: a.command)
        let earlier = try library { try Leaderboard.read(dir: o.outDir) }
        asha.restore(results: earlier.results, running: earlier.running)
        let keys = { (name: String) in
            name == SearchSpaceFlags.dropoutName ? name : ConfigurationFile.key(Flags.configuration.first { $0.name == name }!)
        }
        let start = now()
        if !o.quiet {
            let resumed =
                earlier.results.isEmpty
                ? "" : "; continuing: \(earlier.results.count) results in \(o.outDir), \(earlier.running.count) rung(s) to run again"
            Console.info(
                "mlp: searching \(space.map { "\(keys($0.name)) \($0.text)" }.joined(separator: ", ")): \(trials.count) trials, epochs \(asha.budgets.map(String.init).joined(separator: "→")) (η \(asha.eta)), objective \(o.objective), \(place.executor.slots) at a time\(place.ranks > 1 ? " on each of \(place.ranks) ranks" : "")\(resumed)"
            )
        }
        let progress = ExperimentProgress(total: trials.count, unit: "trial", quiet: o.quiet, objective: o.objective)
        progress.work = { asha.work }
        var writeError: TrainingError?
        place.executor.started = { job, _ in
            let u = asha.unit(of: job.id)
            if u.fold == 0 { progress.started(u.trial * asha.budgets.count + u.rung) }
        }
        place.executor.tick = { progress.redraw() }
        if let s = o.maxSeconds { place.executor.deadline = start + Double(s) }
        let recorder = RecordingScheduler(asha) { job, outcome in
            let u = asha.unit(of: job.id)
            if outcome.status == .failed, let m = outcome.message { Console.err("mlp: warning: trial \(u.trial) failed: \(m)") }
        }
        asha.changed = { [unowned asha] result in
            do throws(TrainingError) { try Leaderboard.write(asha, dir: o.outDir, keys: keys, runningOnly: result == nil) } catch {
                writeError = writeError ?? error
            }
            guard let result else { return }
            let params = trials[result.trial].parameters.map { "\(keys($0.name)) \($0.value)" }.joined(separator: ", ")
            var out = JobOutcome(id: 0, status: result.status, epochs: result.epochs, seconds: result.seconds)
            out.stoppedEarly = result.stoppedEarly
            out.rank = result.rank
            progress.finished(
                result.trial * asha.budgets.count + result.rung, outcome: out,
                label: "trial \(result.trial) (\(params)) rung \(result.rung)", value: (o.objective, result.value),
                countsAsDone: result.rung == asha.budgets.count - 1 || result.stoppedEarly || result.status != .finished,
                bestLabel: "trial \(result.trial)")
        }
        try library { try place.executor.run(recorder) }
        progress.end()
        if let writeError { throw CLIError.training(writeError) }
        let seconds = now() - start
        if Interrupts.requested || place.executor.deadline.map({ now() >= $0 }) == true {
            let done = asha.results.reduce(0) { $0 + $1.count }
            Console.info(
                "mlp: \(Interrupts.requested ? "interrupted" : "out of time (--max-seconds)"); \(done) results in \(o.outDir)/leaderboard.csv; the same command continues the search"
            )
            if Interrupts.requested { return .interrupted }
        }
        guard let best = asha.best else { throw CLIError(.dataError, "no trial finished a rung: see the lines above") }
        let bestTrial = trials[best.trial]
        // The best configuration as a file for --config, its model, the plots.
        let configText = ConfigurationFile.text(try ConfigurationFile.document(bestTrial.config)) + "\n"
        try save(configText, o.outDir + "/best.json")
        let model = try bestModel(best, asha: asha, source: source, o: o)
        try ModelFile.saveChecked(
            model.network, path: o.outDir + "/best.safetensors", input: source.input, output: source.output,
            extra: [("config", bestTrial.config.json.serialized()), ("epochs", "\(model.epochs)"), ("mlp_version", CLI.version)])
        let plots = SearchPlots.write(asha, space: space, dir: o.outDir + "/plots", keys: keys)
        if let plotError = plots.error { Console.err("mlp: warning: \(plotError)") }
        let test = source.test.map { EvaluationFigures.compute(model.network, on: $0, task: task, targetScale: source.whole.targetScale) }
        report(asha, best: best, test: test, seconds: seconds, o: o, keys: keys, ranks: place.ranks)
        if let path = o.report {
            try ExperimentReports.search(
                asha, space: space, keys: keys, best: best, test: test, seconds: seconds,
                data: o.data ?? o.files[Flags.trainImages.name] ?? "", ranks: place.ranks, slots: place.executor.slots
            ).write(to: path)
            if !o.quiet && path != "-" { Console.info("mlp: report written to \(path)") }
        }
        return .ok
    }

    /// What makes two runs the same search: refused to mix when they differ.
    static func identity(_ o: Options, space: [SearchDimension], trials: [SuccessiveHalving.Trial], asha: SuccessiveHalving) -> JSONValue {
        .object(
            [
                ("space", .object(space.map { ($0.name, JSONValue($0.text)) })), ("sampler", JSONValue(o.sampler)),
                ("trials", .array(trials.map { t in .object(t.parameters.map { ($0.name, JSONValue($0.value)) }) })),
                ("configuration", trials[0].config.json), ("budgets", .array(asha.budgets.map { JSONValue($0) })),
                ("eta", JSONValue(asha.eta)), ("objective", JSONValue(o.objective)), ("folds", JSONValue(o.folds ?? 0)),
                ("data", JSONValue(o.data ?? o.files[Flags.trainImages.name] ?? "")),
            ] + (o.files[Flags.validationImages.name].map { [("validation", JSONValue($0))] } ?? []))
    }

    /// The best trial's network: its checkpoint at its best rung, or with folds (whose checkpoints
    /// each saw part of the rows) trained again on every training row.
    static func bestModel(_ best: SuccessiveHalving.Result, asha: SuccessiveHalving, source: Source, o: Options) throws(CLIError) -> (
        network: Network, epochs: Int
    ) {
        let config = asha.trials[best.trial].config
        if asha.folds == 1 {
            let path = asha.checkpoint(trial: best.trial, rung: best.rung, fold: 0)
            let session = try library {
                try Checkpoint.resume(from: try Checkpoint.read(path), path: path, configuration: config, data: source.whole)
            }
            return (session.network, session.epoch)
        }
        if !o.quiet {
            Console.info("mlp: training the best configuration (trial \(best.trial)) on every training row for \(best.epochs) epochs")
        }
        let job = TrainingJob(id: 0, config: config, epochs: asha.budgets[best.rung])
        let outcome = SessionRunner.run(job, data: source.whole, shouldStop: { Interrupts.requested }, keep: true)
        guard outcome.status == .finished, let network = outcome.network else {
            throw CLIError(.dataError, "training the best configuration again: \(outcome.message ?? outcome.status.rawValue)")
        }
        return (network, outcome.epochs)
    }

    static func save(_ text: String, _ path: String) throws(CLIError) {
        do { try AtomicFile.write(Array(text.utf8), to: path) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(path): \(error)")
        }
    }

    /// The results on stdout: the leaderboard's top, the best trial and its test figures.
    static func report(
        _ asha: SuccessiveHalving, best: SuccessiveHalving.Result, test: EvaluationFigures?, seconds: Double, o: Options,
        keys: (String) -> String, ranks: Int
    ) {
        let t = asha.trials[best.trial]
        let results = asha.results.reduce(0) { $0 + $1.count }
        let epochs =
            asha.budgets.indices.reduce(0) { n, k in n + asha.results[k].count * (asha.budgets[k] - (k > 0 ? asha.budgets[k - 1] : 0)) }
            * asha.folds
        if o.json {
            var members: [(String, JSONValue)] = [
                (
                    "best",
                    .object([
                        ("trial", JSONValue(best.trial)), ("rung", JSONValue(best.rung)), ("epochs", JSONValue(best.epochs)),
                        ("parameters", .object(t.parameters.map { (keys($0.name), JSONValue($0.value)) })),
                        ("objective", JSONValue(asha.objective)), ("value", JSONValue(best.value)),
                        ("validation", .object(best.figures.map { ($0.name, JSONValue($0.value)) })),
                    ])
                )
            ]
            if let test { members.append(("test", .object(test.values.map { ($0.name, JSONValue($0.value)) }))) }
            let started = Set(asha.results.flatMap { $0.map(\.trial) }).count
            members += [
                ("trials", JSONValue(asha.trials.count)), ("trials_started", JSONValue(started)), ("results", JSONValue(results)),
                ("epochs_trained", JSONValue(epochs)), ("budgets", .array(asha.budgets.map { JSONValue($0) })),
                ("seconds", JSONValue(seconds, decimals: 6)),
                ("results_per_minute", JSONValue(Double(results) / max(seconds, 1e-9) * 60, decimals: 3)),
                ("ranks", JSONValue(ranks)), ("out_dir", JSONValue(o.outDir)), ("config", t.config.json),
            ]
            Console.out(JSONValue.object(members).serialized())
            return
        }
        let names = t.parameters.map { keys($0.name) }
        var table = TextTable([("trial", .right), ("epochs", .right)] + names.map { ($0, .left) } + [(asha.objective, .right)])
        for r in Leaderboard.ordered(asha).prefix(10) {
            table.add(
                ["\(r.trial)", "\(r.epochs)"] + asha.trials[r.trial].parameters.map(\.value) + [
                    r.value.isNaN ? "diverged" : ExperimentSetup.figure(r.value)
                ])
        }
        Console.out(table.render())
        var line = "best: trial \(best.trial), \(asha.objective) \(ExperimentSetup.figure(best.value)) after \(best.epochs) epochs"
        if let test {
            line += "; test " + test.values.prefix(2).map { "\($0.name) \(ExperimentSetup.figure($0.value))" }.joined(separator: ", ")
        }
        Console.out(line)
        Console.out(
            "\(results) results of \(asha.trials.count) trials in \(duration(seconds)); \(o.outDir)/best.json (mlp train --config), \(o.outDir)/best.safetensors, \(o.outDir)/leaderboard.csv, \(o.outDir)/plots/"
        )
    }
}

extension ModelFile {
    /// Saves a model, its errors in the command line's words.
    static func saveChecked(_ net: Network, path: String, input: ModelInput, output: ModelOutput, extra: [(String, String)])
        throws(CLIError)
    {
        try library { try ModelFile.save(net, to: path, input: input, output: output, extra: extra) }
    }
}
