// A hyperparameter search space: each dimension a setting (a training flag's name, or "dropout")
// with a range or a list of choices, as a flag's value or a JSON file gives it:
//   1e-4..1e-2:log    a number, log-uniform between the bounds (":int" makes it a whole number)
//   0..1e-3           a number, uniform
//   64|128|256,128    one of these values (each as the flag takes it: "256,128" is two layers)
// Random sampling draws each dimension in turn from a generator seeded by the search's seed and
// the trial's number; a grid takes every combination (a range as `points` values spread evenly,
// geometrically for :log).
import Formats
import Model

#if canImport(Glibc)
    import Glibc
#endif

public struct SearchDimension: Equatable {
    public enum Domain: Equatable {
        case range(lo: Double, hi: Double, log: Bool, integer: Bool)
        case choices([String])
    }

    public let name: String
    public let domain: Domain

    public init(name: String, domain: Domain) {
        self.name = name
        self.domain = domain
    }

    /// Whether `text` describes a dimension rather than one value (it holds ".." or "|").
    public static func isSpace(_ text: String) -> Bool { text.contains("..") || text.contains("|") }

    /// Parses a flag's value ("1e-4..1e-2:log", "adam|sgd"); `integer`: the setting takes whole
    /// numbers. The error says what is wrong, without the setting's name.
    public static func parse(name: String, _ text: String, integer: Bool) throws(SearchSpaceError) -> SearchDimension {
        if text.contains("..") {
            var parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            let bounds = parts.removeFirst().components("..")
            var log = false
            var whole = integer
            for p in parts {
                switch p {
                case "log": log = true
                case "int": whole = true
                default: throw SearchSpaceError("'\(text)': ':\(p)' is not :log or :int")
                }
            }
            guard bounds.count == 2, let lo = Double(bounds[0]), let hi = Double(bounds[1]), lo.isFinite, hi.isFinite else {
                throw SearchSpaceError("'\(text)' is not a range LOW..HIGH[:log][:int] of two numbers")
            }
            guard lo < hi else { throw SearchSpaceError("'\(text)': the low end must be below the high end") }
            if log && lo <= 0 { throw SearchSpaceError("'\(text)': a :log range must be above 0") }
            return SearchDimension(name: name, domain: .range(lo: lo, hi: hi, log: log, integer: whole))
        }
        let choices = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard choices.count >= 2, !choices.contains(where: \.isEmpty) else {
            throw SearchSpaceError("'\(text)' is not a list of choices A|B|…")
        }
        return SearchDimension(name: name, domain: .choices(choices))
    }

    /// A dimension as a space file gives it: a string in the flag's syntax, an array of choices, or
    /// {"min":…, "max":…, "log":true, "int":true}.
    public static func parse(name: String, json v: JSONValue, integer: Bool) throws(SearchSpaceError) -> SearchDimension {
        switch v {
        case .string(let s): return try parse(name: name, s, integer: integer)
        case .array(let items):
            var choices: [String] = []
            for i in items {
                switch i {
                case .string(let s): choices.append(s)
                case .number(let d): choices.append(JSONValue.format(d))
                default: throw SearchSpaceError("holds \(i.kindDescription), expected choices (strings or numbers)")
                }
            }
            guard choices.count >= 1 else { throw SearchSpaceError("is an empty list of choices") }
            return SearchDimension(name: name, domain: .choices(choices))
        case .object:
            guard case .number(let lo)? = v["min"], case .number(let hi)? = v["max"], lo < hi else {
                throw SearchSpaceError("is an object without numbers \"min\" < \"max\"")
            }
            let log = v["log"] == .bool(true)
            let whole = integer || v["int"] == .bool(true)
            if log && lo <= 0 { throw SearchSpaceError("is a log range that does not lie above 0") }
            return SearchDimension(name: name, domain: .range(lo: lo, hi: hi, log: log, integer: whole))
        default:
            throw SearchSpaceError("is \(v.kindDescription), expected a range \"LOW..HIGH[:log]\", a list of choices or {\"min\",\"max\"}")
        }
    }

    /// A value drawn from the dimension, as the flag's text.
    public func sample(_ rng: inout RandomGenerator) -> String {
        switch domain {
        case .choices(let c): return c[min(Int(rng.uniform(0, Float(c.count))), c.count - 1)]
        case .range(let lo, let hi, let log, let integer):
            let u = Double(rng.uniform(0, 1))
            let x = log ? exp(Glibc.log(lo) + u * (Glibc.log(hi) - Glibc.log(lo))) : lo + u * (hi - lo)
            return text(x, integer: integer)
        }
    }

    /// The grid's values: the choices, or `points` values across the range.
    public func grid(points: Int) -> [String] {
        switch domain {
        case .choices(let c): return c
        case .range(let lo, let hi, let log, let integer):
            let n = max(points, 2)
            var out: [String] = []
            for i in 0..<n {
                let f = Double(i) / Double(n - 1)
                let x = log ? exp(Glibc.log(lo) + f * (Glibc.log(hi) - Glibc.log(lo))) : lo + f * (hi - lo)
                let t = text(x, integer: integer)
                if !out.contains(t) { out.append(t) }
            }
            return out
        }
    }

    /// A number as a flag takes it: a whole number, or a float's shortest form.
    func text(_ x: Double, integer: Bool) -> String {
        integer ? "\(Int(x.rounded()))" : JSONValue(Float(x)).serialized()
    }

    /// Whether the plots should put the values on a log axis.
    public var isLog: Bool {
        if case .range(_, _, true, _) = domain { return true }
        return false
    }
    public var isNumeric: Bool {
        if case .range = domain { return true }
        return false
    }

    /// The dimension as its flag's value (what `parse` reads back).
    public var text: String {
        switch domain {
        case .choices(let c): return c.joined(separator: "|")
        case .range(let lo, let hi, let log, let integer):
            return JSONValue.format(lo) + ".." + JSONValue.format(hi) + (log ? ":log" : "") + (integer ? ":int" : "")
        }
    }
}

public struct SearchSpaceError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The trials of a search: each a value per dimension, by dimension name, in the space's order.
public enum SearchSampler {
    /// `count` random trials, each drawn with a generator of its own (the seed and the trial's
    /// number), so trial i is the same whatever the count.
    public static func random(_ space: [SearchDimension], count: Int, seed: UInt64) -> [[(name: String, value: String)]] {
        (0..<count).map { i in
            var rng = RandomGenerator(seed: (seed ^ 0x5345_4152_4348_5452) &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15)  // "SEARCHTR"
            return space.map { ($0.name, $0.sample(&rng)) }
        }
    }

    /// Every combination of the dimensions' grid values (the first dimension varies slowest).
    public static func grid(_ space: [SearchDimension], points: Int) -> [[(name: String, value: String)]] {
        var out: [[(name: String, value: String)]] = [[]]
        for d in space {
            let values = d.grid(points: points)
            out = out.flatMap { prefix in values.map { prefix + [(d.name, $0)] } }
        }
        return out
    }
}

extension String {
    /// The parts between occurrences of `separator` (no Foundation).
    func components(_ separator: String) -> [String] {
        var out: [String] = []
        var rest = self[...]
        while let r = rest.firstRange(of: separator) {
            out.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        return out + [String(rest)]
    }
}
