// `mlp train`: the command line → a typed configuration → a training session → the model file.
// The session (TrainingSession.swift) owns the loop; this file reads the flags, loads the data,
// sets up the session and what watches it, and reports and saves what it produced.
import Formats
import Tables
import Model
import Training
import Runtime
#if canImport(Glibc)
import Glibc
#endif

enum TrainCommand {
    static let flags: [Flag] = [
        Flags.data.helped("a CSV file (plain or .gz), or the directory with the four MNIST IDX files, each raw or .gz"),
        Flags.testData, Flags.target, Flags.task, Flags.categorical, Flags.missing, Flags.delimiter, Flags.decimal, Flags.thousands, Flags.testSplit,
        Flags.trainImages, Flags.trainLabels, Flags.testImages, Flags.testLabels,
        Flags.hidden, Flags.activation, Flags.layers, Flags.loss, Flags.initializer, Flags.optimizer, Flags.lr,
        Flags.momentum, Flags.weightDecay, Flags.beta1, Flags.beta2, Flags.schedule, Flags.warmup, Flags.clipGradNorm,
        Flags.maxNorm, Flags.epochs, Flags.batchSize, Flags.seed, Flags.validationSplit, Flags.validationImages, Flags.validationLabels,
        Flags.earlyStopping, Flags.monitor, Flags.reduceLROnPlateau, Flags.augment, Flags.maxSeconds, Flags.checkpoint, Flags.resume,
        Flags.threads.helped("threads for the GEMMs and elementwise loops (default: all cores; one for networks whose layers are all small)"), Flags.out, Flags.log, Flags.logCSV, Flags.plot,
        Flags.saveSplit, Flags.json.helped("print one JSON object with the results on stdout"), Flags.quiet, Flags.silent, Flags.maxMemory,
    ]

    static let usage = "mlp train --data DIR|FILE.csv [--hidden 128[,64,...] | --layers ARCH] [--epochs N] [--batch-size N] [--lr X] [--momentum X] [--optimizer OPT] [--seed N] [--threads N] [--out FILE]"

    /// What `mlp train` was asked to do besides the training configuration: the data, the files to
    /// write, the run's limits and how to report.
    struct Options {
        let dataDir: String?
        /// The file flags given (--train-images ... --validation-labels), by flag name.
        let files: [String: String]
        /// The model file: --out, else (resuming) the checkpoint's, else the default.
        var out: String
        let outGiven: Bool
        let resume: String?
        let checkpoint: String?
        let log: String?, logCSV: String?, plot: String?
        let saveSplit: String?
        let maxSeconds: Float?
        let threads: Int?
        let memoryLimit: Int?
        let json: Bool, quiet: Bool
        /// Configuration flags given, by name (--resume refuses them, except --epochs).
        let configurationGiven: [Flag]
        let epochs: Int?
        let monitorGiven: Bool

        init(_ a: Arguments) throws(CLIError) {
            dataDir = a.string(Flags.data)
            var f: [String: String] = [:]
            for flag in [Flags.trainImages, Flags.trainLabels, Flags.testImages, Flags.testLabels, Flags.validationImages,
                         Flags.validationLabels, Flags.testData] {
                if let v = a.string(flag) { f[flag.name] = v }
            }
            files = f
            out = a.string(Flags.out) ?? Flags.out.defaultValue!
            outGiven = a.has(Flags.out)
            resume = a.string(Flags.resume)
            checkpoint = a.string(Flags.checkpoint)
            log = a.string(Flags.log)
            logCSV = a.string(Flags.logCSV)
            plot = a.string(Flags.plot)
            saveSplit = a.string(Flags.saveSplit)
            maxSeconds = try a.float(Flags.maxSeconds)
            threads = try a.int(Flags.threads)
            memoryLimit = try MemoryBudget.flag(a)
            json = a.has(Flags.json)
            quiet = Verbosity(a) >= .quiet
            configurationGiven = Flags.configuration.filter { a.has($0) }
            epochs = a.has(Flags.epochs) ? try a.int(Flags.epochs) : nil
            monitorGiven = a.has(Flags.monitor)
        }

        var hasValidationFiles: Bool { files[Flags.validationImages.name] != nil }
    }

    /// The training data and what the model file will record about its input and output.
    struct PreparedData {
        let data: TrainingData
        let input: ModelInput
        let output: ModelOutput
        /// The banner's line about the data (after "mlp: ").
        let banner: [String]
        /// Warnings and notes about how the data was read (whole lines), printed even with --quiet.
        var notes: [String] = []
        /// Where the rows come from, for --save-split.
        var splitSource: SavedSplit.Source? = nil
    }

    static func run(_ a: Arguments, startTime: Double, hooks: [TrainingStepHook] = []) throws(CLIError) -> ExitCode {
        // Under mpirun, one rank of a data-parallel job: rank 0 alone prints and writes files.
        let job = try library { try DataParallelJob.start() }
        let root = job?.isRoot ?? true
        var options = try Options(a)
        // The configuration: from the flags, or, with --resume, from the checkpoint (only --epochs may change).
        var resumeFile: SafetensorsFile?
        var config: TrainingConfiguration
        if let path = options.resume {
            let file = try library { try Checkpoint.read(path) }
            config = try Checkpoint.commandLineConfiguration(file, path: path)
            if let flag = options.configurationGiven.first(where: { $0 != Flags.epochs }) {
                throw .usage("--\(flag.name) cannot change when resuming: the checkpoint fixes the training configuration (only --epochs may extend it)", command: a.command)
            }
            if let e = options.epochs { config.epochs = e }
            try checkEpochs(file, path: path, epochs: config.epochs, given: options.epochs != nil, command: a.command)
            if !options.outGiven {
                if let out = Checkpoint.recordedOut(file) {
                    options.out = out
                } else if root {
                    Console.info("mlp: note: \(path) does not record the run's --out (an older mlp made it); the model goes to \(options.out)")
                }
            }
            resumeFile = file
        } else {
            config = try TrainingConfiguration(a)
        }
        try checkValidationSet(config, options, command: a.command)
        let csv = try checkDataKind(config, options, command: a.command)
        // Tables train best with other defaults than images.
        if csv != nil && resumeFile == nil { config = try TrainingConfiguration(a, defaults: .tables) }
        // Ranks sharing a host share its CPUs (with --bind-to core each sees its own core already).
        let pool = LoopThreads.configure(options.threads ?? job.map { max(1, BLAS.processors / $0.localRanks) })
        var targets: [(flag: Flag, path: String, target: OutputTarget)] = []
        for (flag, path, kind) in [(Flags.out, options.out, OutputPath.Kind.binary), (Flags.checkpoint, options.checkpoint, .atomic),
                                   (Flags.log, options.log, .text), (Flags.logCSV, options.logCSV, .text),
                                   (Flags.plot, options.plot, .text)] where root {
            if let path { targets.append((flag, path, try OutputPath.checkWritable(path, flag: flag.name, command: a.command, kind: kind))) }
        }
        try OutputPath.claimStandardOutput(targets, json: options.json, command: a.command)
        if let dir = options.saveSplit, root { try SavedSplit.check(dir, config: config, command: a.command) }

        // The data, after checking that it (and, for IDX, the network) fits in memory.
        let loadStart = now()
        let prepared = csv != nil ? try prepareTable(csv!, config: config, options: options)
                                  : try prepareImages(config: config, options: options, command: a.command)
        let dataSeconds = now() - loadStart
        if root { for note in prepared.notes { Console.note(note) } }

        let loops = Loops(pool)
        let session: TrainingSession
        if let file = resumeFile, let path = options.resume {
            session = try library { try Checkpoint.resume(from: file, path: path, configuration: config, data: prepared.data, loops: loops) }
        } else {
            session = try library { try TrainingSession(config: config, data: prepared.data, loops: loops) }
        }
        let net = session.network
        // Small layers train faster on one thread than split over two (Runtime/SmallNetworks.swift),
        // unless --threads says otherwise.
        let small = options.threads == nil && job == nil && pool.threads > 1
            && SmallNetworks.trainFastestOnOneThread(net, batch: session.config.batchSize)
        if small { pool.use(threads: 1, pin: false) }
        if let file = resumeFile, let th = Checkpoint.otherThreads(file) {
            Console.info("mlp: note: the checkpoint was made with \(th) thread(s) and this run uses \(BLAS.threads); results match an uninterrupted run bit for bit only with the same --threads")
        }
        session.measureGradientNorms = options.log != nil || options.logCSV != nil
        session.maxSeconds = options.maxSeconds
        session.shouldStop = { Interrupts.requested }
        session.job = job
        let display = ProgressDisplay(quiet: options.quiet || !root)
        if root {
            session.observers = [ProgressObserver(display)]
            if options.log != nil || options.logCSV != nil { session.observers.append(try library { try LogObserver(jsonLines: options.log, csv: options.logCSV) }) }
            if let plot = options.plot, let target = targets.first(where: { $0.flag == Flags.plot })?.target {
                session.observers.append(PlotObserver(path: plot, target: target))
            }
            if let checkpoint = options.checkpoint { session.observers.append(CheckpointObserver(path: checkpoint, out: options.out)) }
        }
        session.observers += hooks.map { StepHookObserver($0) }
        // From here on a signal means "stop after this step and checkpoint" (before the banner, so
        // anyone who reacts to it finds the handlers in place).
        Interrupts.install()
        if !options.quiet && root {
            var lines = prepared.banner
            if csv == nil {
                let train = session.train
                let sets = "\(train.count) training\(session.validation.map { ", \($0.count) validation" } ?? "")"
                let test = session.test.map { " and \($0.count) test images" } ?? " images (no test set)"
                lines.append("\(sets)\(test) of \(ImageFiles.shape(train)), loaded in \(duration(dataSeconds))")
            } else {
                lines[lines.count - 1] += ", loaded in \(duration(dataSeconds))"
                if let v = session.validation { lines.append("\(session.train.count) rows for training and \(v.count) for validation (--validation-split)") }
            }
            for l in lines { Console.err("mlp: " + l) }
            let threads = "\(BLAS.threads) thread\(BLAS.threads == 1 ? "" : "s")" + (small ? " (small layers train fastest on one; --threads to choose)" : "")
            let layout = job.map { "batch \(config.batchSize) shared by \($0.ranks) ranks (mpirun), \(threads) per rank" } ?? "batch \(config.batchSize), \(threads)"
            Console.err("mlp: network \(session.train.features)→\(net.architecture) (\(net.parameterCount) parameters), loss \(net.loss.token), \(config.optimizerDescription), \(layout)")
            if let spec = session.config.augment {
                Console.err("mlp: augmenting the training images, afresh every epoch: \(spec.token) (validation and test images as they are)")
            }
            Console.err(ModelSummary.render(net))
            if resumeFile != nil {
                let out = options.outGiven ? "" : "; the model goes to \(OutputPath.name(options.out))" + (Checkpoint.recordedOut(resumeFile!) != nil ? " (the run's --out)" : "")
                Console.err("mlp: resuming after epoch \(session.epoch)\(session.trainer.position > 0 ? ", step \(session.trainer.position)" : "")\(out)")
                if session.epoch >= session.config.epochs {
                    Console.info("mlp: the checkpoint has trained all \(session.config.epochs) epochs; writing its model without training (--epochs above \(session.config.epochs) trains further)")
                }
            }
        }

        if let dir = options.saveSplit, root, let source = prepared.splitSource {
            let written = try SavedSplit.write(dir, source: source, config: session.config)
            if !options.quiet { Console.info("mlp: " + written) }
        }
        let trainingStart = now()
        let outcome = try library { try session.run() }
        for o in session.observers { try library { try o.sessionEnded(session) } }
        switch outcome {
        case .diverged(let epoch, let step, let steps, let loss):
            display.line("")
            let kept = options.checkpoint.map { session.epoch > 0 ? "; the last good checkpoint, \($0), is from epoch \(session.epoch)" : "" } ?? ""
            throw CLIError(.diverged, "training diverged in epoch \(epoch) at step \(step) of \(steps): the loss became \(loss.isNaN ? "NaN" : "infinite"); try a lower --lr (it is \(session.trainer.schedule.base)), --clip-grad-norm 1, or another --init\(kept)")
        case .interrupted(let place):
            return root ? try interrupted(session, at: place, options: options, given: a, display: display) : .interrupted
        case .finished, .stoppedEarly, .outOfTime:
            break
        }

        // The test set was evaluated after every epoch, and the weights kept are the last epoch's or,
        // with early stopping, the best epoch's: their figures need no second pass.
        let kept = session.best != nil ? session.history.last { $0.epoch == session.bestEpoch } : session.history.last
        let final = kept?.test ?? session.test.map { session.evaluate($0) }
        var extra: [(String, String)] = [("optimizer", config.optimizerDescription), ("epochs", "\(session.epoch)"),
                                         ("batch_size", "\(config.batchSize)"), ("seed", "\(config.seed)")]
        if let spec = config.augment { extra.insert(("augment", spec.token), at: 1) }
        if let final {
            if let acc = final.accuracy { extra.append(("test_accuracy", "\(acc)")) }
            if let r2 = final.r2, let rmse = final.rmse { extra += [("test_rmse", "\(Float(rmse))"), ("test_r2", "\(Float(r2))")] }
        }
        extra.append(("mlp_version", CLI.version))
        if let job { extra.append(("ranks", "\(job.ranks)")) }
        guard root else { return .ok }
        try library { try ModelFile.save(net, to: options.out, input: prepared.input, output: prepared.output, extra: extra) }
        let history = session.history
        let trainSeconds = history.reduce(0) { $0 + $1.seconds }
        let startup = trainingStart - startTime - dataSeconds
        let last = history.last
        let perEpoch = trainSeconds / Double(max(history.count, 1))
        let augmentSeconds = history.reduce(0) { $0 + ($1.augmentSeconds ?? 0) }
        if options.json {
            var members: [(String, JSONValue)] = []
            if let final { members += final.json("test") }
            members.append(("train_loss", last.map { JSONValue($0.loss) } ?? .null))
            if session.task == .classification { members.append(("train_accuracy", last?.accuracy.map { JSONValue($0) } ?? .null)) }
            if let v = last?.validation { members += v.json("val") }
            if csv != nil { members.insert(("task", JSONValue(session.task.rawValue)), at: 0) }
            members += [
                ("epochs", .array(history.map(\.json))), ("epochs_run", JSONValue(session.epoch)),
                ("stopped_early", JSONValue(outcome.isStoppedEarly)), ("best_epoch", session.best != nil ? JSONValue(session.bestEpoch) : .null),
                ("out_of_time", JSONValue(outcome.isOutOfTime)),
                ("train_seconds", JSONValue(trainSeconds, decimals: 6)), ("seconds_per_epoch", JSONValue(perEpoch, decimals: 6)),
                ("evaluation_seconds", JSONValue(history.reduce(0) { $0 + $1.evaluationSeconds }, decimals: 6)),
                ("data_load_seconds", JSONValue(dataSeconds, decimals: 6)), ("startup_seconds", JSONValue(startup, decimals: 6)),
                ("peak_rss_bytes", JSONValue(peakResidentBytes())), ("parameters", JSONValue(net.parameterCount)),
                ("threads", JSONValue(BLAS.threads)), ("model", JSONValue(options.out)),
            ]
            if config.augment != nil { members.append(("augmentation_seconds", JSONValue(augmentSeconds))) }
            if let job {
                members += [("ranks", JSONValue(job.ranks)), ("allreduce_seconds", JSONValue(job.reduceSeconds, decimals: 6)),
                            ("allreduce_bytes_per_step", JSONValue(job.reducedBytes / max(job.reductions, 1)))]
            }
            // What was trained, as a checkpoint stores it (the same members, so it reads back as a
            // configuration), and the layers it made.
            members += [("architecture", JSONValue(net.architecture)), ("config", session.config.json)]
            Console.out(JSONValue.object(members).serialized())
        } else {
            var after = "after \(session.epoch) epoch\(session.epoch == 1 ? "" : "s") in \(duration(trainSeconds)) (\(fixed(perEpoch, 2))s/epoch)"
            if let job { after += " on \(job.ranks) ranks (all-reduce \(fixed(100 * job.reduceSeconds / max(trainSeconds, 1e-9), 0))% of it)" }
            if config.augment != nil { after += " (augmentation \(fixed(100 * augmentSeconds / max(trainSeconds, 1e-9), 0))% of it)" }
            if let final, let acc = final.accuracy {
                Console.out("test accuracy \(fixed(acc, 4))  test loss \(fixed(final.loss, 4))  \(after)")
            } else if let final, let rmse = final.rmse, let mae = final.mae, let r2 = final.r2 {
                Console.out("test rmse \(significant(rmse))  test mae \(significant(mae))  test r2 \(fixed(r2, 4))  \(after)")
            } else {
                let how = csv == nil ? "--data DIR, or --test-images and --test-labels" : "--test-data or --test-split"
                Console.out("trained \(after); no test set (give \(how) to measure one)")
            }
            Console.out("model written to \(OutputPath.name(options.out))")
        }
        return .ok
    }

    /// The CSV training file when --data names one (told by its content), nil for IDX data; the
    /// flags of the other kind are refused.
    static func checkDataKind(_ config: TrainingConfiguration, _ o: Options, command cmd: String) throws(CLIError) -> String? {
        if let dir = o.dataDir, !dir.isEmpty, access(dir, F_OK) != 0, dir.hasSuffix(".csv") || dir.hasSuffix(".csv.gz") {
            throw CLIError(.dataError, "\(dir): no such file")
        }
        guard let dir = o.dataDir, !dir.isEmpty, access(dir, F_OK) == 0, !isDirectory(dir) else {
            // IDX: the CSV flags have nothing to act on.
            let csvOnly: [(Bool, Flag)] = [(o.files[Flags.testData.name] != nil, Flags.testData), (config.target != nil, Flags.target),
                                           (config.task != nil, Flags.task), (!config.categorical.isEmpty, Flags.categorical),
                                           (config.missing != nil, Flags.missing), (config.testSplit != nil, Flags.testSplit),
                                           (config.numbers.decimal != CSVNumberFormat.standard.decimal, Flags.decimal),
                                           (config.numbers.thousands != nil, Flags.thousands)]
            if let (_, f) = csvOnly.first(where: { $0.0 }) {
                throw .usage("--\(f.name) applies to CSV data (--data FILE.csv); IDX data has its own test files", command: cmd)
            }
            return nil
        }
        guard TabularData.isCSV(dir) else {
            throw CLIError(.dataError, "\(dir): is an IDX file; --data takes a CSV file, or the directory that holds the four MNIST files (or name them with --train-images, --train-labels, --test-images, --test-labels)")
        }
        if config.augment != nil {
            throw .usage("--augment distorts images (IDX files); \(dir) is a CSV table, which has no images to distort", command: cmd)
        }
        let idxOnly = [Flags.trainImages, Flags.trainLabels, Flags.testImages, Flags.testLabels, Flags.validationImages, Flags.validationLabels]
        if let f = idxOnly.first(where: { o.files[$0.name] != nil }) {
            throw .usage("--\(f.name) names an IDX file; with a CSV file give --test-data (and --validation-split)", command: cmd)
        }
        if config.testSplit != nil && o.files[Flags.testData.name] != nil {
            throw .usage("--test-split and --test-data both name a test set; give one of them", command: cmd)
        }
        return dir
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// IDX data: the four files (and validation files), checked against the memory limit with the network.
    static func prepareImages(config: TrainingConfiguration, options: Options, command: String) throws(CLIError) -> PreparedData {
        let files = try DataFiles.trainingFiles(dir: options.dataDir, files: options.files, command: command)
        try library { try MemoryBudget.check(options.memoryLimit, MemoryBudget.dataParts(files.all)) }
        let classes = try library { try ImageFiles.classCount(labels: files.trainLabels) }
        try library { try MemoryBudget.checkTraining(options.memoryLimit, config, files: files, outputs: config.outputs ?? classes) }
        let data = try library { try ImageFiles.loadTraining(files) }
        let image = data.train.image!
        if config.augment != nil && (image.rows < 2 || image.cols < 2 || (image.rows + 3) * (image.cols + 3) > ImageAugmenter.maxPixels) {
            let why = image.rows < 2 || image.cols < 2 ? "a row or a column of values, not an image" : "more pixels than --augment handles (about 2045×2045)"
            throw CLIError(.dataError, "\(files.trainImages): images are \(image.rows)×\(image.cols), \(why); --augment distorts two-dimensional images")
        }
        guard case .bytes(_, let scale) = data.train.storage else { preconditionFailure("IDX data is stored as bytes") }
        var prepared = PreparedData(data: data, input: .pixels(scale: scale, rows: image.rows, cols: image.cols),
                                    output: .classIndices(config.outputs ?? classes), banner: [])
        prepared.splitSource = .images(data.train)
        return prepared
    }

    /// A CSV file: read, encoded with what its training rows teach, and the network checked against
    /// the memory limit once the encoded width is known.
    static func prepareTable(_ path: String, config: TrainingConfiguration, options: Options) throws(CLIError) -> PreparedData {
        let testPath = options.files[Flags.testData.name]
        let parts = MemoryBudget.csvPart(path) + (testPath.map(MemoryBudget.csvPart) ?? [])
        try library { try MemoryBudget.check(options.memoryLimit, parts) }
        let loaded = try library {
            try TabularData.load(train: path, test: testPath, settings: config.tableSettings, seed: config.seed, threads: options.threads ?? BLAS.processors)
        }
        var data = TrainingData(train: loaded.train, test: loaded.test, task: loaded.target.task)
        if case .values(_, _, let std) = loaded.target { data.targetScale = std }
        let specs = config.network.specs(assuming: loaded.target.outputs)
        let need = MemoryBudget.trainingBytes(inputs: loaded.encoder.width, specs: specs, batch: config.batchSize, optimizerSlots: config.optimizerSlots)
        try library { try MemoryBudget.check(options.memoryLimit, [("the network \(Architecture.string(specs))", need ?? Int.max)]) }
        let e = loaded.encoder
        let numeric = e.columns.filter(\.isNumeric).count
        var task = "\(loaded.target.task.rawValue) (\(reason(loaded.taskReason)))"
        switch loaded.target {
        case .classes(let column, let labels):
            let shown = labels.prefix(10).joined(separator: ", ") + (labels.count > 10 ? ", …" : "")
            task = "target \(column): \(task), \(labels.count) classes: \(shown)"
        case .values(let columns, _, _):
            task = "target \(columns.joined(separator: ", ")): \(task)"
        }
        let test = data.test.map { t in testPath.map { ", test \(t.count) rows of \($0)" } ?? ", test \(t.count) rows held out (--test-split)" }
            ?? ", no test set"
        let banner = [task, "\(path): \(loaded.trainRows) training rows\(test); \(e.columns.count) feature columns (\(numeric) numeric, \(e.columns.count - numeric) categorical) → \(e.width) inputs"]
        var prepared = PreparedData(data: data, input: .table(e, delimiter: config.delimiter), output: .table(loaded.target), banner: banner,
                                   notes: loaded.notes.map(\.line))
        if let lines = loaded.rowLines {
            prepared.splitSource = .table(path: path, testRows: loaded.testRows, rowCount: loaded.trainRows + (loaded.testRows?.count ?? 0), lines: lines)
        }
        return prepared
    }

    /// How the task was decided, for the banner.
    static func reason(_ r: TabularData.TaskReason) -> String {
        switch r {
        case .given(let t): return "--\(Flags.task.name) \(t.rawValue)"
        case .targetColumns(let n): return "\(n) target columns"
        case .wholeNumbers: return "whole numbers, at most 20 distinct"
        case .numbers: return "numbers"
        case .text: return "text"
        }
    }

    /// Early stopping, reduce-on-plateau and --monitor watch a validation set: one must be given
    /// (a --validation-split in the configuration, or --validation-images/--validation-labels).
    static func checkValidationSet(_ config: TrainingConfiguration, _ o: Options, command cmd: String) throws(CLIError) {
        let hasValidation = config.validationSplit != nil || o.hasValidationFiles
        if !hasValidation && (config.earlyStopping != nil || config.plateau != nil || o.monitorGiven) {
            let flag = config.earlyStopping != nil ? "--early-stopping" : config.plateau != nil ? "--reduce-lr-on-plateau" : "--monitor"
            throw .usage("\(flag) watches a validation set: add --validation-split F or --validation-images/--validation-labels", command: cmd)
        }
        if config.validationSplit != nil && o.hasValidationFiles {
            throw .usage("--validation-split and --validation-images both name a validation set; give one of them", command: cmd)
        }
        if o.hasValidationFiles != (o.files[Flags.validationLabels.name] != nil) {
            throw .usage("--validation-images and --validation-labels go together", command: cmd)
        }
    }

    /// After SIGINT/SIGTERM: write the checkpoint (to --checkpoint, else next to the model), say
    /// how to resume, exit 130.
    static func interrupted(_ session: TrainingSession, at place: String, options: Options,
                            given: Arguments, display: ProgressDisplay) throws(CLIError) -> ExitCode {
        let path = options.checkpoint ?? defaultCheckpoint(out: options.out)
        try library { try Checkpoint.save(session, to: path, out: options.out) }
        display.warning("mlp: interrupted at \(place); checkpoint written to \(path)")
        // The flags that are not part of the stored configuration must be given again.
        var command = ["mlp", "train", "--resume", shellQuoted(path)]
        for f in flags where f != Flags.resume && !f.configuration {
            if let v = given.string(f) {
                command += ["--\(f.name)", shellQuoted(v)]
            } else if f.value == nil && given.has(f) {
                command += [String](repeating: "--\(f.name)", count: given.count(f))
            }
        }
        if options.checkpoint == nil { command += ["--checkpoint", shellQuoted(path)] }
        Console.err("mlp: resume with: \(command.joined(separator: " "))")
        return .interrupted
    }

    /// Where an interrupted run without --checkpoint saves its state: next to the model file, or,
    /// when the model goes to standard output, a device or a pipe, next to the default model file.
    static func defaultCheckpoint(out: String) -> String {
        let target = try? OutputTarget.resolve(out)
        return (target?.isAtomic ?? false ? out : Flags.out.defaultValue!) + ".ckpt"
    }

    /// With --resume, --epochs counts the run's epochs from its start: fewer than the checkpoint has
    /// trained cannot be undone, and is refused. As many (the checkpoint finished its run) writes the
    /// model as it is.
    static func checkEpochs(_ file: SafetensorsFile, path: String, epochs: Int, given: Bool, command: String) throws(CLIError) {
        guard let (done, partway) = Checkpoint.progress(file) else { return }
        guard epochs < done || (epochs == done && partway) else { return }
        let trained = "\(done) epoch\(done == 1 ? "" : "s")" + (partway ? " and part of epoch \(done + 1)" : "")
        let asked = given ? "--epochs \(epochs)" : "its run's \(epochs) epochs"
        throw .usage("\(path) has already trained \(trained), more than \(asked); --epochs counts the run's epochs from the start: give --epochs \(done + 1) or more to train further", command: command)
    }

    /// A word as the shell needs it: quoted when it holds anything but safe characters.
    static func shellQuoted(_ s: String) -> String {
        let safe = s.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }
        return safe && !s.isEmpty ? s : "'" + s.replacingAll("'", with: "'\\''") + "'"
    }
}

extension TrainingSession.Outcome {
    var isStoppedEarly: Bool { if case .stoppedEarly = self { return true }; return false }
    var isOutOfTime: Bool { if case .outOfTime = self { return true }; return false }
}
