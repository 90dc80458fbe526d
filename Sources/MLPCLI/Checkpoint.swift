// The full training state as one safetensors file, written atomically after every epoch
// (--checkpoint) and when training is interrupted; `mlp train --resume FILE` continues from it
// and ends with exactly the weights an uninterrupted run would have (same seed, same threads).
//
// Tensors: "model.<name>" (parameters and buffers), "optimizer.<state>" (momentum buffers or
// Adam's moments), "best.<name>" (best weights for early stopping), "trainer.order" (the current
// epoch's example order; indices are exact in F32 below 2^24).
// Metadata: format "mlp-checkpoint", format_version, train_config (the configuration flags as a
// JSON object), the loop's position (epoch, position, step, optimizer_step), generator states,
// the epoch's running sums, the learning rate, monitors, history, threads.
import Formats
import Model

enum Checkpoint {
    static let format = "mlp-checkpoint"
    static let version = 1

    static func save(_ run: TrainingRun, to path: String) throws(CLIError) {
        var tensors: [SafetensorsView] = []
        for (name, m) in run.state { tensors.append(view("model.\(name)", m)) }
        for (name, m) in run.optimizer.state { tensors.append(view("optimizer.\(name)", m)) }
        if let best = run.best {
            for ((name, _), m) in zip(run.state, best) { tensors.append(view("best.\(name)", m)) }
        }
        let t = run.trainer
        let order = t.order.map { Float($0) }
        var meta: [(String, String)] = [
            ("format", format), ("format_version", "\(version)"),
            ("train_config", JSONValue.object(run.config.map { ($0.0, .string($0.1)) }).serialized()),
            ("epoch", "\(run.epoch)"), ("position", "\(t.position)"), ("step", "\(t.step)"),
            ("optimizer_step", "\(run.optimizer.stepCount)"), ("trainer_rng", words(t.rng)),
            ("loss_sum", "\(t.lossSum)"), ("correct", "\(t.correct)"), ("seen", "\(t.seen)"),
            ("epoch_seconds", "\(t.seconds)"), ("lr", "\(t.schedule.base)"),
            ("best_epoch", "\(run.bestEpoch)"), ("threads", "\(BLAS.threads)"), ("mlp_version", CLI.version),
            ("history", JSONValue.array(run.history.map(\.json)).serialized()),
        ]
        for (i, layer) in run.network.layers.enumerated() {
            if let d = layer as? Dropout { meta.append(("rng.layers.\(i)", words(d.rng))) }
        }
        if let e = run.early { meta += monitorFields("early", e) }
        if let p = run.plateau { meta += monitorFields("plateau", p) }
        do {
            try order.withUnsafeBufferPointer { o in
                if !o.isEmpty { tensors.append(SafetensorsView(name: "trainer.order", shape: [o.count], values: o)) }
                try Safetensors.write(views: tensors, metadata: meta, to: path)
            }
        } catch let e as FormatError { throw .data(e) } catch { throw CLIError(.dataError, "\(path): \(error)") }
    }

    /// The configuration flags a checkpoint was made with (to rebuild the run before `restore`).
    static func config(_ file: SafetensorsFile, path: String) throws(CLIError) -> [(String, String)] {
        guard file.metadataValue(for: "format") == format else {
            if file.metadataValue(for: "format") == ModelFile.format {
                throw CLIError(.dataError, "\(path): is a model file, not a checkpoint; --resume takes the file written by --checkpoint")
            }
            throw CLIError(.dataError, "\(path): not an mlp checkpoint (metadata \"format\" should be '\(format)')")
        }
        guard let v = file.metadataValue(for: "format_version"), let n = Int(v), n >= 1, n <= version else {
            throw CLIError(.dataError, "\(path): checkpoint format_version \(file.metadataValue(for: "format_version") ?? "missing") is not one this mlp reads (\(version))")
        }
        guard let text = file.metadataValue(for: "train_config"),
              case .object(let members)? = try? JSONValue.parse(Array(text.utf8)) else {
            throw CLIError(.dataError, "\(path): checkpoint metadata \"train_config\" is missing or not a JSON object")
        }
        var out: [(String, String)] = []
        for (k, v) in members {
            guard case .string(let s) = v, TrainingOptions.configFlags.contains(k) else {
                throw CLIError(.dataError, "\(path): checkpoint train_config has an unexpected entry '\(k)'")
            }
            out.append((k, s))
        }
        return out
    }

    static func read(_ path: String) throws(CLIError) -> SafetensorsFile {
        do { return try Safetensors.read(path: path) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(path): \(error)")
        }
    }

    /// Puts a checkpoint's state into a run built from its configuration.
    static func restore(_ file: SafetensorsFile, into run: TrainingRun, path: String) throws(CLIError) {
        func fail(_ m: String) -> CLIError { CLIError(.dataError, "\(path): checkpoint \(m)") }
        func fill(_ name: String, _ m: Matrix) throws(CLIError) {
            guard let t = file.tensor(name) else { throw fail("has no tensor '\(name)'") }
            guard t.values.count == m.count else { throw fail("tensor '\(name)' has \(t.values.count) values, expected \(m.count)") }
            m.set(t.values)
        }
        func int(_ key: String) throws(CLIError) -> Int {
            guard let v = file.metadataValue(for: key), let n = Int(v), n >= 0 else { throw fail("metadata \"\(key)\" is missing or not a count") }
            return n
        }
        func double(_ key: String) throws(CLIError) -> Double {
            guard let v = file.metadataValue(for: key), let d = Double(v), d.isFinite else { throw fail("metadata \"\(key)\" is missing or not a number") }
            return d
        }
        func rng(_ key: String) throws(CLIError) -> RandomGenerator {
            let parts = (file.metadataValue(for: key) ?? "").split(separator: ",").compactMap { UInt64($0) }
            guard parts.count == 4 else { throw fail("metadata \"\(key)\" is not a generator state (four integers)") }
            return RandomGenerator(words: parts)
        }
        for (name, m) in run.state { try fill("model.\(name)", m) }
        for (name, m) in run.optimizer.state { try fill("optimizer.\(name)", m) }
        if file.tensor("best.\(run.state.first?.name ?? "")") != nil {
            run.best = run.state.map { Matrix(rows: $0.value.rows, cols: $0.value.cols) }
            for ((name, _), m) in zip(run.state, run.best!) { try fill("best.\(name)", m) }
        }
        let t = run.trainer
        if let order = file.tensor("trainer.order") {
            guard order.values.count == run.train.count,
                  order.values.allSatisfy({ $0 >= 0 && $0 < Float(run.train.count) && $0 == $0.rounded() }) else {
                throw fail("example order does not fit the \(run.train.count) training images (was it made with other data?)")
            }
            t.order = order.values.map { Int32($0) }
        }
        run.epoch = try int("epoch")
        t.position = try int("position")
        guard t.position == 0 || (t.order.count == run.train.count && t.position < t.stepsPerEpoch(run.train)) else {
            throw fail("position \(t.position) does not fit an epoch of \(t.stepsPerEpoch(run.train)) steps")
        }
        // The counters cannot exceed what the stored epochs reached (--epochs is at most 100000):
        // larger ones overflowed when training went on, or spun the step schedule for ages.
        guard run.epoch <= 100_000 else { throw fail("metadata \"epoch\" (\(run.epoch)) is more than the 100000 epochs mlp trains") }
        let steps = t.stepsPerEpoch(run.train), maxStep = (run.epoch + 1) * steps
        t.step = try int("step")
        run.optimizer.stepCount = try int("optimizer_step")
        for (key, n) in [("step", t.step), ("optimizer_step", run.optimizer.stepCount)] where n > maxStep {
            throw fail("metadata \"\(key)\" (\(n)) is more than \(run.epoch + 1) epoch(s) of \(steps) steps reach")
        }
        t.rng = try rng("trainer_rng")
        t.lossSum = try double("loss_sum")
        t.correct = try int("correct")
        t.seen = try int("seen")
        guard t.seen <= run.train.count, t.correct <= t.seen else {
            throw fail("metadata \"seen\" (\(t.seen)) and \"correct\" (\(t.correct)) do not fit an epoch of \(run.train.count) training images")
        }
        t.seconds = try double("epoch_seconds")
        t.schedule.base = Float(try double("lr"))
        run.bestEpoch = try int("best_epoch")
        for (i, layer) in run.network.layers.enumerated() {
            if let d = layer as? Dropout { d.rng = try rng("rng.layers.\(i)") }
        }
        if run.early != nil { try restoreMonitor("early", &run.early!, file, fail) }
        if run.plateau != nil { try restoreMonitor("plateau", &run.plateau!, file, fail) }
        if let text = file.metadataValue(for: "history"), case .array(let items)? = try? JSONValue.parse(Array(text.utf8)) {
            run.history = items.compactMap { EpochStats(json: $0) }
        }
        if let th = file.metadataValue(for: "threads"), Int(th) != BLAS.threads {
            Console.err("mlp: note: the checkpoint was made with \(th) thread(s) and this run uses \(BLAS.threads); results match an uninterrupted run bit for bit only with the same --threads")
        }
    }

    private static func view(_ name: String, _ m: Matrix) -> SafetensorsView {
        SafetensorsView(name: name, shape: [m.count], values: m.buffer)
    }

    private static func words(_ r: RandomGenerator) -> String { r.words.map { "\($0)" }.joined(separator: ",") }

    private static func monitorFields(_ prefix: String, _ m: MetricMonitor) -> [(String, String)] {
        [("\(prefix)_best", m.best.map { "\($0)" } ?? ""), ("\(prefix)_bad_epochs", "\(m.badEpochs)")]
    }

    private static func restoreMonitor(_ prefix: String, _ m: inout MetricMonitor, _ file: SafetensorsFile,
                                       _ fail: (String) -> CLIError) throws(CLIError) {
        guard let b = file.metadataValue(for: "\(prefix)_best"), let bad = file.metadataValue(for: "\(prefix)_bad_epochs"),
              let badCount = Int(bad) else { throw fail("metadata lacks the \(prefix) monitor's state") }
        m.best = Double(b)
        m.badEpochs = badCount
    }
}
