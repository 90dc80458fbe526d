// The libraries' errors and notes in the command line's words: each setting they name becomes the
// flag that sets it, each kind of error an exit code.
import Formats
import Quantized
import Tables
import Training

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
        case .weightColumn: return Flags.weightColumn
        case .ignore: return Flags.ignore
        case .features: return Flags.features
        case .missingTarget: return Flags.missingTarget
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

/// `body`'s result; an error of a library it throws becomes the command line's (CLIError.table,
/// CLIError.training); `command` is the one whose usage a setting error points at.
func library<T>(command: String = "train", _ body: () throws -> T) throws(CLIError) -> T {
    do { return try body() } catch { throw CLIError.from(error, command: command) }
}

extension CLIError {
    /// Any error as the command line reports it.
    static func from(_ error: any Error, command: String = "train") -> CLIError {
        switch error {
        case let e as CLIError: return e
        case let e as TrainingError: return .training(e, command: command)
        case let e as TablesError: return .table(e, command: command)
        case let e as FormatError: return .data(e)
        case let e as OneDNNError: return CLIError(.dataError, e.message)
        default: return CLIError(.dataError, "\(error)")
        }
    }
}

extension TrainingSetting {
    /// The flag that sets it.
    var flag: Flag {
        switch self {
        case .layers: return Flags.layers
        case .loss: return Flags.loss
        case .monitor: return Flags.monitor
        case .metrics: return Flags.metrics
        case .classWeight: return Flags.classWeight
        case .augment: return Flags.augment
        case .validationSplit: return Flags.validationSplit
        case .memoryLimit: return Flags.maxMemory
        case .resume: return Flags.resume
        case .checkpoint: return Flags.checkpoint
        }
    }
}

extension TrainingError {
    /// The message as the command line words it, each setting named by its flag.
    var flagMessage: String { message(naming: { "--\($0.flag.name)" }, table: { "--\($0.flag.name)" }) }
}

extension CLIError {
    /// A training error: a usage error of `command` when a setting is at fault, else a data error.
    static func training(_ e: TrainingError, command: String = "train") -> CLIError {
        e.isSettingError ? .usage(e.flagMessage, command: command) : CLIError(.dataError, e.flagMessage)
    }
}
