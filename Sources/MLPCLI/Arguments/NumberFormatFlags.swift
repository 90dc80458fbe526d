// --decimal and --thousands as given: `train` applies them to the standard format, `predict` and
// `evaluate` to the model's (a file to predict may come from elsewhere than the training file).
import Formats
import Training

struct NumberFormatFlags {
    /// --decimal, if given.
    var decimal: UInt8?
    /// --thousands, if given: a separator, or nil for `none`.
    var thousands: UInt8??
    let command: String

    init(_ a: Arguments) throws(CLIError) {
        command = a.command
        let decimalText = a.string(Flags.decimal)
        let thousandsText = a.string(Flags.thousands)
        if let d = decimalText {
            guard let b = CSVNumberFormat.mark(d), CSVNumberFormat.decimalMarks.contains(b) else {
                throw .usage("--decimal '\(d)' is not one of . ,", command: a.command)
            }
            decimal = b
        }
        if let t = thousandsText {
            if t == "none" {
                thousands = .some(nil)
            } else {
                guard let b = CSVNumberFormat.mark(t), CSVNumberFormat.separators.contains(b) else {
                    throw .usage("--thousands '\(t)' is not one of , . ' space _ none", command: a.command)
                }
                thousands = .some(b)
            }
        }
        if let d = decimal, case .some(.some(let t)) = thousands, d == t {
            throw .usage("--decimal and --thousands are both \(CSVNumberFormat.flagValue(d)); give two different marks", command: a.command)
        }
    }

    /// `base` with the flags' changes; a decimal mark that is also the thousands separator left in
    /// place is a usage error.
    func format(over base: CSVNumberFormat) throws(CLIError) -> CSVNumberFormat {
        var f = base
        if let decimal { f.decimal = decimal }
        if let thousands { f.thousands = thousands }
        if let t = f.thousands, t == f.decimal {
            let model = base != .standard ? " (the model's)" : ""
            if let decimal {
                throw .usage(
                    "--decimal \(CSVNumberFormat.flagValue(decimal)) is also the thousands separator\(model); give --thousands too",
                    command: command)
            }
            throw .usage(
                "--thousands \(CSVNumberFormat.flagValue(t)) is also the decimal mark\(model); give --decimal too", command: command)
        }
        return f
    }
}
