// What `mlp train` tells: the banner before training (the data, the network, the threads, where a
// resumed run stands), and after it the test figures and timings (a line, or one JSON object), with
// what the model file records about the run.
import Formats
import Model
import Tables
import Training

extension TrainCommand {
    /// How a table trained without --epochs decides its epochs.
    enum Automatic {
        /// Until the validation loss stops improving (UntilConverged), with what the user gave.
        case untilConverged(TrainingConfiguration.GivenSettings)
        /// Too few rows for a validation set: a fixed number of epochs.
        case fixed
    }

    /// The lines on stderr before the first epoch, each fact known by then.
    static func banner(
        _ session: TrainingSession, _ input: TrainingInput, job: DataParallelJob?, small: Bool,
        resumed: Resumed?, automatic: Automatic? = nil, options: Options
    ) -> [String] {
        var lines: [String]
        let config = session.config
        let net = session.network
        let loaded = " loaded in \(duration(input.seconds))"
        if let (table, testPath) = input.table {
            let e = table.encoder
            let numeric = e.columns.filter(\.isNumeric).count
            let dates = e.columns.filter(\.isDate).count
            var task = "\(table.target.task.rawValue) (\(reason(table.taskReason)))"
            switch table.target {
            case .classes(let column, let labels):
                let shown = labels.prefix(10).joined(separator: ", ") + (labels.count > 10 ? ", …" : "")
                task = "target \(column): \(task), \(labels.count) classes: \(shown)"
            case .values(let columns, _, _):
                task = "target \(columns.joined(separator: ", ")): \(task)"
            case .labels(let columns, _):
                task = "targets \(columns.joined(separator: ", ")): \(task), one sigmoid output per label"
            }
            let test =
                session.test.map { t in
                    testPath.map { ", test \(t.count) rows of \($0)" } ?? ", test \(t.count) rows held out (--test-split)"
                }
                ?? ", no test set"
            let kinds = "\(numeric) numeric, \(e.columns.count - numeric - dates) categorical" + (dates > 0 ? ", \(dates) date" : "")
            lines = [
                task,
                "\(table.trainPath): \(table.trainRows) training rows\(test); \(e.columns.count) feature columns (\(kinds)) → \(e.width) inputs,\(loaded)",
            ]
            let stratified = session.config.stratifies(session.task) ? ", stratified" : ""
            switch automatic {
            case .untilConverged(let given)?:
                lines.append(untilConvergedLine(session, given: given))
            case .fixed?:
                lines.append(
                    "no --epochs: \(session.train.count) training rows are too few to hold out a validation set (fewer than \(UntilConverged.minimumRows)): training \(session.config.epochs) epochs"
                )
            case nil:
                if let v = session.validation {
                    lines.append("\(session.train.count) rows for training and \(v.count) for validation (--validation-split\(stratified))")
                }
            }
        } else {
            let train = session.train
            let sets = "\(train.count) training\(session.validation.map { ", \($0.count) validation" } ?? "")"
            let test = session.test.map { " and \($0.count) test images" } ?? " images (no test set)"
            lines = ["\(sets)\(test) of \(ImageFiles.shape(train)),\(loaded)"]
        }
        let threads =
            "\(BLAS.threads) thread\(BLAS.threads == 1 ? "" : "s")"
            + (small ? " (small layers train fastest on one; --threads to choose)" : "")
        let layout =
            job.map { "batch \(config.batchSize) shared by \($0.ranks) ranks (mpirun), \(threads) per rank" }
            ?? "batch \(config.batchSize), \(threads)"
        lines.append(
            "network \(session.train.features)→\(net.architecture) (\(net.parameterCount) parameters), loss \(net.loss.token), \(config.optimizerDescription), \(layout)"
        )
        if let spec = config.augment {
            lines.append("augmenting the training images, afresh every epoch: \(spec.token) (validation and test images as they are)")
        }
        lines = lines.map { "mlp: " + $0 } + [ModelSummary.render(net)]
        if let resumed {
            let out =
                options.outGiven
                ? ""
                : "; the model goes to \(OutputPath.name(options.out))"
                    + (Checkpoint.recordedOut(resumed.file) != nil ? " (the run's --out)" : "")
            lines.append(
                "mlp: resuming after epoch \(session.epoch)\(session.trainer.position > 0 ? ", step \(session.trainer.position)" : "")\(out)"
            )
        }
        return lines
    }

    /// The banner's line for a table trained until the validation loss stops improving: the split,
    /// the patience, the anneal and the upper bound, as given or chosen.
    static func untilConvergedLine(_ session: TrainingSession, given: TrainingConfiguration.GivenSettings) -> String {
        let config = session.config
        let validation = session.validation?.count ?? 0
        let fraction = config.validationSplit.map { "\(Int(($0 * 100).rounded()))%" } ?? "none"
        let split =
            "\(session.train.count) rows for training and \(validation) (\(fraction)\(config.stratifies(session.task) ? ", stratified" : "")) for validation"
        var line = "no --epochs: training until \(config.earlyStopping?.metric.rawValue ?? "val_loss") stops improving: \(split)"
        if let e = config.earlyStopping {
            line += "; after \(e.patience) epochs without improvement"
            if let a = config.annealEpochs {
                line +=
                    ", the best epoch's weights train \(a) more epochs on all \(session.trainingRows.count) rows with the learning rate annealed to 0"
            } else {
                line += " training stops with the best epoch's weights"
            }
        }
        return line + " (at most \(config.epochs) epochs; --epochs N trains exactly N)"
    }

    /// How the task was decided, for the banner.
    static func reason(_ r: TabularData.TaskReason) -> String {
        switch r {
        case .given(let t): return "--\(Flags.task.name) \(t.rawValue)"
        case .targetColumns(let n): return "\(n) target columns"
        case .labelColumns(let n):
            return "\(n) target columns of two values each; --\(Flags.task.name) regression to predict them as numbers"
        case .wholeNumbers: return "whole numbers, at most 20 distinct"
        case .numbers: return "numbers"
        case .text: return "text"
        }
    }

    /// The test set's figures for the weights kept: the last epoch's or, with early stopping, the
    /// best epoch's (the test set was evaluated after every epoch, so they need no second pass).
    static func finalTest(_ session: TrainingSession) -> SetMetrics? {
        let kept = session.best != nil ? session.history.last { $0.epoch == session.bestEpoch } : session.history.last
        return kept?.test ?? session.test.map { session.evaluate($0) }
    }

    /// What the model file records about how it was trained.
    static func modelMetadata(_ session: TrainingSession, final: SetMetrics?, job: DataParallelJob?) -> [(String, String)] {
        let config = session.config
        var extra: [(String, String)] = [
            ("optimizer", config.optimizerDescription), ("epochs", "\(session.epoch)"),
            ("batch_size", "\(config.batchSize)"), ("seed", "\(config.seed)"),
        ]
        if let spec = config.augment { extra.insert(("augment", spec.token), at: 1) }
        if let w = config.weightColumn { extra.append((LoadedModel.weightColumnKey, w)) }
        if let w = config.classWeight { extra.append((LoadedModel.classWeightKey, w.token)) }
        if let final {
            if let acc = final.accuracy { extra.append(("test_accuracy", "\(acc)")) }
            if let r2 = final.r2, let rmse = final.rmse { extra += [("test_rmse", "\(Float(rmse))"), ("test_r2", "\(Float(r2))")] }
        }
        extra.append(("mlp_version", CLI.version))
        // The whole configuration, as checkpoints store it: `mlp config` reads it back.
        extra.append(("config", config.json.serialized()))
        if let job { extra.append(("ranks", "\(job.ranks)")) }
        return extra
    }

    /// The results on stdout: one line of test figures and timings, or (--json) one JSON object.
    static func report(
        _ session: TrainingSession, _ outcome: TrainingSession.Outcome, final: SetMetrics?, input: TrainingInput,
        job: DataParallelJob?, options: Options, startup: Double, warnings: [String] = []
    ) {
        let history = session.history
        let net = session.network
        let config = session.config
        let trainSeconds = history.reduce(0) { $0 + $1.seconds }
        let last = history.last
        let perEpoch = trainSeconds / Double(max(history.count, 1))
        let augmentSeconds = history.reduce(0) { $0 + ($1.augmentSeconds ?? 0) }
        if options.json {
            var members: [(String, JSONValue)] = []
            if let final { members += final.json("test") }
            members.append(("train_loss", last.map { JSONValue($0.loss) } ?? .null))
            if session.task == .classification { members.append(("train_accuracy", last?.accuracy.map { JSONValue($0) } ?? .null)) }
            if let v = last?.validation { members += v.json("val") }
            if input.table != nil { members.insert(("task", JSONValue(session.task.rawValue)), at: 0) }
            members += [
                ("epochs", .array(history.map(\.json))), ("epochs_run", JSONValue(session.epoch)),
                ("stopped_early", JSONValue(outcome.isStoppedEarly)),
                ("best_epoch", session.best != nil ? JSONValue(session.bestEpoch) : .null),
                ("out_of_time", JSONValue(outcome.isOutOfTime)),
                ("train_seconds", JSONValue(trainSeconds, decimals: 6)), ("seconds_per_epoch", JSONValue(perEpoch, decimals: 6)),
                ("evaluation_seconds", JSONValue(history.reduce(0) { $0 + $1.evaluationSeconds }, decimals: 6)),
                ("data_load_seconds", JSONValue(input.seconds, decimals: 6)), ("startup_seconds", JSONValue(startup, decimals: 6)),
                ("peak_rss_bytes", JSONValue(peakResidentBytes())), ("parameters", JSONValue(net.parameterCount)),
                ("threads", JSONValue(BLAS.threads)), ("model", JSONValue(options.out)),
            ]
            if config.augment != nil { members.append(("augmentation_seconds", JSONValue(augmentSeconds))) }
            if let job {
                members += [
                    ("ranks", JSONValue(job.ranks)), ("allreduce_seconds", JSONValue(job.reduceSeconds, decimals: 6)),
                    ("allreduce_bytes_per_step", JSONValue(job.reducedBytes / max(job.reductions, 1))),
                ]
            }
            // What was trained, as a checkpoint stores it (the same members, so it reads back as a
            // configuration), and the layers it made.
            members += [("architecture", JSONValue(net.architecture)), ("config", config.json)]
            // The warnings of a run that learnt nothing (QuietFailures), without their "mlp: warning: ".
            if !warnings.isEmpty {
                members.append(("warnings", .array(warnings.map { .string(String($0.dropFirst("mlp: warning: ".count))) })))
            }
            Console.out(JSONValue.object(members).serialized())
            return
        }
        var after =
            "after \(session.epoch) epoch\(session.epoch == 1 ? "" : "s") in \(duration(trainSeconds)) (\(fixed(perEpoch, 2))s/epoch)"
        if let job { after += " on \(job.ranks) ranks (all-reduce \(fixed(100 * job.reduceSeconds / max(trainSeconds, 1e-9), 0))% of it)" }
        if config.augment != nil { after += " (augmentation \(fixed(100 * augmentSeconds / max(trainSeconds, 1e-9), 0))% of it)" }
        if let final, let acc = final.accuracy {
            Console.out("test accuracy \(fixed(acc, 4))  test loss \(fixed(final.loss, 4))  \(after)")
        } else if let final, let rmse = final.rmse, let mae = final.mae, let r2 = final.r2 {
            Console.out("test rmse \(significant(rmse))  test mae \(significant(mae))  test r2 \(fixed(r2, 4))  \(after)")
        } else {
            let how = input.table == nil ? "--data DIR, or --test-images and --test-labels" : "--test-data or --test-split"
            Console.out("trained \(after); no test set (give \(how) to measure one)")
        }
        Console.out("model written to \(OutputPath.name(options.out))")
    }
}
