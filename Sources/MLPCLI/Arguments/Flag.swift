// One flag of the command line, declared once (Flags.swift): its name, its value's placeholder,
// its type with the range it must be in, its default, its help, and whether it belongs to the
// training configuration (a checkpoint stores it; --resume refuses to change it). Commands list
// the declarations they accept; --help, the parser and the typed reads all work from them.

import Formats

struct Flag: Equatable {
    enum Kind: Equatable {
        /// A switch: present or not, no value.
        case toggle
        /// A non-empty word (a path, a token parsed by whoever reads it).
        case text
        /// A whole number in a range.
        case integer(ClosedRange<Int>)
        /// A finite number meeting `check`, described by `what` in errors ("positive", "in [0, 1)").
        case number(what: String, check: NumberCheck)
        /// A byte count such as 800M (--max-memory).
        case bytes
    }

    /// The checks numbers may have to pass, by name so that a Kind stays Equatable.
    enum NumberCheck: Equatable {
        case positive, nonNegative, unitInterval, belowOne, openUnitInterval, atMostOne
        func holds(_ x: Float) -> Bool {
            switch self {
            case .atMostOne: return x <= 1
            case .positive: return x > 0
            case .nonNegative: return x >= 0
            case .unitInterval: return x >= 0 && x <= 1
            case .belowOne: return x >= 0 && x < 1
            case .openUnitInterval: return x > 0 && x < 1
            }
        }
    }

    let name: String
    /// The value's placeholder in help ("N", "FILE"); nil for a switch.
    let value: String?
    let kind: Kind
    private(set) var help: String
    /// The value used when the flag is absent, as the user would type it (nil: none, or it depends
    /// on other flags or on the data, which `defaultNote` or `help` then says).
    private(set) var defaultValue: String?
    /// What the flag's absence means when that is not one value ("images sgd; tables adam", "the
    /// training file's"): shown in help in place of `defaultValue`.
    private(set) var defaultNote: String?
    /// Part of the training configuration: stored in checkpoints, fixed on --resume.
    let configuration: Bool
    /// The values a shell may complete (--optimizer sgd, adam, ...); empty when any value goes.
    var choices: [String] = []
    /// A flag that may be given more than once: a switch each time meaning more (`--quiet --quiet`),
    /// a flag with a value each time adding one (`--min-recall A:0.8 --min-recall B:0.7`).
    var repeatable = false

    /// Whether the value names a file or directory (for shell completion).
    var takesPath: Bool {
        guard let v = value else { return false }
        return v.hasPrefix("FILE") || v == "DIR" || v.hasPrefix("DIR")
    }

    /// The same flag with the values a shell may complete.
    func choosing(_ values: [String]) -> Flag {
        var f = self
        f.choices = values
        return f
    }

    init(
        _ name: String, _ value: String?, _ kind: Kind, _ help: String, default defaultValue: String? = nil,
        defaultNote: String? = nil, configuration: Bool = false
    ) {
        self.name = name
        self.value = value
        self.kind = kind
        self.help = help
        self.defaultValue = defaultValue
        self.defaultNote = defaultNote
        self.configuration = configuration
    }

    /// A switch.
    static func toggle(_ name: String, _ help: String) -> Flag { Flag(name, nil, .toggle, help) }

    /// The same flag with help worded for one command.
    func helped(_ text: String) -> Flag {
        var f = Flag(name, value, kind, text, default: defaultValue, defaultNote: defaultNote, configuration: configuration)
        f.repeatable = repeatable
        return f
    }

    /// The same flag whose absence means `note` for one command (predict's --delimiter: the
    /// training file's) instead of the declared default.
    func defaulting(to note: String) -> Flag {
        var f = self
        f.defaultValue = nil
        f.defaultNote = note
        return f
    }

    /// The same flag, repeatable.
    func repeating() -> Flag {
        var f = self
        f.repeatable = true
        return f
    }

    /// The help line's text, with the default appended when there is one (a note about it, or
    /// the value).
    var helpWithDefault: String {
        if let n = defaultNote { return help + " (default: \(n))" }
        guard let d = defaultValue else { return help }
        return help + " (default \(d))"
    }
}
