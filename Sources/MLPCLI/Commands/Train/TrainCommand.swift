// `mlp train`: the command line → a typed configuration → a training session → the model file,
// one way: decide the data's kind, build the configuration once (with that kind's defaults), check
// the flags against both, load the data (which decides the task), size the threads once, train,
// report. The session (Training) owns the loop; TrainOptions, TrainingInput, TrainReport and
// Resume hold the steps' details.
import Formats
import Model
import Runtime
import Tables
import Training

#if canImport(Glibc)
    import Glibc
#endif

enum TrainCommand {
    static let flags: [Flag] = [
        Flags.data.helped("a CSV file (plain or .gz), or the directory with the four MNIST IDX files, each raw or .gz"),
        Flags.testData, Flags.target, Flags.task, Flags.ignore, Flags.features, Flags.categorical, Flags.missing, Flags.missingTarget,
        Flags.delimiter, Flags.decimal, Flags.thousands, Flags.testSplit,
        Flags.weightColumn, Flags.classWeight,
        Flags.trainImages, Flags.trainLabels, Flags.testImages, Flags.testLabels,
        Flags.hidden, Flags.activation, Flags.layers, Flags.loss, Flags.initializer, Flags.optimizer, Flags.lr,
        Flags.momentum, Flags.weightDecay, Flags.beta1, Flags.beta2, Flags.schedule, Flags.warmup, Flags.clipGradNorm,
        Flags.maxNorm, Flags.epochs, Flags.batchSize, Flags.seed, Flags.validationSplit, Flags.validationImages, Flags.validationLabels,
        Flags.earlyStopping, Flags.anneal, Flags.monitor, Flags.metrics, Flags.reduceLROnPlateau, Flags.augment, Flags.config,
        Flags.maxSeconds, Flags.checkpoint, Flags.resume,
        Flags.threads.helped(
            "threads for the GEMMs and elementwise loops (default: all cores; one for networks whose layers are all small)"), Flags.out,
        Flags.log, Flags.logCSV, Flags.plot,
        Flags.saveSplit, Flags.json.helped("print one JSON object with the results on stdout"), Flags.quiet, Flags.silent, Flags.maxMemory,
    ]

    static let usage =
        "mlp train --data DIR|FILE.csv [--hidden 128[,64,...] | --layers ARCH] [--epochs N] [--batch-size N] [--lr X] [--momentum X] [--optimizer OPT] [--seed N] [--threads N] [--out FILE]"

    static func run(_ a: Arguments, startTime: Double, hooks: [TrainingStepHook] = []) throws(CLIError) -> ExitCode {
        // Under mpirun, one rank of a data-parallel job: rank 0 alone prints and writes files.
        let job = try library { try DataParallelJob.start() }
        let root = job?.isRoot ?? true
        var options = try Options(a)
        // The data's kind, then the configuration once: the checkpoint's with --resume, else the
        // flags' with the defaults of images or of tables.
        let table = options.table
        var resumed: Resumed?
        if let path = options.resume { resumed = try resume(path, options: &options, root: root, command: a.command) }
        var config = if let resumed { resumed.config } else { try TrainingConfiguration(a, defaults: table == nil ? .images : .tables) }
        try options.check(config, command: a.command)
        var targets: [(flag: Flag, path: String, target: OutputTarget)] = []
        for (flag, path, kind) in [
            (Flags.out, options.out, OutputPath.Kind.binary), (Flags.checkpoint, options.checkpoint, .atomic),
            (Flags.log, options.log, .text), (Flags.logCSV, options.logCSV, .text),
            (Flags.plot, options.plot, .text),
        ] where root {
            if let path {
                targets.append((flag, path, try OutputPath.checkWritable(path, flag: flag.name, command: a.command, kind: kind)))
            }
        }
        try OutputPath.claimStandardOutput(targets, json: options.json, command: a.command)
        if let dir = options.saveSplit, root { try SavedSplit.check(dir, config: config, command: a.command) }

        // The data (read with denormals flushed, as it is trained), after checking that it fits in memory.
        LoopThreads.flushDenormals()
        let input = try load(table: table, config: config, options: options, command: a.command)
        if root { for note in input.notes { Console.note(note.line) } }
        if root { for w in input.warnings { Console.err(w) } }
        // A table without --epochs trains until the validation loss stops improving, unless it is
        // too small to spare a validation set (and nothing the user gave needs one).
        var automatic: Automatic?
        if table != nil && resumed == nil && options.epochs == nil {
            let given = TrainingConfiguration.given(a)
            if input.data.train.count < UntilConverged.minimumRows && !given.validationSplit && !given.earlyStopping && !given.plateau
                && !given.anneal
                && !options.monitorGiven
            {
                config.trainFixedEpochs(given: given, defaults: .tables)
                automatic = .fixed
            } else {
                automatic = .untilConverged(given)
            }
        }
        let (loops, small) = threads(options, job: job, config: config, data: input.data)
        let session = try library {
            try resumed.map { try Checkpoint.resume(from: $0.file, path: $0.path, configuration: config, data: input.data, loops: loops) }
                ?? TrainingSession(config: config, data: input.data, loops: loops)
        }
        if let resumed, let th = Checkpoint.otherThreads(resumed.file) {
            Console.info(
                "mlp: note: the checkpoint was made with \(th) thread(s) and this run uses \(BLAS.threads); results match an uninterrupted run bit for bit only with the same --threads"
            )
        }
        session.measureGradientNorms = options.log != nil || options.logCSV != nil
        session.maxSeconds = options.maxSeconds
        session.shouldStop = { Interrupts.requested }
        session.job = job
        let display = ProgressDisplay(quiet: options.quiet || !root)
        if root { session.observers = try observers(options, targets: targets, display: display) }
        session.observers += hooks.map { StepHookObserver($0) }
        let firstLoss = FirstLossObserver()
        session.observers.append(firstLoss)
        // From here on a signal means "stop after this step and checkpoint" (before the banner, so
        // anyone who reacts to it finds the handlers in place).
        Interrupts.install()
        if !options.quiet && root {
            for line in banner(session, input, job: job, small: small, resumed: resumed, automatic: automatic, options: options) {
                Console.err(line)
            }
            if resumed != nil && session.epoch >= config.epochs {
                Console.info(
                    "mlp: the checkpoint has trained all \(config.epochs) epochs; writing its model without training (--epochs above \(config.epochs) trains further)"
                )
            }
        }
        if let dir = options.saveSplit, root, let source = input.splitSource {
            let written = try SavedSplit.write(dir, source: source, config: config)
            if !options.quiet { Console.info("mlp: " + written) }
        }

        let trainingStart = now()
        let outcome = try library { try session.run() }
        for o in session.observers { try library { try o.sessionEnded(session) } }
        switch outcome {
        case .diverged(let epoch, let step, let steps, let loss):
            display.line("")
            let kept =
                options.checkpoint.map { session.epoch > 0 ? "; the last good checkpoint, \($0), is from epoch \(session.epoch)" : "" }
                ?? ""
            throw CLIError(
                .diverged,
                "training diverged in epoch \(epoch) at step \(step) of \(steps): the loss became \(loss.isNaN ? "NaN" : "infinite"); try a lower --lr (it is \(session.trainer.schedule.base)), --clip-grad-norm 1, or another --init\(kept)"
            )
        case .interrupted(let place):
            return root ? try interrupted(session, at: place, options: options, given: a, display: display) : .interrupted
        case .finished, .stoppedEarly, .outOfTime:
            break
        }
        let final = finalTest(session)
        guard root else { return .ok }
        let metadata = modelMetadata(session, final: final, job: job)
        try library { try ModelFile.save(session.network, to: options.out, input: input.input, output: input.output, extra: metadata) }
        // A run that learnt nothing says so, and still succeeds.
        let warnings = quietFailures(session, final: final, firstLoss: firstLoss.loss)
        for w in warnings { Console.err(w) }
        report(
            session, outcome, final: final, input: input, job: job, options: options, startup: trainingStart - startTime - input.seconds,
            warnings: warnings)
        return .ok
    }
}
