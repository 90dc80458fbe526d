// Writing to stdout (results) and stderr (progress, logs, errors), and formatting times, without
// Foundation (start-up time matters). Numbers as text: Formats' NumberText.swift.
import Formats
import Training

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum Console {
    /// Set when an output file (`--out -`) takes stdout: the results then go to stderr.
    nonisolated(unsafe) static var resultsOnStderr = false
    /// A result line on stdout (buffered by stdio; flushed at exit), or stderr when a file takes stdout.
    static func out(_ s: String, newline: Bool = true) {
        if resultsOnStderr {
            fputs(newline ? s + "\n" : s, stderr)
            return
        }
        fputs(newline ? s + "\n" : s, stdout)
        StandardOutputFile.written += s.utf8.count + (newline ? 1 : 0)
    }
    /// An error or warning line on stderr (unbuffered): always printed.
    static func err(_ s: String) { fputs(s + "\n", stderr) }
    /// A progress, banner or note line on stderr: not printed with --silent.
    static func info(_ s: String) { if !silent { err(s) } }
    /// A note about the data or the run: a warning (`mlp: warning: …`) always shows, any other note
    /// not with --silent.
    static func note(_ s: String) { if s.hasPrefix("mlp: warning:") { err(s) } else { info(s) } }
    /// --silent (Verbosity.swift): stderr carries warnings and errors only. Set once per command line.
    nonisolated(unsafe) static var silent = false
    /// Text on stderr with no newline (progress bars).
    static func errRaw(_ s: String) { fputs(s, stderr) }
    static func flush() { fflush(stdout) }

    /// Whether stderr is a terminal (progress bars redraw in place only there).
    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    /// An environment variable, if set.
    static func env(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
}

/// Seconds as "0.84s", "12.3s", "3m05s".
func duration(_ s: Double) -> String {
    if s < 10 { return fixed(s, 2) + "s" }
    if s < 60 { return fixed(s, 1) + "s" }
    let m = Int(s) / 60
    let r = Int(s) % 60
    return "\(m)m" + (r < 10 ? "0" : "") + "\(r)s"
}

/// A monotonic clock reading in seconds.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Peak resident memory of this process, in bytes.
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound] + replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
