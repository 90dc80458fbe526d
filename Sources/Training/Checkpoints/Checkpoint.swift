// The full training state as one safetensors file, written atomically after every epoch
// (CheckpointObserver) and when training is interrupted; a session resumed from it continues and
// ends with exactly the weights an uninterrupted run would have (same seed, same threads).
//
// Tensors: "model.<name>" (every parameter and state tensor, model-file names), "optimizer.<state>.<i>"
// (momentum buffer or Adam's moments of the i-th parameter), "best.<name>" (best weights for early
// stopping), "trainer.order" (the current epoch's example order; indices are exact in F32 below 2^24).
// Metadata: format "mlp-checkpoint", format_version 4, config (the training configuration as a
// JSON object, TrainingConfiguration+JSON.swift), the loop's position (epoch, position, step,
// optimizer_step), generator states (with augmentation, augment_rng: the one the batches'
// distortions are keyed by), the epoch's running sums (with weighted data also weight_sum, and
// class_weights: the weights computed from the training set), the learning rate, monitors, an anneal
// under way (anneal_start and anneal_steps, in global steps, and anneal_end, an epoch), history,
// threads, and the task (classification or regression: what `mlp summary` says; resuming does not
// read it). The metadata also records "out", the run's model file made absolute: where a resumed
// run writes the model unless given another (a checkpoint without it resumes to the default).
//
// SGD's momentum buffer is stored as PyTorch keeps it, v, whatever form the fused step keeps it in
// (SGD.momentumBufferScaled): a v that gives that form back exactly (SGD.plainMomentum), so a
// resumed run continues bit for bit. Older formats still resume: version 3 says in
// momentum_buffer_scaled whether the buffers of the weights of SGD.scaledFrom (65,536) values or
// more hold μ·v ("1") or v ("0"); version 2 lacks that key (its buffers hold v); version 1 also
// stores the configuration as the flags given ("train_config", flag name → text), which the
// command line reads for it.
import Formats
import Model

#if canImport(Glibc)
    import Glibc
#endif

public enum Checkpoint {
    public static let format = "mlp-checkpoint"
    public static let version = 4

    /// Writes the session's state to `path` (a regular file or a new path: it is replaced
    /// atomically); `out` is the run's model file, recorded for a resumed run to write.
    public static func save(_ s: TrainingSession, to path: String, out: String? = nil) throws(TrainingError) {
        let store = s.network.store
        var tensors: [SafetensorsView] = store.tensors.map { view("model.\($0.name)", $0.value, $0.count) }
        // Momentum buffers that a fused step keeps as μ·v are written as v, from a copy.
        var plain: [UnsafeMutableBufferPointer<Float>] = []
        defer { for p in plain { p.deallocate() } }
        for (name, buffer) in s.optimizer.state {
            for (i, p) in store.parameters.enumerated() {
                if let sgd = s.optimizer as? SGD, let v = sgd.plainMomentum(p.offset..<p.offset + p.count) {
                    let copy = UnsafeMutableBufferPointer<Float>.allocate(capacity: v.count)
                    _ = copy.initialize(from: v)
                    plain.append(copy)
                    tensors.append(view("optimizer.\(name).\(i)", copy.baseAddress!, copy.count))
                } else {
                    tensors.append(view("optimizer.\(name).\(i)", buffer.data + p.offset, p.count))
                }
            }
        }
        if let best = s.best {
            for t in store.tensors {
                tensors.append(view("best.\(t.name)", (t.isParameter ? best.values : best.state).data + t.offset, t.count))
            }
        }
        let t = s.trainer
        let order = t.order.map { Float($0) }
        var meta: [(String, String)] = [
            ("format", format), ("format_version", "\(version)"),
            ("config", s.config.json.serialized()),
            ("epoch", "\(s.epoch)"), ("position", "\(t.position)"), ("step", "\(t.step)"),
            ("optimizer_step", "\(s.optimizer.stepCount)"), ("trainer_rng", words(t.rng)),
            ("loss_sum", "\(t.lossSum)"), ("correct", "\(t.correct)"), ("seen", "\(t.seen)"),
            ("epoch_seconds", "\(t.seconds)"), ("lr", "\(t.schedule.base)"),
            ("best_epoch", "\(s.bestEpoch)"), ("threads", "\(BLAS.threads)"), ("mlp_version", MLPRelease.version),
            ("history", JSONValue.array(s.history.map(\.json)).serialized()),
        ]
        if let out { meta.append(("out", absolutePath(out))) }
        // Weighted data: the epoch's total weight so far (its loss is lossSum / weightSum), and the
        // class weights the run computed from its training set.
        if t.classWeights != nil || s.train.weights != nil { meta.append(("weight_sum", "\(t.weightSum)")) }
        if let w = t.classWeights { meta.append(("class_weights", w.map { "\($0)" }.joined(separator: ","))) }
        for (i, layer) in s.network.layers.enumerated() {
            if let g = layer.generator { meta.append(("rng.layers.\(i)", words(g))) }
        }
        if let a = t.augmenter { meta += [("augment_rng", words(a.rng)), ("augment_seconds", "\(t.augmentSeconds)")] }
        // For `mlp summary` (resuming reads the task from the data again).
        meta.append(("task", s.task.rawValue))
        if let end = s.annealEnd, let a = t.schedule.anneal {
            meta += [("anneal_start", "\(a.start)"), ("anneal_steps", "\(a.steps)"), ("anneal_end", "\(end)")]
        }
        if let e = s.early { meta += monitorFields("early", e) }
        if let p = s.plateau { meta += monitorFields("plateau", p) }
        do {
            try order.withUnsafeBufferPointer { o in
                if !o.isEmpty { tensors.append(SafetensorsView(name: "trainer.order", shape: [o.count], values: o)) }
                try Safetensors.write(views: tensors, metadata: meta, to: path, requireAtomic: true)
            }
        } catch let e as FormatError { throw .format(e) } catch { throw .data("\(path): \(error)") }
    }

    /// The model file the run that made the checkpoint was writing, if recorded.
    public static func recordedOut(_ file: SafetensorsFile) -> String? {
        file.metadataValue(for: "out").flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Epochs completed, and whether the checkpoint is partway through the next one (nil when the
    /// metadata is malformed: `restore` says how).
    public static func progress(_ file: SafetensorsFile) -> (epochs: Int, partway: Bool)? {
        guard let e = file.metadataValue(for: "epoch").flatMap({ Int($0) }),
            let p = file.metadataValue(for: "position").flatMap({ Int($0) })
        else { return nil }
        return (e, p > 0)
    }

    /// `path` as seen from anywhere: relative to the current directory, made absolute ("-" stays).
    public static func absolutePath(_ path: String) -> String {
        guard path != "-", !path.hasPrefix("/") else { return path }
        guard let cwd = getcwd(nil, 0) else { return path }
        defer { free(cwd) }
        let dir = String(cString: cwd)
        let rest = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        return (dir == "/" ? "" : dir) + "/" + rest
    }

    public static func read(_ path: String) throws(TrainingError) -> SafetensorsFile {
        do { return try Safetensors.read(path: path) } catch let e as FormatError { throw .format(e) } catch {
            throw .data("\(path): \(error)")
        }
    }

    /// Reads a format 1 checkpoint's configuration, which it stores as the command line's flags
    /// (flag name → text): the command line reads them as it reads its own flags.
    public typealias FlagsReader = ([(name: String, value: String)]) throws(TrainingError) -> TrainingConfiguration

    /// The training configuration a checkpoint was made with; `flags` reads a format 1 checkpoint's
    /// (without it, such a checkpoint is refused).
    public static func configuration(_ file: SafetensorsFile, path: String, flags: FlagsReader? = nil) throws(TrainingError)
        -> TrainingConfiguration
    {
        guard file.metadataValue(for: "format") == format else {
            if file.metadataValue(for: "format") == ModelFile.format {
                throw .modelIsNotACheckpoint(
                    path: path, int8: file.metadataValue(for: "quantization") != nil || file.tensors.contains(where: { $0.dtype != .f32 }))
            }
            throw .data("\(path): not an mlp checkpoint (metadata \"format\" should be '\(format)')")
        }
        guard let v = file.metadataValue(for: "format_version"), let n = Int(v), n >= 1, n <= version else {
            throw .data(
                "\(path): checkpoint format_version \(file.metadataValue(for: "format_version") ?? "missing") is not one this mlp reads (1 to \(version))"
            )
        }
        if n == 1 { return try configurationV1(file, path: path, flags: flags) }
        guard let text = file.metadataValue(for: "config"), let json = try? JSONValue.parse(Array(text.utf8)) else {
            throw .data("\(path): checkpoint metadata \"config\" is missing or not JSON")
        }
        return try TrainingConfiguration(json: json) { TrainingError.data("\(path): checkpoint configuration \($0)") }
    }

    /// The settings a format 1 checkpoint may hold, as the flags of the mlp that wrote them.
    static let version1Settings: Set<String> = [
        "hidden", "activation", "layers", "loss", "init", "optimizer", "lr", "momentum",
        "weight-decay", "beta1", "beta2", "schedule", "warmup", "clip-grad-norm", "epochs",
        "batch-size", "seed", "validation-split", "early-stopping", "monitor",
        "reduce-lr-on-plateau",
    ]

    /// Version 1 stored the configuration flags as given; `flags` reads them.
    private static func configurationV1(_ file: SafetensorsFile, path: String, flags: FlagsReader?) throws(TrainingError)
        -> TrainingConfiguration
    {
        guard let text = file.metadataValue(for: "train_config"),
            case .object(let members)? = try? JSONValue.parse(Array(text.utf8))
        else {
            throw .data("\(path): checkpoint metadata \"train_config\" is missing or not a JSON object")
        }
        var given: [(name: String, value: String)] = []
        for (k, v) in members {
            guard case .string(let s) = v, version1Settings.contains(k) else {
                throw .data("\(path): checkpoint train_config has an unexpected entry '\(k)'")
            }
            given.append((k, s))
        }
        guard let flags else {
            throw .data(
                "\(path): checkpoint format_version 1 stores its configuration as command-line flags, which only the mlp command line reads"
            )
        }
        do {
            var config = try flags(given)
            config.outputs = 10  // that mlp gave every network ten outputs
            config.missingMarkers = .basic  // that mlp read no pandas markers
            return config
        } catch {
            throw .data("\(path): checkpoint train_config: \(error.message(naming: { $0.rawValue }, table: { $0.rawValue }))")
        }
    }

    /// The session a checkpoint describes, on `data`, ready to continue: `configuration` is the
    /// checkpoint's (`configuration(_:path:)`), its epochs perhaps extended.
    public static func resume(
        from file: SafetensorsFile, path: String, configuration config: TrainingConfiguration, data: TrainingData,
        loops: Loops = Loops()
    ) throws(TrainingError) -> TrainingSession {
        let session: TrainingSession
        do { session = try TrainingSession(config: config, data: data, loops: loops) } catch {
            throw .checkpointDoesNotFit(path: path, error)
        }
        try restore(file, into: session, path: path)
        return session
    }

    /// Puts a checkpoint's state into a session built from its configuration.
    public static func restore(_ file: SafetensorsFile, into s: TrainingSession, path: String) throws(TrainingError) {
        func fail(_ m: String) -> TrainingError { .data("\(path): checkpoint \(m)") }
        func fill(_ name: String, _ p: UnsafeMutablePointer<Float>, _ count: Int) throws(TrainingError) {
            guard let t = file.tensor(name) else { throw fail("has no tensor '\(name)'") }
            guard t.dtype == .f32 else {
                throw fail("tensor '\(name)' is \(t.dtype.rawValue), expected F32 (checkpoints hold float values only)")
            }
            guard t.values.count == count else { throw fail("tensor '\(name)' has \(t.values.count) values, expected \(count)") }
            t.values.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: count) }
        }
        func int(_ key: String) throws(TrainingError) -> Int {
            guard let v = file.metadataValue(for: key), let n = Int(v), n >= 0 else {
                throw fail("metadata \"\(key)\" is missing or not a count")
            }
            return n
        }
        func double(_ key: String) throws(TrainingError) -> Double {
            guard let v = file.metadataValue(for: key), let d = Double(v), d.isFinite else {
                throw fail("metadata \"\(key)\" is missing or not a number")
            }
            return d
        }
        func rng(_ key: String) throws(TrainingError) -> RandomGenerator {
            let parts = (file.metadataValue(for: key) ?? "").split(separator: ",").compactMap { UInt64($0) }
            guard parts.count == 4 else { throw fail("metadata \"\(key)\" is not a generator state (four integers)") }
            return RandomGenerator(words: parts)
        }
        let store = s.network.store
        for t in store.tensors { try fill("model.\(t.name)", t.value, t.count) }
        for (name, buffer) in s.optimizer.state {
            for (i, p) in store.parameters.enumerated() { try fill("optimizer.\(name).\(i)", buffer.data + p.offset, p.count) }
        }
        if let first = store.tensors.first, file.tensor("best.\(first.name)") != nil {
            let best = (FloatBuffer(count: store.values.count), FloatBuffer(count: store.state.count))
            for t in store.tensors { try fill("best.\(t.name)", (t.isParameter ? best.0 : best.1).data + t.offset, t.count) }
            s.best = best
        }
        let t = s.trainer
        // An anneal under way trains on every training row: the order below is over them.
        if file.metadataValue(for: "anneal_end") != nil {
            t.schedule.anneal = LearningRateSchedule.Anneal(start: try int("anneal_start"), steps: try int("anneal_steps"))
            s.annealEnd = try int("anneal_end")
        }
        if let order = file.tensor("trainer.order") {
            guard order.dtype == .f32, order.values.count == s.train.count,
                order.values.allSatisfy({ $0 >= 0 && $0 < Float(s.train.count) && $0 == $0.rounded() })
            else {
                throw fail("example order does not fit the \(s.train.count) training images (was it made with other data?)")
            }
            t.order = order.values.map { Int32($0) }
        }
        s.epoch = try int("epoch")
        t.position = try int("position")
        guard t.position == 0 || (t.order.count == s.train.count && t.position < t.stepsPerEpoch(s.train)) else {
            throw fail("position \(t.position) does not fit an epoch of \(t.stepsPerEpoch(s.train)) steps")
        }
        // The counters cannot exceed what the stored epochs reached (a run has at most 100000 epochs):
        // larger ones overflowed when training went on, or spun the step schedule for ages.
        guard s.epoch <= 100_000 else { throw fail("metadata \"epoch\" (\(s.epoch)) is more than the 100000 epochs mlp trains") }
        let steps = t.stepsPerEpoch(s.train)
        let maxStep = (s.epoch + 1) * steps
        t.step = try int("step")
        s.optimizer.stepCount = try int("optimizer_step")
        for (key, n) in [("step", t.step), ("optimizer_step", s.optimizer.stepCount)] where n > maxStep {
            throw fail("metadata \"\(key)\" (\(n)) is more than \(s.epoch + 1) epoch(s) of \(steps) steps reach")
        }
        t.rng = try rng("trainer_rng")
        t.lossSum = try double("loss_sum")
        t.correct = try int("correct")
        t.seen = try int("seen")
        guard t.seen <= s.train.count, t.correct <= t.seen else {
            throw fail(
                "metadata \"seen\" (\(t.seen)) and \"correct\" (\(t.correct)) do not fit an epoch of \(s.train.count) training images")
        }
        t.seconds = try double("epoch_seconds")
        if t.classWeights != nil || s.train.weights != nil {
            t.weightSum = try double("weight_sum")
            guard t.weightSum >= 0 else { throw fail("metadata \"weight_sum\" is negative") }
        }
        if t.classWeights != nil {
            let parts = (file.metadataValue(for: "class_weights") ?? "").split(separator: ",").map { Float($0) }
            guard parts.count == t.classWeights!.count, parts.allSatisfy({ $0 != nil && $0!.isFinite && $0! >= 0 }) else {
                throw fail("metadata \"class_weights\" is missing or not \(t.classWeights!.count) numbers of at least 0")
            }
            t.classWeights = parts.map { $0! }
        }
        t.schedule.base = Float(try double("lr"))
        s.bestEpoch = try int("best_epoch")
        for (i, layer) in s.network.layers.enumerated() where layer.generator != nil {
            layer.generator = try rng("rng.layers.\(i)")
        }
        if let a = t.augmenter {
            a.rng = try rng("augment_rng")
            t.augmentSeconds = file.metadataValue(for: "augment_seconds") == nil ? 0 : try double("augment_seconds")
        }
        if let sgd = s.optimizer as? SGD, sgd.momentum > 0 {
            // Version 3 says whether the weights' buffers hold μ·v; every other version stores v.
            if Int(file.metadataValue(for: "format_version") ?? "") == 3 {
                let scaled = file.metadataValue(for: "momentum_buffer_scaled")
                guard scaled == "0" || scaled == "1" else {
                    throw fail("metadata \"momentum_buffer_scaled\" is \(scaled.map { "'\($0)'" } ?? "missing"), expected 0 or 1")
                }
                if scaled == "1" && sgd.nesterov {
                    throw fail("metadata \"momentum_buffer_scaled\" is '1', but Nesterov momentum keeps v itself")
                }
                sgd.momentumBufferScaled = scaled == "1"
            } else {
                sgd.momentumRestoredPlain()
            }
        }
        if s.early != nil { try restoreMonitor("early", &s.early!, file, fail) }
        if s.plateau != nil { try restoreMonitor("plateau", &s.plateau!, file, fail) }
        if let text = file.metadataValue(for: "history"), case .array(let items)? = try? JSONValue.parse(Array(text.utf8)) {
            s.history = items.compactMap { EpochStats(json: $0) }
        }
    }

    /// The thread count the checkpoint was made with, when it is not this run's (once the run's
    /// threads are settled): results then do not match an uninterrupted run bit for bit.
    public static func otherThreads(_ file: SafetensorsFile) -> String? {
        guard let th = file.metadataValue(for: "threads"), Int(th) != BLAS.threads else { return nil }
        return th
    }

    private static func view(_ name: String, _ p: UnsafeMutablePointer<Float>, _ count: Int) -> SafetensorsView {
        SafetensorsView(name: name, shape: [count], values: UnsafeBufferPointer(start: p, count: count))
    }

    private static func words(_ r: RandomGenerator) -> String { r.words.map { "\($0)" }.joined(separator: ",") }

    private static func monitorFields(_ prefix: String, _ m: MetricMonitor) -> [(String, String)] {
        [("\(prefix)_best", m.best.map { "\($0)" } ?? ""), ("\(prefix)_bad_epochs", "\(m.badEpochs)")]
    }

    private static func restoreMonitor(
        _ prefix: String, _ m: inout MetricMonitor, _ file: SafetensorsFile,
        _ fail: (String) -> TrainingError
    ) throws(TrainingError) {
        guard let b = file.metadataValue(for: "\(prefix)_best"), let bad = file.metadataValue(for: "\(prefix)_bad_epochs"),
            let badCount = Int(bad)
        else { throw fail("metadata lacks the \(prefix) monitor's state") }
        m.best = Double(b)
        m.badEpochs = badCount
    }
}
