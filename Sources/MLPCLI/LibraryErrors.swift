// The libraries' errors and notes in the command line's words: each setting they name becomes the
// flag that sets it, each kind of error an exit code.
import Formats
import Quantized
import Tables

extension TableSetting {
    /// The flag that sets it.
    var flag: Flag {
        switch self {
        case .target: return Flags.target
        case .categorical: return Flags.categorical
        case .task: return Flags.task
        case .missing: return Flags.missing
        case .testSplit: return Flags.testSplit
        case .idColumn: return Flags.idColumn
        }
    }
}

extension CLIError {
    /// A table that cannot be read or learnt: a usage error of `command` when a setting is at
    /// fault, else a data error.
    static func table(_ e: TablesError, command: String = "train") -> CLIError {
        let message = e.message { "--\($0.flag.name)" }
        return e.isSettingError ? .usage(message, command: command) : CLIError(.dataError, message)
    }
}

extension TableNote {
    /// The line on stderr: "mlp: warning: …" or "mlp: note: …".
    var line: String {
        (isWarning ? "mlp: warning: " : "mlp: note: ") + message(naming: { "--\($0.flag.name)" }, reading: { $0.flags })
    }
}

extension TableEncoder {
    /// What an error about a pandas marker ('NaN', 'null') tells the user to do in `evaluate` and
    /// `predict` (CSVOptions.markerAdvice; `train` names --missing).
    static let retrainMarkerAdvice = "retrain the model with --missing mean|median|most-frequent, which reads it as missing"
}

/// `body`'s result; a TablesError it throws becomes the command line's (CLIError.table).
func tables<T>(command: String = "train", _ body: () throws(TablesError) -> T) throws(CLIError) -> T {
    do { return try body() } catch { throw .table(error, command: command) }
}

/// `body`'s result; a failure of the INT8 engine (it names the model file) becomes a data error.
func int8<T>(_ body: () throws(OneDNNError) -> T) throws(CLIError) -> T {
    do { return try body() } catch { throw CLIError(.dataError, error.message) }
}
