// An error the command line reports: one line on stderr (plus a usage hint for usage errors) and
// an exit code.
import Formats
import Model
import Training

public struct CLIError: Error, CustomStringConvertible {
    public let code: ExitCode
    public let message: String
    /// For usage errors: the command whose --help to point at.
    public let command: String?

    public init(_ code: ExitCode, _ message: String, command: String? = nil) {
        self.code = code
        self.message = CLIError.oneLine(message)
        self.command = command
    }

    /// `s` with control characters escaped (`\n`, `\u{1b}`), so a message that quotes a file name,
    /// a flag value or text read from a file (an architecture string) stays one line on stderr.
    static func oneLine(_ s: String) -> String {
        func isControl(_ u: Unicode.Scalar) -> Bool { u.value < 0x20 || (0x7F...0x9F).contains(u.value) }
        guard s.unicodeScalars.contains(where: isControl) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isControl(u): out += "\\u{" + String(u.value, radix: 16) + "}"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    public static func usage(_ message: String, command: String) -> CLIError {
        CLIError(.usage, message, command: command)
    }

    public static func data(_ error: FormatError) -> CLIError { CLIError(.dataError, error.description) }

    public var description: String { message }
}
