// The training configuration as a JSON object with typed members, as checkpoints store it:
//   {"network":{"hidden":[128],"activation":"relu"},"outputs":null,"loss":"cross_entropy","init":null,
//    "optimizer":"sgd","lr":0.05,"momentum":0.9,"weight_decay":0,"beta1":0.9,"beta2":0.999,
//    "schedule":"cosine","warmup":0,"clip_grad_norm":null,"epochs":5,"batch_size":64,"seed":"1",
//    "validation_split":null,"early_stopping":null,"reduce_lr_on_plateau":null}
// ("network" is {"layers":"ARCH"} for --layers; "augment":"SPEC" is there only with --augment, and
// "weight_column", "class_weight" and "metrics" only when set, so a checkpoint without them still
// reads in an mlp that predates them; the seed is a string so every UInt64 survives;
// floats are written in their shortest form, so they read back to the same bits.) Reading checks
// every member as the command line checks its flag: a damaged or hand-edited checkpoint is a
// one-line error, never a configuration the command line could not have made.
import Formats
import Model
import Tables

extension TrainingConfiguration {
    public var json: JSONValue {
        let net: JSONValue
        switch network {
        case .hidden(let h, let a): net = .object([("hidden", .array(h.map { JSONValue($0) })), ("activation", JSONValue(a.token))])
        case .layers(let l): net = .object([("layers", JSONValue(Architecture.string(l)))])
        }
        func opt(_ x: Float?) -> JSONValue { x.map { JSONValue($0) } ?? .null }
        func watch(_ w: Watch) -> [(String, JSONValue)] {
            [("monitor", JSONValue(w.metric.rawValue)), ("patience", JSONValue(w.patience))]
        }
        func strings(_ l: [String]) -> JSONValue { .array(l.map { JSONValue($0) }) }
        let targetJSON: JSONValue = target.map(strings) ?? .null
        let taskJSON: JSONValue = task.map { JSONValue($0.rawValue) } ?? .null
        let missingJSON: JSONValue = missing.map { JSONValue($0.rawValue) } ?? .null
        var data: [(String, JSONValue)] = [
            ("target", targetJSON), ("task", taskJSON), ("categorical", strings(categorical)), ("missing", missingJSON),
            ("delimiter", JSONValue(String(UnicodeScalar(delimiter)))), ("test_split", opt(testSplit)),
        ]
        // Written only when they are not the defaults, which a configuration without them means.
        data += CSVReadingJSON.members(numbers: numbers, markers: missingMarkers)
        if stratify { data.append(("stratify", true)) }
        if !ignore.isEmpty { data.append(("ignore", strings(ignore))) }
        if let features { data.append(("features", strings(features))) }
        if missingTarget != .skip { data.append(("missing_target", JSONValue(missingTarget.rawValue))) }
        return .object(
            data + [
                ("network", net), ("outputs", outputs.map { JSONValue($0) } ?? .null), ("loss", loss.map { JSONValue($0) } ?? .null),
                ("init", initializer.map { JSONValue($0.rawValue) } ?? .null),
                ("optimizer", JSONValue(optimizer.rawValue)), ("lr", JSONValue(lr)), ("momentum", JSONValue(momentum)),
                ("weight_decay", JSONValue(weightDecay)), ("beta1", JSONValue(beta1)), ("beta2", JSONValue(beta2)),
                ("schedule", JSONValue(learningRateSchedule.token)), ("warmup", JSONValue(warmupEpochs)),
                ("clip_grad_norm", opt(clipNorm)), ("max_norm", opt(maxNorm)), ("epochs", JSONValue(epochs)),
                ("batch_size", JSONValue(batchSize)),
                ("seed", JSONValue("\(seed)")), ("validation_split", opt(validationSplit)),
                ("early_stopping", earlyStopping.map { .object(watch($0)) } ?? .null),
            ] + (annealEpochs.map { [("anneal", JSONValue($0))] } ?? []) + [
                ("reduce_lr_on_plateau", plateau.map { .object([("factor", JSONValue($0.factor))] + watch($0.watch)) } ?? .null)
            ] + (augment.map { [("augment", JSONValue($0.token))] } ?? []) + weightingJSON)
    }

    /// The members of the weights and the metrics, written only when set (a configuration without
    /// them means none), so that a checkpoint without weights reads in an mlp that predates them.
    var weightingJSON: [(String, JSONValue)] {
        var m: [(String, JSONValue)] = []
        if let weightColumn { m.append(("weight_column", JSONValue(weightColumn))) }
        switch classWeight {
        case .balanced?: m.append(("class_weight", JSONValue("balanced")))
        case .given(let entries)?: m.append(("class_weight", .object(entries.map { ($0.label, JSONValue($0.weight)) })))
        case nil: break
        }
        if !metrics.isEmpty { m.append(("metrics", JSONValue(metrics.token))) }
        return m
    }

    /// Reads what `json` wrote; `fail` turns a complaint about a member into the caller's error.
    public init<E: Error>(json v: JSONValue, fail: (String) -> E) throws(E) {
        self.init()
        guard case .object(let members) = v else { throw fail("is \(v.kindDescription), expected an object") }
        let known: Set<String> = [
            "target", "task", "categorical", "missing", "delimiter", "decimal", "thousands", "missing_markers", "test_split", "stratify",
            "ignore", "features", "missing_target", "network", "outputs", "loss", "init", "optimizer", "lr", "momentum", "weight_decay",
            "beta1", "beta2",
            "schedule", "warmup", "clip_grad_norm", "max_norm", "epochs", "batch_size", "seed",
            "validation_split", "early_stopping", "anneal", "reduce_lr_on_plateau", "augment",
            "weight_column", "class_weight", "metrics",
        ]
        for (k, _) in members where !known.contains(k) { throw fail("has an unexpected member \"\(k)\"") }
        func member(_ k: String) throws(E) -> JSONValue {
            guard let m = v[k] else { throw fail("has no \"\(k)\"") }
            return m
        }
        func string(_ k: String, in o: JSONValue? = nil) throws(E) -> String {
            guard let m = (o ?? v)[k] else { throw fail("has no \"\(k)\"") }
            guard case .string(let s) = m else { throw fail("\"\(k)\" is \(m.kindDescription), expected a string") }
            return s
        }
        func int(_ k: String, _ range: ClosedRange<Int>, in o: JSONValue? = nil) throws(E) -> Int {
            let m = (o ?? v)[k] ?? .null
            guard case .number(let d) = m, d == d.rounded(), d >= Double(range.lowerBound), d <= Double(range.upperBound) else {
                throw fail("\"\(k)\" is \(m.kindDescription), expected a whole number \(describe(range))")
            }
            return Int(d)
        }
        func describe(_ r: ClosedRange<Int>) -> String {
            r.upperBound == Int.max
                ? (r.lowerBound == 1 ? "positive" : "at least \(r.lowerBound)") : "between \(r.lowerBound) and \(r.upperBound)"
        }
        func float(_ k: String, _ holds: (Float) -> Bool, _ what: String, optional: Bool = false, in o: JSONValue? = nil) throws(E)
            -> Float?
        {
            let m = (o ?? v)[k] ?? .null
            if optional, case .null = m { return nil }
            guard case .number(let d) = m, d.isFinite, holds(Float(d)), Float(d).isFinite else {
                throw fail("\"\(k)\" is \(m.kindDescription), expected a number \(what)")
            }
            return Float(d)
        }
        func watch(_ o: JSONValue) throws(E) -> Watch {
            let name = try string("monitor", in: o)
            guard let metric = MetricMonitor.Metric(rawValue: name) else {
                throw fail("monitor '\(name)' is not one of \(MetricMonitor.Metric.names)")
            }
            return Watch(metric: metric, patience: try int("patience", 1...100_000, in: o))
        }

        let net = try member("network")
        if case .string(let arch)? = net["layers"] {
            do { network = .layers(try Architecture.parse(arch)) } catch { throw fail("network: \(error.message)") }
        } else if case .array(let items)? = net["hidden"], !items.isEmpty {
            var widths: [Int] = []
            for item in items {
                guard case .number(let d) = item, d == d.rounded(), d >= 1, d <= Double(1 << 20) else {
                    throw fail("network \"hidden\" holds \(item.kindDescription), expected widths from 1 to \(1 << 20)")
                }
                widths.append(Int(d))
            }
            let actName = try string("activation", in: net)
            guard let act = Activation(name: actName) ?? LayerSpec.parse(actName)?.kind.activation else {
                throw fail("network activation '\(actName)' is not one of \(Activation.names.joined(separator: ", "))")
            }
            network = .hidden(widths, act)
        } else {
            throw fail("\"network\" is neither {\"hidden\":[...],\"activation\":...} nor {\"layers\":\"...\"}")
        }
        if let o = v["outputs"], o != .null { outputs = try int("outputs", 1...1 << 20) }
        func names(_ k: String) throws(E) -> [String]? {
            guard let m = v[k], m != .null else { return nil }
            guard case .array(let items) = m else { throw fail("\"\(k)\" is \(m.kindDescription), expected a list of column names") }
            var out: [String] = []
            for i in items {
                guard case .string(let s) = i, !s.isEmpty else { throw fail("\"\(k)\" holds \(i.kindDescription), expected column names") }
                out.append(s)
            }
            return out
        }
        target = try names("target")
        if target?.isEmpty == true { throw fail("\"target\" names no column") }
        categorical = try names("categorical") ?? []
        ignore = try names("ignore") ?? []
        features = try names("features")
        if features?.isEmpty == true { throw fail("\"features\" names no column") }
        if let s = v["stratify"], s != .null {
            guard case .bool(let b) = s else { throw fail("\"stratify\" is \(s.kindDescription), expected true or false") }
            stratify = b
        }
        if let m = v["missing_target"], m != .null {
            guard case .string(let text) = m, let p = MissingTargetPolicy(rawValue: text) else {
                throw fail("\"missing_target\" is not one of skip, error")
            }
            missingTarget = p
        }
        if case .string(let t)? = v["task"] {
            guard let parsed = Task(rawValue: t) else { throw fail("task '\(t)' is not one of classification, regression, multilabel") }
            task = parsed
        }
        if case .string(let m)? = v["missing"] {
            guard let p = MissingPolicy(rawValue: m) else { throw fail("missing '\(m)' is not one of mean, median, most-frequent") }
            missing = p
        }
        if let d = v["delimiter"], d != .null {
            guard case .string(let text) = d, let b = TableSettings.delimiter(text == "\t" ? "tab" : text) else {
                throw fail("delimiter is not one of , ; tab |")
            }
            delimiter = b
        }
        (numbers, missingMarkers) = try CSVReadingJSON.read(v) { fail($0) }
        testSplit = try float("test_split", { $0 > 0 && $0 < 1 }, "between 0 and 1 (exclusive)", optional: true)
        if case .string(let lossToken)? = v["loss"] {
            guard let l = LossKind.make(lossToken) else {
                throw fail("loss '\(lossToken)' is not one of \(LossKind.names.joined(separator: ", "))")
            }
            loss = l.token
        } else if let m = v["loss"], m != .null {
            throw fail("\"loss\" is \(m.kindDescription), expected a string or null")
        }
        if case .string(let name)? = v["init"] {
            guard let i = Initializer(rawValue: name) else { throw fail("init '\(name)' is not an initializer") }
            initializer = i
        } else if let m = v["init"], m != .null {
            throw fail("\"init\" is \(m.kindDescription), expected a string or null")
        }
        let optName = try string("optimizer")
        guard let o = OptimizerKind(rawValue: optName) else {
            throw fail("optimizer '\(optName)' is not one of sgd, nesterov, adam, adamw")
        }
        optimizer = o
        lr = try float("lr", { $0 > 0 }, "above 0")!
        momentum = try float("momentum", { $0 >= 0 && $0 < 1 }, "in [0, 1)")!
        if o == .nesterov && momentum == 0 { throw fail("nesterov with momentum 0") }
        weightDecay = try float("weight_decay", { $0 >= 0 }, "of at least 0")!
        beta1 = try float("beta1", { $0 >= 0 && $0 < 1 }, "in [0, 1)")!
        beta2 = try float("beta2", { $0 >= 0 && $0 < 1 }, "in [0, 1)")!
        let scheduleText = try string("schedule")
        guard let kind = LearningRateSchedule.parseKind(scheduleText) else { throw fail("schedule '\(scheduleText)' is not a schedule") }
        schedule = kind
        warmupEpochs = try int("warmup", 0...100_000)
        clipNorm = try float("clip_grad_norm", { $0 > 0 }, "above 0", optional: true)
        maxNorm = try float("max_norm", { $0 > 0 }, "above 0", optional: true)
        epochs = try int("epochs", 1...100_000)
        batchSize = try int("batch_size", 1...1 << 20)
        let seedText = try string("seed")
        guard let s = UInt64(seedText), s <= UInt64(Int.max) else {
            throw fail("seed '\(seedText)' is not a whole number from 0 to \(Int.max)")
        }
        seed = s
        validationSplit = try float("validation_split", { $0 > 0 && $0 < 1 }, "between 0 and 1 (exclusive)", optional: true)
        if let e = v["early_stopping"], e != .null { earlyStopping = try watch(e) }
        if let a = v["anneal"], a != .null {
            annealEpochs = try int("anneal", 1...100_000)
            if earlyStopping == nil { throw fail("\"anneal\" needs \"early_stopping\"") }
        }
        if let p = v["reduce_lr_on_plateau"], p != .null {
            plateau = (try float("factor", { $0 > 0 && $0 < 1 }, "between 0 and 1 (exclusive)", in: p)!, try watch(p))
        }
        if let m = v["augment"], m != .null {
            guard case .string(let text) = m else { throw fail("\"augment\" is \(m.kindDescription), expected a string") }
            do { augment = try AugmentationSpec.parse(text) } catch { throw fail("augment: \(error.message)") }
        }
        try readWeighting(v, fail: fail)
    }

    /// Reads what `weightingJSON` wrote.
    private mutating func readWeighting<E: Error>(_ v: JSONValue, fail: (String) -> E) throws(E) {
        if let m = v["weight_column"], m != .null {
            guard case .string(let name) = m, !name.isEmpty else {
                throw fail("\"weight_column\" is \(m.kindDescription), expected a column name")
            }
            weightColumn = name
        }
        if let m = v["class_weight"], m != .null {
            switch m {
            case .string("balanced"): classWeight = .balanced
            case .object(let members) where !members.isEmpty:
                var entries: [ClassWeighting.Entry] = []
                for (label, value) in members {
                    guard case .number(let d) = value, d.isFinite, d >= 0, Float(d).isFinite,
                        !entries.contains(where: { $0.label == label })
                    else {
                        throw fail(
                            "\"class_weight\" gives class '\(label)' \(value.kindDescription), expected a number of at least 0, once per class"
                        )
                    }
                    entries.append(ClassWeighting.Entry(label: label, weight: Float(d)))
                }
                classWeight = .given(entries)
            default:
                throw fail("\"class_weight\" is \(m.kindDescription), expected \"balanced\" or an object of class weights")
            }
        }
        if let m = v["metrics"], m != .null {
            var selection: MetricSelection?
            if case .string(let text) = m, case .success(let parsed) = MetricSelection.parse(text), !parsed.isEmpty { selection = parsed }
            guard let selection else {
                throw fail("\"metrics\" is \(m.kindDescription), expected a list of \(ClassificationMetric.names) or all")
            }
            metrics = selection
        }
    }
}
