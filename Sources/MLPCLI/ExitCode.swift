// The exit codes, a documented contract (README, "Errors and exit codes").

import Formats

public enum ExitCode: Int32, CaseIterable {
    /// Success.
    case ok = 0
    /// Bad input data or files: unreadable, malformed, mismatched, or a write that failed.
    case dataError = 1
    /// Bad command line: unknown flag, missing or malformed value, missing required flag.
    case usage = 2
    /// `evaluate --min-accuracy X` (or another gate): a figure missed its bound.
    case belowMinimum = 3
    /// Training diverged (the loss or a gradient became NaN or infinite).
    case diverged = 4
    /// Interrupted by SIGINT or SIGTERM (after saving a checkpoint when one was asked for).
    case interrupted = 130
}

extension ExitCode {
    /// What it means, for --help and the man page.
    var meaning: String {
        switch self {
        case .ok: return "success"
        case .dataError:
            return
                "bad data or file: missing, unreadable or malformed input, data that does not fit the model, an output that cannot be written, not enough memory"
        case .usage: return "bad command line: unknown command or flag, missing or malformed value, conflicting flags"
        case .belowMinimum:
            return
                "evaluate: a gate missed: below --min-accuracy, --min-auc, --min-f1, --min-balanced-accuracy, --min-recall or --min-r2, or above --max-log-loss or --max-rmse"
        case .diverged: return "training diverged (the loss became NaN or infinite)"
        case .interrupted: return "interrupted (SIGINT or SIGTERM; training writes a checkpoint first)"
        }
    }
}
