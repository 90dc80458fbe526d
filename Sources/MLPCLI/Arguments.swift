// Hand-written argument parsing: `--flag VALUE`, `--flag=VALUE` and boolean `--flag`, against the
// flags a command declares (Flags.swift). Every mistake is a usage error naming the flag and what
// was expected. Values are read through the declarations, typed and checked by their kind.

/// The flags given to one command, with typed, validated access.
struct Arguments {
    let command: String
    /// The flags the command accepts.
    let accepted: [Flag]
    private(set) var values: [String: String] = [:]
    private(set) var switches: Set<String> = []
    /// The flags given, in the order they were given.
    private(set) var order: [String] = []

    /// Parses `args` against `flags`. `--help` is always accepted. `positional` names the flag a bare
    /// argument stands for (`mlp summary FILE` is `mlp summary --model FILE`); nil allows none.
    init(_ args: ArraySlice<String>, flags: [Flag], command: String, positional: String? = nil) throws(CLIError) {
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
            var name = String(arg.dropFirst(2)), inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if name == "help" { switches.insert("help"); continue }
            guard let flag = known[name] else {
                let hint = Arguments.closest(to: name, in: flags.map(\.name)).map { "; did you mean --\($0)?" } ?? ""
                throw .usage("unknown flag --\(name) for 'mlp \(command)'\(hint)", command: command)
            }
            if values[name] != nil || switches.contains(name) {
                throw .usage("--\(name) is given twice", command: command)
            }
            guard let placeholder = flag.value else {
                if inline != nil { throw .usage("--\(name) is a switch and takes no value", command: command) }
                switches.insert(name)
                order.append(name)
                continue
            }
            order.append(name)
            if let inline {
                values[name] = inline
            } else {
                guard i < args.endIndex, !(args[i].hasPrefix("--") && args[i].count > 2) else {
                    throw .usage("--\(name) needs a value (\(placeholder))", command: command)
                }
                values[name] = args[i]
                i += 1
            }
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

    /// The raw text of a flag's value, if given.
    func string(_ f: Flag) -> String? { values[declared(f).name] }

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

    /// The known flag nearest to a mistyped one, if it is close (edit distance ≤ 2).
    static func closest(to name: String, in names: [String]) -> String? {
        let a = Array(name)
        var best: (String, Int)?
        for candidate in names {
            let b = Array(candidate)
            var prev = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var cur = [i] + [Int](repeating: 0, count: b.count)
                for j in 1...max(b.count, 1) where !b.isEmpty {
                    cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                }
                prev = cur
            }
            let d = prev[b.count]
            if d <= 2, best == nil || d < best!.1 { best = (candidate, d) }
        }
        return best?.0
    }
}
