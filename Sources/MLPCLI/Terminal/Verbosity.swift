// How much a command says on stderr: everything (banners, progress, notes); with --quiet no
// banner and no progress bar, one plain line per epoch; with --silent (or --quiet twice) nothing
// but warnings and errors, for sweeps of many runs. Results on stdout are the same in all three.

import Formats

enum Verbosity: Comparable {
    case normal, quiet, silent

    /// The verbosity a command line asks for, from the flags its command declares.
    init(_ a: Arguments) {
        let quiet = a.declares(Flags.quiet) ? a.count(Flags.quiet) : 0
        if (a.declares(Flags.silent) && a.has(Flags.silent)) || quiet >= 2 {
            self = .silent
        } else {
            self = quiet == 1 ? .quiet : .normal
        }
    }
}
