// `mlp summary CHECKPOINT`: what a checkpoint (--checkpoint, or the one an interrupt writes) holds,
// before resuming it: the network (the same table as for a model), where the run stands (epoch,
// step within it, optimizer steps, the learning rate now), its configuration as the flags that
// made it, the monitors' state (best epoch and metric), the last epoch's figures and the threads.
//
// A checkpoint records the configuration, not the network: the network is rebuilt from it, its
// input width read off the first layer's tensor and, for --hidden, the output width off the last
// layer's bias (the data decided them), and every tensor is checked against that network. The task
// is recorded since this version ("task"); for earlier checkpoints (formats 1 to 3) it is the
// configuration's, else what the history shows (an accuracy is a classification's).
import Formats
import Model
import Tables
import Training

struct CheckpointSummary {
    let path: String
    let formatVersion: Int
    let config: TrainingConfiguration
    let network: Network
    /// nil: neither recorded nor to be told from the checkpoint.
    let task: Task?
    /// Epochs completed, and steps done in the next one (0: at an epoch's end).
    let epoch: Int, position: Int
    /// The training set's size (the stored example order) and the steps of an epoch; nil when the
    /// checkpoint holds no order.
    let trainingExamples: Int?
    var stepsPerEpoch: Int? { trainingExamples.map { ($0 + config.batchSize - 1) / config.batchSize } }
    let optimizerStep: Int
    /// The learning rate the run continues with (the configuration's, unless a plateau reduced it).
    let learningRate: Float?
    let bestEpoch: Int
    let hasBestWeights: Bool
    let early: (best: Double?, badEpochs: Int)?
    let plateau: (best: Double?, badEpochs: Int)?
    let history: [EpochStats]
    let threads: Int?
    let mlpVersion: String?

    /// Reads and checks a checkpoint's description; every inconsistency is a one-line data error.
    init(_ file: SafetensorsFile, path: String) throws(CLIError) {
        func fail(_ m: String) -> CLIError { CLIError(.dataError, "\(path): checkpoint \(m)") }
        func count(_ key: String) throws(CLIError) -> Int {
            guard let v = file.metadataValue(for: key), let n = Int(v), n >= 0 else {
                throw fail("metadata \"\(key)\" is missing or not a count")
            }
            return n
        }
        self.path = path
        let config = try Checkpoint.commandLineConfiguration(file, path: path)
        self.config = config
        formatVersion = Int(file.metadataValue(for: "format_version") ?? "") ?? 0
        epoch = try count("epoch")
        position = try count("position")
        optimizerStep = try count("optimizer_step")
        bestEpoch = (try? count("best_epoch")) ?? 0
        learningRate = file.metadataValue(for: "lr").flatMap { Float($0) }
        threads = file.metadataValue(for: "threads").flatMap { Int($0) }
        mlpVersion = file.metadataValue(for: "mlp_version")
        var history: [EpochStats] = []
        if let text = file.metadataValue(for: "history"), case .array(let items)? = try? JSONValue.parse(Array(text.utf8)) {
            history = items.compactMap { EpochStats(json: $0) }
        }
        self.history = history
        func monitor(_ prefix: String) -> (best: Double?, badEpochs: Int)? {
            guard let bad = file.metadataValue(for: "\(prefix)_bad_epochs").flatMap({ Int($0) }) else { return nil }
            return (file.metadataValue(for: "\(prefix)_best").flatMap { Double($0) }, bad)
        }
        early = config.earlyStopping == nil ? nil : monitor("early")
        plateau = config.plateau == nil ? nil : monitor("plateau")
        if let order = file.tensor("trainer.order") { trainingExamples = order.count } else { trainingExamples = nil }

        // The task: recorded, configured, or told by the loss, the monitors or the history.
        let correct = (try? count("correct")) ?? 0
        var task: Task? = Task(rawValue: file.metadataValue(for: "task") ?? "") ?? config.task
        if task == nil, let target = config.target, target.count > 1 { task = .regression }
        if task == nil, let loss = config.loss, let l = LossKind.make(loss), !(l is MeanSquaredError) {
            task = LossKind.isRegression(l) ? .regression : .classification
        }
        if task == nil, let m = config.earlyStopping?.metric ?? config.plateau?.watch.metric, m != .valLoss {
            task = m == .valR2 ? .regression : .classification
        }
        if task == nil, let first = history.first { task = first.accuracy != nil ? .classification : .regression }
        if task == nil, correct > 0 { task = .classification }
        self.task = task

        // The network: the configuration's layers on the input width the tensors show.
        let tensors = Dictionary(file.tensors.map { ($0.name, $0.count) }, uniquingKeysWith: { a, _ in a })
        /// How many times a tensor's stored count is its count in a network of one input: the input
        /// width, for the first layer's first tensor; the outputs, for the output layer's bias.
        func solve(_ specs: [LayerSpec], layer: Int, tensor: Int) throws(CLIError) -> Int {
            let declared = Architecture.declarations(inputs: 1, specs: specs)[layer].tensors[tensor]
            let name = "model.layers.\(layer).\(declared.name)"
            guard let stored = tensors[name] else { throw fail("has no tensor '\(name)'") }
            guard let unit = declared.count, unit > 0, stored > 0, stored % unit == 0 else {
                throw fail("tensor '\(name)' has \(stored) values, which no input width gives the configured network")
            }
            return stored / unit
        }
        var outputs = config.outputs ?? 1
        if case .hidden = config.network, config.outputs == nil {
            // The output layer is the last one; its last tensor (the bias) holds one value an output.
            let specs = config.network.specs(assuming: 1)
            let last = specs.count - 1
            let declared = Architecture.declarations(inputs: 1, specs: specs)[last].tensors
            guard !declared.isEmpty else { throw fail("configuration's output layer has no tensors") }
            outputs = try solve(specs, layer: last, tensor: declared.count - 1)
        }
        // --layers fixes every width; --hidden ends in a dense layer of `outputs` units.
        let specs = config.network.specs(assuming: outputs)
        guard let first = Architecture.declarations(inputs: 1, specs: specs).firstIndex(where: { !$0.tensors.isEmpty }) else {
            throw fail("configuration's network has no tensors")
        }
        // The first layer with tensors sees the input width unchanged (the layers before it keep
        // the width), and its first tensor grows in proportion to it.
        let inputs = try solve(specs, layer: first, tensor: 0)
        guard inputs <= 1 << 24 else { throw fail("tensors give \(inputs) inputs, more than mlp reads") }
        for (name, shape) in ModelFile.expectedTensors(inputs: inputs, specs: specs) {
            let need = shape.reduce(1, *)
            guard let have = tensors["model.\(name)"] else { throw fail("has no tensor 'model.\(name)'") }
            guard have == need else {
                throw fail(
                    "tensor 'model.\(name)' has \(have) values but the configured network \(inputs)→\(Architecture.string(specs)) needs \(need)"
                )
            }
        }
        hasBestWeights = file.tensor("best.\(ModelFile.expectedTensors(inputs: inputs, specs: specs).first?.name ?? "")") != nil
        network = Network(inputs: inputs, specs: specs, loss: config.makeLoss(for: task ?? .classification))
    }

    /// The loss as the run trains with it; nil when the task (and so its default) is unknown.
    var lossToken: String? { config.loss ?? task.map { config.makeLoss(for: $0).token } }

    /// Whether the run ended: all its epochs done, or stopped early.
    var complete: Bool {
        guard position == 0 else { return false }
        if let e = config.earlyStopping, let early, early.badEpochs >= e.patience { return true }
        return epoch >= config.epochs
    }

    /// Where the run stands, in words.
    var positionText: String {
        var s: String
        if position > 0 {
            s = "in epoch \(epoch + 1) of \(config.epochs), after step \(position)\(stepsPerEpoch.map { " of \($0)" } ?? "")"
        } else if epoch == 0 {
            s = "before the first of \(config.epochs) epochs"
        } else if let e = config.earlyStopping, let early, early.badEpochs >= e.patience {
            s = "after epoch \(epoch) of \(config.epochs): early stopping ended the run (\(early.badEpochs) epochs without improvement)"
        } else if epoch >= config.epochs {
            s = "after epoch \(epoch) of \(config.epochs): the run is complete (resume with --epochs above \(epoch) to train on)"
        } else {
            s = "after epoch \(epoch) of \(config.epochs); resuming starts epoch \(epoch + 1)"
        }
        return s + "; optimizer step \(optimizerStep)"
    }

    /// A monitor's state in words: "best val_loss 0.0812 at epoch 2 (its weights kept), 1 epoch without improvement".
    func monitorText(_ name: String, _ watch: TrainingConfiguration.Watch, _ state: (best: Double?, badEpochs: Int)?, extra: String = "")
        -> String
    {
        var s = "\(name) on \(watch.metric.rawValue) (patience \(watch.patience)\(extra))"
        guard let state else { return s }
        if let best = state.best {
            s += ": best \(significant(best))"
            if name == "early stopping" && bestEpoch > 0 { s += " at epoch \(bestEpoch)\(hasBestWeights ? " (its weights kept)" : "")" }
        } else {
            s += ": no validation result yet"
        }
        s += ", \(state.badEpochs) epoch\(state.badEpochs == 1 ? "" : "s") without improvement"
        return s
    }

    /// The last epoch's figures: "epoch 2: loss 0.8276, accuracy 0.5250, val loss …".
    var lastEpochText: String? {
        guard let e = history.last else { return nil }
        var parts = ["loss \(fixed(Double(e.loss), 4))"]
        if let a = e.accuracy { parts.append("accuracy \(fixed(Double(a), 4))") }
        for (name, set) in [("val", e.validation), ("test", e.test)] {
            guard let set else { continue }
            parts.append("\(name) loss \(fixed(Double(set.loss), 4))")
            if let a = set.accuracy { parts.append("\(name) accuracy \(fixed(Double(a), 4))") }
            if let rmse = set.rmse, let r2 = set.r2 { parts += ["\(name) rmse \(significant(rmse))", "\(name) r2 \(fixed(r2, 4))"] }
        }
        return "epoch \(e.epoch): " + parts.joined(separator: ", ")
    }

    /// The text `mlp summary` prints, without the trailing newline.
    var text: String {
        let net = network
        let taskText =
            task.map { t in
                switch t {
                case .classification: return "classification into \(net.outputFeatures) classes"
                case .regression: return "regression of \(net.outputFeatures) target\(net.outputFeatures == 1 ? "" : "s")"
                case .multilabel: return "multi-label of \(net.outputFeatures) label\(net.outputFeatures == 1 ? "" : "s")"
                }
            }
            ?? "\(net.outputFeatures) outputs (the task is not recorded)"
        let version = "format \(formatVersion)\(mlpVersion.map { ", written by mlp \($0)" } ?? "")"
        var lines = [
            "checkpoint \(path): \(net.inputFeatures)→\(net.architecture), \(taskText), loss \(lossToken ?? "the task's default") (\(version))"
        ]
        lines.append("position: \(positionText)")
        if let trainingExamples, let steps = stepsPerEpoch {
            lines.append(
                "training set: \(trainingExamples) example\(trainingExamples == 1 ? "" : "s"), \(steps) step\(steps == 1 ? "" : "s") of \(config.batchSize) an epoch"
            )
        }
        lines.append("configuration: \(config.commandLineText)")
        if let lr = learningRate, lr != config.lr { lines.append("learning rate now \(lr) (reduced on plateaus from \(config.lr))") }
        if let e = config.earlyStopping { lines.append(monitorText("early stopping", e, early)) }
        if let p = config.plateau { lines.append(monitorText("reduce-lr-on-plateau", p.watch, plateau, extra: ", factor \(p.factor)")) }
        if let last = lastEpochText { lines.append(last) }
        if let threads {
            lines.append(
                "made with \(threads) thread\(threads == 1 ? "" : "s"): resume with --threads \(threads) for the weights an uninterrupted run ends with"
            )
        }
        lines.append(
            "resume: mlp train --resume \(TrainCommand.shellQuoted(path)) --data … (the same training data; --epochs N to change the length)"
        )
        return lines.joined(separator: "\n") + "\n\n" + ModelSummary.render(net)
    }

    /// The object `mlp summary --json` prints: a model's members (architecture, input_shape, task,
    /// classes or outputs, loss, layers, totals), then "checkpoint" (where the run stands) and "config".
    var json: JSONValue {
        let net = network
        let t = ModelSummary.totals(net)
        var members: [(String, JSONValue)] = [
            ("architecture", JSONValue(net.architecture)), ("input_shape", .array([.null, JSONValue(net.inputFeatures)])),
            ("task", task.map { JSONValue($0.rawValue) } ?? .null),
            (task == .regression ? "outputs" : "classes", JSONValue(net.outputFeatures)),
            ("loss", lossToken.map { JSONValue($0) } ?? .null), ("layers", ModelSummary.layersJSON(net)),
            ("trainable_parameters", JSONValue(t.parameters)), ("non_trainable_buffers", JSONValue(t.buffers)),
            ("bytes", JSONValue(t.bytes)),
        ]
        func monitorJSON(_ w: TrainingConfiguration.Watch, _ state: (best: Double?, badEpochs: Int)?) -> JSONValue {
            .object([
                ("monitor", JSONValue(w.metric.rawValue)), ("patience", JSONValue(w.patience)),
                ("best", state?.best.map { JSONValue($0) } ?? .null), ("bad_epochs", state.map { JSONValue($0.badEpochs) } ?? .null),
            ])
        }
        var checkpoint: [(String, JSONValue)] = [
            ("format_version", JSONValue(formatVersion)), ("mlp_version", mlpVersion.map { JSONValue($0) } ?? .null),
            ("epoch", JSONValue(epoch)), ("epochs", JSONValue(config.epochs)), ("step_in_epoch", JSONValue(position)),
            ("steps_per_epoch", stepsPerEpoch.map { JSONValue($0) } ?? .null),
            ("training_examples", trainingExamples.map { JSONValue($0) } ?? .null),
            ("optimizer_step", JSONValue(optimizerStep)), ("learning_rate", learningRate.map { JSONValue($0) } ?? .null),
            ("complete", JSONValue(complete)),
        ]
        checkpoint.append(("early_stopping", config.earlyStopping.map { monitorJSON($0, early) } ?? .null))
        checkpoint.append(("best_epoch", config.earlyStopping != nil && bestEpoch > 0 ? JSONValue(bestEpoch) : .null))
        checkpoint.append(
            (
                "reduce_lr_on_plateau",
                config.plateau.map { p in
                    var o = monitorJSON(p.watch, plateau)
                    if case .object(let m) = o { o = .object([("factor", JSONValue(p.factor))] + m) }
                    return o
                } ?? .null
            ))
        checkpoint += [("threads", threads.map { JSONValue($0) } ?? .null), ("history", .array(history.map(\.json)))]
        members += [("checkpoint", .object(checkpoint)), ("config", config.json), ("flags", JSONValue(config.commandLineText))]
        return .object(members)
    }
}
