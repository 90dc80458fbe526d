// The exit codes, a documented contract (README, "Errors and exit codes").

public enum ExitCode: Int32 {
    /// Success.
    case ok = 0
    /// Bad input data or files: unreadable, malformed, mismatched, or a write that failed.
    case dataError = 1
    /// Bad command line: unknown flag, missing or malformed value, missing required flag.
    case usage = 2
    /// `evaluate --min-accuracy X`: the accuracy was below X.
    case belowMinimum = 3
    /// Training diverged (the loss or a gradient became NaN or infinite).
    case diverged = 4
    /// Interrupted by SIGINT or SIGTERM (after saving a checkpoint when one was asked for).
    case interrupted = 130
}
