// `--config FILE.json`: the training configuration's flags given as one JSON object, and
// `mlp config`'s way of writing a configuration as such a file.
//
// One mapping ties a key to its flag: the key is the flag's name with _ for - ("weight_decay" for
// --weight-decay), for every flag of the configuration (Flags.configuration). A flag added there
// works in a file with no code of its own. The stored configuration (TrainingConfiguration+JSON,
// as checkpoints, model files and `train --json` hold it) nests three groups, which a file may use
// too: "network" ({"hidden":[…],"activation":…} or {"layers":…}), "early_stopping"
// ({"monitor":…,"patience":…}) and "reduce_lr_on_plateau" ({"factor":…,"monitor":…,"patience":…}).
// Members the stored configuration has and no flag sets ("outputs", "missing_markers") are laid
// over the configuration the flags make, through the JSON codec.
//
// Values: a whole number for a whole-number flag (or its digits as a string: "seed" is stored so),
// a number for a number flag, a string for the others (a list of names or widths may be an array),
// true or false for a switch; null means "not given". The file's flags are read exactly as the
// command line's (the same checks, the same messages), and a flag on the command line overrides
// the file's.
import Formats
import Model
import Training

enum ConfigurationFile {
    /// The key of a configuration flag in a file.
    static func key(_ flag: Flag) -> String { flag.name.replacingAll("-", with: "_") }

    /// The configuration flag a key stands for.
    static func flag(forKey key: String) -> Flag? { Flags.configuration.first { ConfigurationFile.key($0) == key } }

    /// The stored configuration's groups, which hold several flags.
    static let groups: [String: [String]] = [
        "network": ["hidden", "activation", "layers"],
        "early_stopping": ["monitor", "patience"],
        "reduce_lr_on_plateau": ["factor", "monitor", "patience"],
    ]

    /// The members of the stored configuration that no flag sets.
    static var codecOnlyKeys: [String] {
        guard case .object(let members) = TrainingConfiguration().json else { return [] }
        // Members the default configuration leaves out: the markers, and "stratify" (a table's
        // stored configuration says its splits keep each class's share).
        return members.map(\.0).filter { flag(forKey: $0) == nil && groups[$0] == nil } + ["missing_markers", "stratify"]
    }

    /// Every key a file may hold.
    static var acceptedKeys: [String] {
        Flags.configuration.map(key) + codecOnlyKeys.filter { !Flags.configuration.map(key).contains($0) } + ["network"]
    }

    /// What a file gives: flag values (by flag name, in the file's order) and the members laid over
    /// the configuration through the codec.
    struct Contents {
        var flags: [(name: String, value: String)] = []
        var codecMembers: [(String, JSONValue)] = []
    }

    /// Reads the file at `path` (a regular file, a pipe, /dev/fd/N of a process substitution).
    static func read(_ path: String, command: String) throws(CLIError) -> Contents {
        let bytes: [UInt8]
        do { bytes = try InputStream(path: path).readAll(maxBytes: 1 << 24) } catch { throw .data(error) }
        let json: JSONValue
        do { json = try JSONValue.parse(bytes, rejectingDuplicateKeys: true) } catch {
            throw CLIError(.usage, "\(path): \(error)", command: command)
        }
        return try contents(json, path: path, command: command)
    }

    /// The flags and codec members a parsed file gives.
    static func contents(_ json: JSONValue, path: String, command: String) throws(CLIError) -> Contents {
        func fail(_ m: String) -> CLIError { .usage("\(path): \(m)", command: command) }
        guard case .object(let members) = json else { throw fail("is \(json.kindDescription), expected a JSON object of settings") }
        var out = Contents()
        let codecOnly = Set(codecOnlyKeys)
        for (k, v) in members {
            if v == .null { continue }
            if groups[k] != nil, case .object = v {
                out.flags += try group(k, v, fail: fail)
            } else if let f = flag(forKey: k) {
                if let text = try value(v, for: f, key: k, fail: fail) { out.flags.append((f.name, text)) }
            } else if groups[k] != nil {
                out.flags += try group(k, v, fail: fail)
            } else if codecOnly.contains(k) {
                out.codecMembers.append((k, v))
            } else {
                let hint = NearestName.hint(for: k, in: acceptedKeys) { "\"\($0)\"" }
                throw fail(
                    "unknown key \"\(k)\"\(hint.isEmpty ? " (keys are the training flags' names with _ for -, as 'mlp config' prints them)" : hint)"
                )
            }
        }
        out.flags = try unique(out.flags) { name in
            fail(
                "gives --\(name) twice, with different values (\"monitor\" of \"early_stopping\" and of \"reduce_lr_on_plateau\" are one setting)"
            )
        }
        return out
    }

    /// The flags with repeats of the same value dropped (the two groups that hold "monitor").
    static func unique(_ flags: [(name: String, value: String)], conflict: (String) -> CLIError) throws(CLIError) -> [(
        name: String, value: String
    )] {
        var out: [(name: String, value: String)] = []
        for (name, value) in flags {
            if let same = out.first(where: { $0.name == name }) {
                if same.value != value { throw conflict(name) }
                continue
            }
            out.append((name, value))
        }
        return out
    }

    /// The text of a flag's value, or nil for a switch that is off.
    static func value(_ v: JSONValue, for f: Flag, key k: String, fail: (String) -> CLIError) throws(CLIError) -> String? {
        func wrong(_ expected: String) -> CLIError { fail("\"\(k)\" is \(v.kindDescription), expected \(expected)") }
        switch f.kind {
        case .toggle:
            guard case .bool(let b) = v else { throw wrong("true or false") }
            return b ? "" : nil
        case .integer(let range):
            switch v {
            case .number(let d) where d == d.rounded() && d.magnitude < 9.2e18: return String(Int64(d))
            case .string(let s) where !s.isEmpty && s.allSatisfy({ $0.isASCII && $0.isNumber }): return s
            default: throw wrong("a whole number \(Arguments.describe(range))")
            }
        case .number(let what, _):
            guard case .number(let d) = v else { throw wrong("a number (\(what))") }
            return JSONValue.format(d)
        case .bytes:
            switch v {
            case .number(let d) where d == d.rounded(): return JSONValue.format(d)
            case .string(let s): return s
            default: throw wrong("a byte count (a number, or a string such as \"512M\")")
            }
        case .text:
            switch v {
            case .string(let s): return s
            case .number(let d): return JSONValue.format(d)
            case .array(let items):
                var parts: [String] = []
                for item in items {
                    switch item {
                    case .string(let s): parts.append(s)
                    case .number(let d): parts.append(JSONValue.format(d))
                    default: throw wrong("a string or a list of strings and numbers")
                    }
                }
                return parts.isEmpty ? nil : parts.joined(separator: ",")
            default: throw wrong("a string")
            }
        }
    }

    /// A group of the stored configuration as the flags it stands for.
    static func group(_ k: String, _ v: JSONValue, fail: (String) -> CLIError) throws(CLIError) -> [(name: String, value: String)] {
        guard case .object(let members) = v else { throw fail("\"\(k)\" is \(v.kindDescription), expected an object") }
        let allowed = groups[k]!
        for (m, _) in members where !allowed.contains(m) {
            throw fail(
                "\"\(k)\" has an unexpected member \"\(m)\"\(NearestName.hint(for: m, in: allowed) { "\"\($0)\"" }) (it holds \(allowed.map { "\"\($0)\"" }.joined(separator: ", ")))"
            )
        }
        func member(_ m: String, as f: Flag) throws(CLIError) -> String? {
            guard let x = v[m], x != .null else { return nil }
            return try value(x, for: f, key: "\(k).\(m)", fail: fail)
        }
        var out: [(name: String, value: String)] = []
        switch k {
        case "network":
            for (m, f) in [("hidden", Flags.hidden), ("activation", Flags.activation), ("layers", Flags.layers)] {
                if let text = try member(m, as: f) { out.append((f.name, text)) }
            }
        case "early_stopping":
            if let p = try member("patience", as: Flags.earlyStopping) { out.append((Flags.earlyStopping.name, p)) }
            if let m = try member("monitor", as: Flags.monitor) { out.append((Flags.monitor.name, m)) }
        default:
            let factor = try member(
                "factor", as: Flag("factor", "X", .number(what: "between 0 and 1 (exclusive)", check: .openUnitInterval), ""))
            let patience = try member("patience", as: Flag("patience", "N", .integer(1...100_000), ""))
            guard let factor, let patience else { throw fail("\"\(k)\" needs \"factor\" and \"patience\"") }
            out.append((Flags.reduceLROnPlateau.name, "\(factor),\(patience)"))
            if let m = try member("monitor", as: Flags.monitor) { out.append((Flags.monitor.name, m)) }
        }
        return out
    }

    /// Flags of the command line that replace others of the file besides themselves: the two ways
    /// of giving the hidden layers, and the optimizer whose own settings the file's may not fit.
    static func displaced(byCommandLine given: Set<String>, file: [(name: String, value: String)]) -> Set<String> {
        var out = given
        if given.contains(Flags.layers.name) { out.formUnion([Flags.hidden.name, Flags.activation.name]) }
        if given.contains(Flags.hidden.name) || given.contains(Flags.activation.name) { out.insert(Flags.layers.name) }
        return out
    }

    /// `given` (the command line) over the file's flags: the merged command line, parsed again.
    static func merge(_ a: Arguments, file: Contents, positional: String?) throws(CLIError) -> Arguments {
        let given = Set(a.order)
        var drop = displaced(byCommandLine: given, file: file.flags)
        // The optimizer's own settings: those of the file's optimizer go when the command line
        // names another; and a default that does not apply to the optimizer is dropped (the
        // stored configuration holds SGD's momentum and Adam's betas whatever the optimizer).
        func optimizer(_ text: String?) -> OptimizerKind? { text.flatMap { OptimizerKind(rawValue: $0.lowercased()) } }
        let fileValue = { (name: String) in file.flags.first { $0.name == name }?.value }
        if let opt = optimizer(a.values[Flags.optimizer.name]) ?? optimizer(fileValue(Flags.optimizer.name)) {
            let adamLike = opt == .adam || opt == .adamw
            let others = adamLike ? [(Flags.momentum.name, "0.9")] : [(Flags.beta1.name, "0.9"), (Flags.beta2.name, "0.999")]
            for (name, byDefault) in others where given.contains(Flags.optimizer.name) || fileValue(name) == byDefault { drop.insert(name) }
        }
        var args: [String] = []
        for (name, value) in file.flags where !drop.contains(name) {
            let f = Flags.configuration.first { $0.name == name }!
            args.append(f.kind == .toggle ? "--\(name)" : "--\(name)=\(value)")
        }
        for name in a.order {
            if a.switches.contains(name) {
                args += Array(repeating: "--\(name)", count: a.repeats[name] ?? 1)
            } else if let v = a.values[name] {
                args.append("--\(name)=\(v)")
            }
        }
        var merged = try Arguments(args[...], flags: a.accepted, command: a.command, positional: positional)
        merged.configurationMembers = file.codecMembers
        return merged
    }

    // MARK: writing

    /// A configuration as a file: the flags that make it, by key, each typed by its flag; the
    /// members no flag sets where they differ from what the flags make. Settings that do not apply
    /// (Adam's betas under SGD, SGD's momentum under Adam) are left out, so the file reads back as
    /// exactly this configuration under both data kinds' defaults.
    static func document(_ config: TrainingConfiguration) throws(CLIError) -> JSONValue {
        guard case .object(let stored) = config.json else { preconditionFailure("a configuration is a JSON object") }
        var flags: [(name: String, value: String)] = []
        var codec: [(String, JSONValue)] = []
        let fail = { (m: String) -> CLIError in CLIError(.dataError, "the configuration \(m)") }
        for (k, v) in stored where v != .null {
            if groups[k] != nil {
                flags += try group(k, v, fail: fail)
            } else if let f = flag(forKey: k) {
                if let text = try value(v, for: f, key: k, fail: fail) { flags.append((f.name, text)) }
            } else {
                codec.append((k, v))
            }
        }
        // Whether splits keep each class's share: written either way, since images and tables
        // default to different answers and the file must read back the same under both.
        codec.removeAll { $0.0 == "stratify" }
        codec.append(("stratify", .bool(config.stratify)))
        flags = try unique(flags) { fail("gives --\($0) twice, with different values") }
        // The flags in declaration order, then drop those that make the configuration unreadable
        // (and that it reads without, unchanged).
        flags.sort { a, b in
            (Flags.configuration.firstIndex { $0.name == a.name } ?? 0) < (Flags.configuration.firstIndex { $0.name == b.name } ?? 0)
        }
        func parse(_ f: [(name: String, value: String)]) -> TrainingConfiguration? {
            let contents = Contents(flags: f, codecMembers: codec)
            var made: [TrainingConfiguration] = []
            for defaults in [TrainingDefaults.images, .tables] {
                guard let c = try? configuration(contents, defaults: defaults) else { return nil }
                made.append(c)
            }
            return made[0] == made[1] ? made[0] : nil
        }
        if parse(flags) != config {
            // The fewest flags (one, two or three: Adam's two betas under SGD) whose removal reads
            // back as the configuration.
            func without(_ drop: [Int]) -> [(name: String, value: String)] { flags.indices.filter { !drop.contains($0) }.map { flags[$0] } }
            let n = flags.count
            var subsets: [[Int]] = (0..<n).map { [$0] }
            for i in 0..<n { for j in (i + 1)..<max(n, i + 1) { subsets.append([i, j]) } }
            for i in 0..<n { for j in (i + 1)..<max(n, i + 1) { for k in (j + 1)..<max(n, j + 1) { subsets.append([i, j, k]) } } }
            guard let drop = subsets.first(where: { parse(without($0)) == config }) else {
                let why: String
                do {
                    _ = try configuration(Contents(flags: flags, codecMembers: codec), defaults: .images)
                    why = "it reads back differently"
                } catch { why = error.message }
                throw CLIError(.dataError, "the configuration cannot be written as training flags: \(why)")
            }
            flags = without(drop)
        }
        // Codec members that the flags already make as stored are not written.
        if let made = parse(flags), case .object(let madeMembers) = made.json {
            codec = codec.filter { k, v in k == "stratify" || madeMembers.first { $0.0 == k }?.1 != v }
        }
        var members: [(String, JSONValue)] = []
        for (name, text) in flags {
            let f = Flags.configuration.first { $0.name == name }!
            let v: JSONValue
            switch f.kind {
            case .toggle: v = .bool(true)
            case .integer: v = Int(text).map { JSONValue($0) } ?? JSONValue(text)
            case .number: v = Double(text).map { .number($0) } ?? JSONValue(text)
            case .text, .bytes: v = JSONValue(text)
            }
            members.append((key(f), v))
        }
        return .object(members + codec)
    }

    /// The configuration a file's contents make on their own.
    static func configuration(_ c: Contents, defaults: TrainingDefaults) throws(CLIError) -> TrainingConfiguration {
        var args: [String] = []
        for (name, value) in c.flags { args.append("--\(name)=\(value)") }
        var a = try Arguments(args[...], flags: Flags.configuration, command: "train")
        a.configurationMembers = c.codecMembers
        return try TrainingConfiguration(a, defaults: defaults)
    }

    /// A JSON object with one member per line, as a person edits it.
    static func text(_ v: JSONValue) -> String {
        guard case .object(let members) = v, !members.isEmpty else { return v.serialized() }
        var lines = ["{"]
        for (i, (k, x)) in members.enumerated() {
            lines.append("  " + JSONValue(k).serialized() + ": " + x.serialized() + (i + 1 < members.count ? "," : ""))
        }
        return (lines + ["}"]).joined(separator: "\n")
    }
}

extension TrainingConfiguration {
    /// `self` with the stored members `members` laid over it (a configuration file's members that no
    /// flag sets), read back through the codec with its checks.
    func overlaid(_ members: [(String, JSONValue)], command: String) throws(CLIError) -> TrainingConfiguration {
        guard !members.isEmpty, case .object(var all) = json else { return self }
        for (k, v) in members {
            if let i = all.firstIndex(where: { $0.0 == k }) { all[i].1 = v } else { all.append((k, v)) }
        }
        return try TrainingConfiguration(json: .object(all)) { CLIError.usage("--config: \($0)", command: command) }
    }
}
