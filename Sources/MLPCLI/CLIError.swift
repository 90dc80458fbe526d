// An error the command line reports: one line on stderr (plus a usage hint for usage errors) and
// an exit code.
import Formats
import Model

public struct CLIError: Error, CustomStringConvertible {
    public let code: ExitCode
    public let message: String
    /// For usage errors: the command whose --help to point at.
    public let command: String?

    public init(_ code: ExitCode, _ message: String, command: String? = nil) {
        self.code = code
        self.message = message
        self.command = command
    }

    public static func usage(_ message: String, command: String) -> CLIError {
        CLIError(.usage, message, command: command)
    }

    public static func data(_ error: FormatError) -> CLIError { CLIError(.dataError, error.description) }

    public var description: String { message }
}
