// `mlp train`: train a network on IDX data, report each epoch, save the model; with the workflow
// around it: validation, early stopping, reduce-on-plateau, checkpoints and --resume, clean
// interruption, divergence detection, a time budget, logs.
import Formats
import Model
#if canImport(Glibc)
import Glibc
#endif

enum TrainCommand {
    static let flags: [Flag] = [
        Flag("data", "DIR", "directory with the four MNIST IDX files, each raw or .gz"),
        Flag("train-images", "FILE", "training images (overrides --data)"),
        Flag("train-labels", "FILE", "training labels (overrides --data)"),
        Flag("test-images", "FILE", "test images (overrides --data)"),
        Flag("test-labels", "FILE", "test labels (overrides --data)"),
        Flag("hidden", "N[,N...]", "hidden layer widths, ReLU (default 128)"),
        Flag("activation", "ACT", "activation of the --hidden layers (default relu)"),
        Flag("layers", "ARCH", "architecture string, e.g. \"512:relu,dropout:0.2,256:relu,batchnorm,10\""),
        Flag("loss", "LOSS", "cross_entropy (default), cross_entropy:SMOOTHING, mse, bce"),
        Flag("init", "INIT", "he-normal, he-uniform, xavier-normal, xavier-uniform, orthogonal, zeros (default: He for ReLU-family layers, Xavier otherwise)"),
        Flag("optimizer", "OPT", "sgd (default), nesterov, adam, adamw"),
        Flag("lr", "X", "learning rate (default 0.05 for sgd/nesterov, 0.001 for adam/adamw)"),
        Flag("momentum", "X", "SGD momentum (default 0.9; 0 gives plain SGD)"),
        Flag("weight-decay", "X", "L2 weight decay; decoupled for adamw (default 0; 0.01 for adamw)"),
        Flag("beta1", "X", "Adam β1 (default 0.9)"),
        Flag("beta2", "X", "Adam β2 (default 0.999)"),
        Flag("schedule", "SCHED", "learning-rate schedule: constant (default), step[:EVERY[:GAMMA]], cosine"),
        Flag("warmup", "N", "epochs of linear learning-rate warm-up (default 0)"),
        Flag("clip-grad-norm", "X", "clip the global gradient norm to X"),
        Flag("epochs", "N", "passes over the training set (default 5)"),
        Flag("batch-size", "N", "examples per step (default 64)"),
        Flag("seed", "N", "seed for initialization, shuffling, dropout and the validation split (default 1)"),
        Flag("validation-split", "F", "hold out the last fraction F of the (seeded, shuffled) training set for validation"),
        Flag("validation-images", "FILE", "validation images (instead of --validation-split)"),
        Flag("validation-labels", "FILE", "validation labels"),
        Flag("early-stopping", "PATIENCE", "stop after PATIENCE epochs without improvement of the monitored metric; keep the best weights"),
        Flag("monitor", "METRIC", "val_loss (default) or val_accuracy, for --early-stopping and --reduce-lr-on-plateau"),
        Flag("reduce-lr-on-plateau", "FACTOR,PATIENCE", "multiply the learning rate by FACTOR after PATIENCE epochs without improvement"),
        Flag("max-seconds", "S", "stop cleanly after the epoch that passes S seconds of training"),
        Flag("checkpoint", "FILE", "write the full training state here after every epoch (atomically)"),
        Flag("resume", "FILE", "continue the run saved in this checkpoint (its configuration is kept; --epochs may extend it)"),
        Flag("threads", "N", "threads for the GEMMs and elementwise loops (default: all cores)"),
        Flag("out", "FILE", "where to write the model (default model.safetensors)"),
        Flag("log", "FILE", "write one JSON object per epoch (JSON lines), rewritten atomically each epoch"),
        Flag("log-csv", "FILE", "the same as CSV with a header"),
        Flag("plot", "FILE.svg", "draw the training curves (loss and accuracy per epoch) as SVG, rewritten each epoch"),
        Flag("json", nil, "print one JSON object with the results on stdout"),
        Flag("quiet", nil, "no progress bar or banner: one plain line per epoch"),
    ]

    static let usage = "mlp train --data DIR [--hidden 128[,64,...] | --layers ARCH] [--epochs N] [--batch-size N] [--lr X] [--momentum X] [--optimizer OPT] [--seed N] [--threads N] [--out FILE]"

    static func run(_ given: Arguments, startTime: Double) throws(CLIError) -> ExitCode {
        let classes = 10
        // With --resume, the configuration comes from the checkpoint; only --epochs may change.
        var resumeFile: SafetensorsFile?
        var a = given
        if let resume = given.string("resume") {
            let file = try Checkpoint.read(resume)
            var stored = try Checkpoint.config(file, path: resume)
            for flag in TrainingOptions.configFlags where given.has(flag) && flag != "epochs" {
                throw .usage("--\(flag) cannot change when resuming: the checkpoint fixes the training configuration (only --epochs may extend it)", command: given.command)
            }
            if let e = given.string("epochs") { stored.removeAll { $0.0 == "epochs" }; stored.append(("epochs", e)) }
            var args: [String] = []
            for (k, v) in stored { args += ["--\(k)", v] }
            for (k, v) in given.values where !TrainingOptions.configFlags.contains(k) && k != "resume" { args += ["--\(k)", v] }
            for s in given.switches { args.append("--\(s)") }
            a = try Arguments(args[...], flags: flags, command: "train")
            resumeFile = file
        }
        let opts = try TrainingOptions(a, classes: classes)
        let config = TrainingOptions.configFlags.compactMap { f in a.string(f).map { (f, $0) } }
        let out = a.string("out") ?? "model.safetensors"
        let maxSeconds = try a.optionalFloat("max-seconds", "positive") { $0 > 0 }
        try Threads.configure(a)
        let quiet = a.has("quiet"), json = a.has("json")
        for flag in ["out", "checkpoint", "log", "log-csv", "plot"] {
            if let path = a.string(flag) ?? (flag == "out" ? out : nil) { try OutputPath.checkWritable(path, flag: flag, command: a.command) }
        }

        let loadStart = now()
        var (train, test) = try DataFiles.loadTrainAndTest(a, opts)
        var validation: Dataset?
        if let f = opts.validationSplit {
            (train, validation) = try TrainingRun.split(train, fraction: f, seed: opts.seed)
        } else if let vi = a.string("validation-images"), let vl = a.string("validation-labels") {
            validation = try DataFiles.load(images: vi, labels: vl, classes: classes)
            guard validation!.features == train.features else {
                throw CLIError(.dataError, "\(vi): images are \(validation!.rows)×\(validation!.cols) but the training images are \(train.rows)×\(train.cols)")
            }
        }
        let dataSeconds = now() - loadStart

        let run = TrainingRun(opts: opts, config: config, train: train, validation: validation, test: test)
        if let file = resumeFile, let path = given.string("resume") {
            try Checkpoint.restore(file, into: run, path: path)
        }
        let net = run.network
        run.trainer.measureGradientNorms = a.has("log") || a.has("log-csv")
        let display = ProgressDisplay(quiet: quiet)
        // From here on a signal means "stop after this step and checkpoint" (before the banner, so
        // anyone who reacts to it finds the handlers in place).
        Interrupts.install()
        if !quiet {
            Console.err("mlp: \(train.count) training\(validation.map { ", \($0.count) validation" } ?? "") and \(test.count) test images of \(train.rows)×\(train.cols), loaded in \(duration(dataSeconds))")
            Console.err("mlp: network \(train.features)→\(net.architecture) (\(net.parameterCount) parameters), loss \(net.loss.token), \(opts.optimizerDescription), batch \(opts.batchSize), \(BLAS.threads) thread\(BLAS.threads == 1 ? "" : "s")")
            Console.err(ModelSummary.render(net))
            if given.has("resume") {
                Console.err("mlp: resuming after epoch \(run.epoch)\(run.trainer.position > 0 ? ", step \(run.trainer.position)" : "")")
            }
        }

        let checkpointPath = a.string("checkpoint")
        let stepDelay = Console.env("MLP_DEBUG_STEP_DELAY_MS").flatMap { UInt32($0) }.map { $0 * 1000 }
        let trainingStart = now()
        var stoppedEarly = false, outOfTime = false
        while run.epoch < opts.epochs {
            let epoch = run.epoch + 1
            let t = run.trainer
            let epochStart = now() - t.seconds
            let r = t.runEpoch(epoch, on: train) { done, total, _ in
                if let stepDelay { sleepThroughSignals(microseconds: stepDelay) }
                display.step(epoch: epoch, epochs: opts.epochs, done: done, total: total, elapsed: now() - epochStart,
                             loss: t.lossSum / Double(max(t.seen, 1)), accuracy: Double(t.correct) / Double(max(t.seen, 1)),
                             samples: t.seen)
                return Interrupts.requested ? .stop : .proceed
            }
            guard let r else {
                if let last = t.lastStep, !last.loss.isFinite {
                    display.line("")
                    let kept = checkpointPath.map { run.epoch > 0 ? "; the last good checkpoint, \($0), is from epoch \(run.epoch)" : "" } ?? ""
                    throw CLIError(.diverged, "training diverged in epoch \(epoch) at step \(t.position) of \(t.stepsPerEpoch(train)): the loss became \(last.loss.isNaN ? "NaN" : "infinite"); try a lower --lr (it is \(t.schedule.base)), --clip-grad-norm 1, or another --init\(kept)")
                }
                return try interrupted(run, at: "epoch \(epoch), step \(t.position) of \(t.stepsPerEpoch(train))", checkpoint: checkpointPath, out: out, given: given, display: display)
            }
            let val = validation.map { Evaluation.run(net, on: $0, scale: run.scale, batchSize: opts.batchSize) }
            let ev = Evaluation.run(net, on: test, scale: run.scale, batchSize: opts.batchSize)
            run.epoch = epoch
            let names = net.namedParameters.map(\.name)
            let stats = EpochStats(epoch: epoch, step: t.step, learningRate: r.learningRate, loss: r.loss, accuracy: r.accuracy,
                                   validationLoss: val?.loss, validationAccuracy: val?.accuracy,
                                   testLoss: ev.loss, testAccuracy: ev.accuracy, seconds: r.seconds,
                                   samplesPerSecond: r.samplesPerSecond, gradientNorms: Array(zip(names, r.gradientNorms)))
            run.history.append(stats)
            var line = "epoch \(epoch)/\(opts.epochs)  loss \(fixed(r.loss, 4))  train_acc \(fixed(r.accuracy, 4))"
            if let val { line += "  val_loss \(fixed(val.loss, 4))  val_acc \(fixed(val.accuracy, 4))" }
            line += "  test_acc \(fixed(ev.accuracy, 4))  lr \(r.learningRate)  \(duration(r.seconds))  \(Int(r.samplesPerSecond.rounded())) samples/s"
            display.line(line)

            // The monitors watch the validation metric.
            if let val {
                let metric = (opts.earlyStopping?.metric ?? opts.plateau?.monitor.metric) == .valAccuracy ? Double(val.accuracy) : Double(val.loss)
                if run.early != nil {
                    if run.early!.record(metric) { run.snapshotBest() }
                    if run.early!.exhausted { stoppedEarly = true }
                }
                if run.plateau != nil, let factor = opts.plateau?.factor {
                    _ = run.plateau!.record(metric)
                    if run.plateau!.exhausted {
                        t.schedule.base *= factor
                        run.plateau!.badEpochs = 0
                        display.line("mlp: \(run.plateau!.metric.rawValue) has not improved for \(run.plateau!.patience) epoch(s); learning rate now \(t.schedule.base)")
                    }
                }
            }
            if let path = a.string("log") { try TrainingLog.writeJSONLines(run.history, to: path) }
            if let path = a.string("log-csv") { try TrainingLog.writeCSV(run.history, to: path) }
            if let path = a.string("plot") {
                let svg = TrainingCurvesSVG.render(history: run.history.map(\.record), title: "mlp train: \(net.architecture)")
                do { try AtomicFile.write(Array(svg.utf8), to: path) } catch let e as FormatError { throw .data(e) } catch {
                    throw CLIError(.dataError, "\(path): \(error)")
                }
            }
            if let checkpointPath { try Checkpoint.save(run, to: checkpointPath) }
            if Interrupts.requested {
                return try interrupted(run, at: "the end of epoch \(epoch)", checkpoint: checkpointPath, out: out, given: given, display: display)
            }
            if stoppedEarly {
                display.line("mlp: early stopping: \(run.early!.metric.rawValue) has not improved for \(run.early!.patience) epoch(s); restoring the weights of epoch \(run.bestEpoch)")
                break
            }
            if let maxSeconds, now() - trainingStart >= Double(maxSeconds) {
                outOfTime = true
                display.line("mlp: stopping after epoch \(epoch): --max-seconds \(maxSeconds) reached")
                break
            }
        }
        if run.early != nil && run.best != nil { run.restoreBest() }
        let final = Evaluation.run(net, on: test, scale: run.scale, batchSize: opts.batchSize)
        try ModelFile.save(net, to: out, inputScale: run.scale, rows: train.rows, cols: train.cols, extra: [
            ("optimizer", opts.optimizerDescription), ("epochs", "\(run.epoch)"), ("batch_size", "\(opts.batchSize)"),
            ("seed", "\(opts.seed)"), ("test_accuracy", "\(final.accuracy)"), ("mlp_version", CLI.version),
        ])
        let trainSeconds = run.history.reduce(0) { $0 + $1.seconds }
        let startup = trainingStart - startTime - dataSeconds
        let last = run.history.last
        if json {
            var members: [(String, JSONValue)] = [
                ("test_accuracy", JSONValue(final.accuracy)), ("test_loss", JSONValue(final.loss)),
                ("train_loss", last.map { JSONValue($0.loss) } ?? .null), ("train_accuracy", last.map { JSONValue($0.accuracy) } ?? .null),
            ]
            if let v = last?.validationLoss, let va = last?.validationAccuracy {
                members += [("val_loss", JSONValue(v)), ("val_accuracy", JSONValue(va))]
            }
            members += [
                ("epochs", .array(run.history.map(\.json))), ("epochs_run", JSONValue(run.epoch)),
                ("stopped_early", JSONValue(stoppedEarly)), ("best_epoch", run.best != nil ? JSONValue(run.bestEpoch) : .null),
                ("out_of_time", JSONValue(outOfTime)),
                ("train_seconds", JSONValue(trainSeconds)), ("seconds_per_epoch", JSONValue(trainSeconds / Double(max(run.history.count, 1)))),
                ("data_load_seconds", JSONValue(dataSeconds)), ("startup_seconds", JSONValue(startup)),
                ("peak_rss_bytes", JSONValue(peakResidentBytes())), ("parameters", JSONValue(net.parameterCount)),
                ("threads", JSONValue(BLAS.threads)), ("model", JSONValue(out)),
            ]
            Console.out(JSONValue.object(members).serialized())
        } else {
            let n = run.history.count
            Console.out("test accuracy \(fixed(final.accuracy, 4))  test loss \(fixed(final.loss, 4))  after \(run.epoch) epoch\(run.epoch == 1 ? "" : "s") in \(duration(trainSeconds)) (\(fixed(trainSeconds / Double(max(n, 1)), 2))s/epoch)")
            Console.out("model written to \(out)")
        }
        return .ok
    }

    /// After SIGINT/SIGTERM: write the checkpoint (to --checkpoint, else next to the model), say
    /// how to resume, exit 130.
    static func interrupted(_ run: TrainingRun, at place: String, checkpoint: String?, out: String,
                            given: Arguments, display: ProgressDisplay) throws(CLIError) -> ExitCode {
        let path = checkpoint ?? out + ".ckpt"
        try Checkpoint.save(run, to: path)
        display.line("mlp: interrupted at \(place); checkpoint written to \(path)")
        // The flags that are not part of the stored configuration must be given again.
        var command = ["mlp", "train", "--resume", shellQuoted(path)]
        for f in flags.map(\.name) where f != "resume" && !TrainingOptions.configFlags.contains(f) {
            if let v = given.string(f) { command += ["--\(f)", shellQuoted(v)] } else if given.switches.contains(f) { command.append("--\(f)") }
        }
        if checkpoint == nil { command += ["--checkpoint", shellQuoted(path)] }
        Console.err("mlp: resume with: \(command.joined(separator: " "))")
        return .interrupted
    }

    /// Sleeps the whole time even when a signal arrives (the test hook MLP_DEBUG_STEP_DELAY_MS
    /// slows each step so tests can signal a run mid-epoch).
    static func sleepThroughSignals(microseconds: UInt32) {
        var request = timespec(tv_sec: Int(microseconds / 1_000_000), tv_nsec: Int(microseconds % 1_000_000) * 1000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
    }

    /// A word as the shell needs it: quoted when it holds anything but safe characters.
    static func shellQuoted(_ s: String) -> String {
        let safe = s.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }
        return safe && !s.isEmpty ? s : "'" + s.replacingAll("'", with: "'\\''") + "'"
    }
}
