// Hand-written argument parsing: `--flag VALUE`, `--flag=VALUE` and boolean `--flag`, against the
// flags a command declares (Flags.swift); a repeatable flag may be given more than once. Every
// mistake is a usage error naming the flag and what was expected. Values are read through the
// declarations, typed and checked by their kind.
import Formats
import Training

/// The flags given to one command, with typed, validated access.
struct Arguments {
    let command: String
    /// The flags the command accepts.
    let accepted: [Flag]
    private(set) var values: [String: String] = [:]
    private(set) var switches: Set<String> = []
    /// The flags given, in the order they were given.
    private(set) var order: [String] = []

    /// How many times each repeatable switch was given (`--quiet --quiet`).
    private(set) var repeats: [String: Int] = [:]
    /// Every value of each flag, in the order given (a repeatable flag's several: `--min-recall`).
    private(set) var lists: [String: [String]] = [:]
    /// Members of the stored configuration that a --config file gives and no flag sets
    /// (ConfigurationFile.swift).
    var configurationMembers: [(String, JSONValue)] = []

    /// Parses `args` against `flags`. `--help` is always accepted. `positional` names the flag a bare
    /// argument stands for (`mlp summary FILE` is `mlp summary --model FILE`); nil allows none.
    /// For an unknown flag, `insteadOf` gives the flags of this command that one of another
    /// command's flags stands for here (given its value, if any), and `elsewhere` the command that
    /// has a flag, for the error's hint.
    init(
        _ args: ArraySlice<String>, flags: [Flag], command: String, positional: String? = nil,
        insteadOf: [String: (String?) -> [String]] = [:], elsewhere: [String: String] = [:]
    ) throws(CLIError) {
        self.command = command
        accepted = flags
        let known = Dictionary(flags.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var i = args.startIndex
        while i < args.endIndex {
            let arg = args[i]
            i += 1
            guard arg.hasPrefix("--"), arg.count > 2 else {
                if let positional, values[positional] == nil {
                    values[positional] = arg
                    order.append(positional)
                    continue
                }
                throw .usage("unexpected argument '\(arg)' for 'mlp \(command)'; flags start with --", command: command)
            }
            var name = String(arg.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if name == "help" {
                switches.insert("help")
                continue
            }
            guard let flag = known[name] else {
                let value = inline ?? (i < args.endIndex && !args[i].hasPrefix("--") ? args[i] : nil)
                let hint = Arguments.hint(for: name, value: value, in: flags.map(\.name), insteadOf: insteadOf, elsewhere: elsewhere)
                throw .usage("unknown flag --\(name) for 'mlp \(command)'\(hint)", command: command)
            }
            if flag.repeatable && switches.contains(name) && inline == nil {
                repeats[name, default: 1] += 1
                continue
            }
            if (values[name] != nil && !flag.repeatable) || switches.contains(name) {
                throw .usage("--\(name) is given twice", command: command)
            }
            guard let placeholder = flag.value else {
                if inline != nil { throw .usage("--\(name) is a switch and takes no value", command: command) }
                switches.insert(name)
                repeats[name] = 1
                order.append(name)
                continue
            }
            order.append(name)
            let value: String
            if let inline {
                value = inline
            } else {
                guard i < args.endIndex, !(args[i].hasPrefix("--") && args[i].count > 2) else {
                    throw .usage("--\(name) needs a value (\(placeholder))", command: command)
                }
                value = args[i]
                i += 1
            }
            if values[name] == nil { values[name] = value }
            lists[name, default: []].append(value)
        }
    }

    var wantsHelp: Bool { switches.contains("help") }

    /// Reads of flags the command does not declare, by "command --flag" (a programming error that
    /// a test looks for: every flag the code reads must be declared for its command).
    nonisolated(unsafe) static var undeclaredReads: Set<String> = []

    /// The flags the code has asked about (given or not), for the test that every declared flag is read.
    var flagsRead: Set<String> { log.names }
    private final class ReadLog { var names: Set<String> = [] }
    private let log = ReadLog()

    private func declared(_ f: Flag) -> Flag {
        if !accepted.contains(where: { $0.name == f.name }) { Arguments.undeclaredReads.insert("\(command) --\(f.name)") }
        log.names.insert(f.name)
        return f
    }

    func has(_ f: Flag) -> Bool { values[declared(f).name] != nil || switches.contains(f.name) }

    /// How many times a repeatable switch was given (0 when absent).
    func count(_ f: Flag) -> Int { repeats[declared(f).name] ?? 0 }

    /// Whether the command declares `f` (a flag shared by some commands, read where it is declared).
    func declares(_ f: Flag) -> Bool { accepted.contains { $0.name == f.name } }

    /// The raw text of a flag's value, if given (a repeatable flag's first).
    func string(_ f: Flag) -> String? { values[declared(f).name] }

    /// Every value of a repeatable flag, in the order given.
    func strings(_ f: Flag) -> [String] { lists[declared(f).name] ?? [] }

    /// The value of a flag that must be given, non-empty.
    func required(_ f: Flag) throws(CLIError) -> String {
        guard let v = string(f) else { throw .usage("missing required flag --\(f.name)", command: command) }
        guard !v.isEmpty else { throw .usage("--\(f.name) needs a non-empty value", command: command) }
        return v
    }

    /// A whole-number flag, checked against its declared range; its declared default when absent.
    func int(_ f: Flag) throws(CLIError) -> Int? {
        guard case .integer(let range) = f.kind else { preconditionFailure("--\(f.name) is not declared as a whole number") }
        guard let v = string(f) ?? f.defaultValue else { return nil }
        let name = f.name
        guard let n = Int(v) else {
            // Digits that do not fit in an Int are out of range, not "not a number".
            let digits = v.hasPrefix("-") || v.hasPrefix("+") ? v.dropFirst() : Substring(v)
            if !digits.isEmpty && digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
                throw .usage("--\(name) must be \(Arguments.describe(range)), got \(v)", command: command)
            }
            throw .usage("--\(name) expects a whole number, got '\(v)'", command: command)
        }
        guard range.contains(n) else { throw .usage("--\(name) must be \(Arguments.describe(range)), got \(n)", command: command) }
        return n
    }

    /// A number flag, finite and meeting its declared check; its declared default when absent.
    func float(_ f: Flag) throws(CLIError) -> Float? {
        guard case .number(let what, let check) = f.kind else { preconditionFailure("--\(f.name) is not declared as a number") }
        guard let v = string(f) ?? f.defaultValue else { return nil }
        let name = f.name
        guard let x = Float(v), !x.isNaN else { throw .usage("--\(name) expects a number, got '\(v)'", command: command) }
        guard x.isFinite else { throw .usage("--\(name) must be \(what) and finite, got \(v)", command: command) }
        guard check.holds(x) else { throw .usage("--\(name) must be \(what), got \(v)", command: command) }
        return x
    }

    /// A whole-number flag with a declared default.
    func int(_ f: Flag, default fallback: Int) throws(CLIError) -> Int { try int(f) ?? fallback }

    static func describe(_ r: ClosedRange<Int>) -> String {
        if r.upperBound == Int.max { return r.lowerBound == 1 ? "positive" : "at least \(r.lowerBound)" }
        return "between \(r.lowerBound) and \(r.upperBound)"
    }

    /// What an unknown flag probably meant: the flags of this command that another command's flag
    /// stands for here; else this command's flags it differs from only in case or is the start
    /// of; else the command it belongs to; else this command's flag it is a typo of.
    static func hint(
        for name: String, value: String?, in names: [String], insteadOf: [String: (String?) -> [String]],
        elsewhere: [String: String]
    ) -> String {
        if let meant = insteadOf[name]?(value), !meant.isEmpty {
            let shown = meant.map { "--\($0)" }
            return "; did you mean \(shown.count == 1 ? shown[0] : shown.dropLast().joined(separator: ", ") + " or " + shown.last!)?"
        }
        let near = NearestName.hint(for: name, in: names, typos: false) { "--\($0)" }
        if !near.isEmpty { return near }
        if let owner = elsewhere[name] { return " (--\(name) is a flag of 'mlp \(owner)')" }
        return NearestName.hint(for: name, in: names) { "--\($0)" }
    }
}
