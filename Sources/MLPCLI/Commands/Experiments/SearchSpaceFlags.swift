// The search space as the command line gives it: a training flag whose value is a range or a list
// of choices (`--lr 1e-4..1e-2:log`, `--hidden 64|128|256,128`) is a dimension, `--dropout` one
// more, and `--space FILE.json` gives dimensions by key ({"lr": "1e-4..1e-2:log", "dropout": [0,
// 0.2, 0.5]}); a flag given on the command line wins over the file's dimension of the same setting.
// The other flags (and --config's) are the configuration every trial shares.
import Experiments
import Formats
import Model
import Training

enum SearchSpaceFlags {
    /// Settings of the data, the same for every trial: not dimensions.
    static let fixed = [
        Flags.target, Flags.task, Flags.categorical, Flags.missing, Flags.delimiter, Flags.decimal, Flags.thousands,
        Flags.testSplit, Flags.seed, Flags.validationSplit,
    ]

    /// The dimension "dropout": after each hidden layer of --hidden, a dropout layer.
    static let dropoutName = "dropout"

    /// The dimensions, and the command line without them.
    static func split(_ a: Arguments, positional: String?) throws(CLIError) -> (space: [SearchDimension], shared: Arguments) {
        var space: [SearchDimension] = []
        var shared: [String] = []
        func integer(_ f: Flag?) -> Bool {
            if case .integer? = f?.kind { return true }
            return false
        }
        for name in a.order {
            let f = a.accepted.first { $0.name == name }
            if let v = a.values[name], let f, f.configuration, SearchDimension.isSpace(v) {
                if fixed.contains(where: { $0.name == name }) {
                    throw .usage(
                        "--\(name) is a setting of the data or the run, the same for every trial; give it one value", command: a.command)
                }
                do { space.append(try SearchDimension.parse(name: name, v, integer: integer(f))) } catch {
                    throw .usage("--\(name): \(error.message)", command: a.command)
                }
            } else if name == Flags.dropout.name, let v = a.values[name] {
                do {
                    space.append(try SearchDimension.parse(name: dropoutName, SearchDimension.isSpace(v) ? v : v + "|" + v, integer: false))
                } catch {
                    throw .usage("--dropout: \(error.message)", command: a.command)
                }
            } else if a.switches.contains(name) {
                shared.append("--\(name)")
            } else if let v = a.values[name] {
                shared.append("--\(name)=\(v)")
            }
        }
        if let path = a.values[Flags.space.name] {
            let bytes: [UInt8]
            do { bytes = try FileBytes.read(path) } catch let e as FormatError { throw .data(e) } catch {
                throw CLIError(.dataError, "\(path): \(error)")
            }
            guard let json = try? JSONValue.parse(bytes, rejectingDuplicateKeys: true), case .object(let members) = json else {
                throw .usage("\(path): is not a JSON object of dimensions ({\"lr\": \"1e-4..1e-2:log\", …})", command: a.command)
            }
            for (key, v) in members {
                let name: String
                if key == dropoutName {
                    name = dropoutName
                } else {
                    guard let f = ConfigurationFile.flag(forKey: key) else {
                        let keys = Flags.configuration.map(ConfigurationFile.key) + [dropoutName]
                        throw .usage(
                            "\(path): unknown key \"\(key)\"\(NearestName.hint(for: key, in: keys) { "\"\($0)\"" })", command: a.command)
                    }
                    if fixed.contains(f) {
                        throw .usage(
                            "\(path): \"\(key)\" is a setting of the data or the run, the same for every trial", command: a.command)
                    }
                    name = f.name
                }
                if space.contains(where: { $0.name == name }) { continue }  // the command line's wins
                do {
                    space.append(
                        try SearchDimension.parse(name: name, json: v, integer: integer(Flags.configuration.first { $0.name == name })))
                } catch {
                    throw .usage("\(path): \"\(key)\" \(error.message)", command: a.command)
                }
            }
        }
        let given = Set(space.map(\.name))
        // A dimension replaces the shared flags of its setting (the file's too, through --config).
        shared = shared.filter { arg in !given.contains(where: { arg.hasPrefix("--\($0)=") }) }
        let parsed = try Arguments(shared[...], flags: a.accepted, command: a.command, positional: positional)
        return (space, parsed)
    }

    /// A trial's configuration: the shared flags with its values; a dropout value turns the hidden
    /// layers into an architecture with a dropout layer after each (the output layer `outputs` wide).
    static func configuration(
        _ shared: Arguments, values: [(name: String, value: String)], defaults: TrainingDefaults,
        outputs: Int, regression: Bool
    ) throws(CLIError) -> TrainingConfiguration {
        var args: [String] = []
        for name in shared.order {
            if values.contains(where: { $0.name == name }) { continue }
            if name == Flags.space.name || name == Flags.dropout.name { continue }
            if shared.switches.contains(name) {
                args.append("--\(name)")
            } else if let v = shared.values[name] {
                args.append("--\(name)=\(v)")
            }
        }
        var dropout: String?
        for (name, value) in values {
            if name == dropoutName { dropout = value } else { args.append("--\(name)=\(value)") }
        }
        var a = try Arguments(args[...], flags: shared.accepted, command: shared.command)
        a.configurationMembers = shared.configurationMembers
        var config = try TrainingConfiguration(a, defaults: defaults)
        if let dropout, let p = Float(dropout), p > 0 {
            guard case .hidden(let widths, let act) = config.network else {
                throw .usage("--dropout goes with --hidden (with --layers, put dropout:P in the architecture)", command: shared.command)
            }
            let text = widths.map { "\($0):\(act.token),dropout:\(dropout)" }.joined(separator: ",") + ",\(outputs)"
            do { config.network = .layers(try Architecture.parse(text)) } catch {
                throw .usage("--dropout \(dropout): \(error.message)", command: shared.command)
            }
            _ = regression
        }
        return config
    }
}
