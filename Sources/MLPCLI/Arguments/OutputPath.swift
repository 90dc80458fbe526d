import Formats
import Training

// Checks, before any work, that a file the command will write can be written, the way it will be
// written (AtomicFile, OutputTarget): a regular file's directory exists and is writable, a symbolic
// link leads somewhere writable (a dangling link into a missing directory is an error now, not after
// training), a device, FIFO or socket is writable, and the path is not a directory. Training for an
// hour and then failing to save would lose the hour.
//
// "-" is standard output for every output flag, except where it cannot be: a checkpoint (rewritten
// atomically after every epoch), and a binary file (a model, ONNX) when stdout is a terminal.
#if canImport(Glibc)
    import Glibc
#endif

enum OutputPath {
    /// What a flag writes, which decides what it may name.
    enum Kind {
        /// Text or SVG: anything writable, "-" included.
        case text
        /// A model or another binary file: "-" only when stdout is not a terminal.
        case binary
        /// A file that must be replaced atomically (a checkpoint): a regular file or a new path.
        case atomic
    }

    @discardableResult
    static func checkWritable(_ path: String, flag: String, command: String, kind: Kind = .text) throws(CLIError) -> OutputTarget {
        guard !path.isEmpty else { throw .usage("--\(flag) needs a file name", command: command) }
        var st = stat()
        if stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            throw CLIError(.dataError, "\(path): is a directory; --\(flag) needs a file name")
        }
        let target: OutputTarget
        do { target = try OutputTarget.resolve(path) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(path): \(error)")
        }
        if kind == .atomic && !target.isAtomic {
            throw .usage(
                "--\(flag) \(path) is \(target.description), but --\(flag)'s file is replaced atomically: give a regular file or a new path",
                command: command)
        }
        if kind == .binary && target == .standardOutput && isatty(1) == 1 {
            throw .usage(
                "--\(flag) \(path) would write a binary file to the terminal; redirect standard output (> FILE) or give a file name",
                command: command)
        }
        do { return try AtomicFile.check(path) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(path): \(error)")
        }
    }

    /// When one output goes to standard output, stdout carries that file alone: the command's
    /// report goes to stderr, and --json (which needs stdout) is refused, as are two outputs there.
    static func claimStandardOutput(_ outputs: [(flag: Flag, path: String, target: OutputTarget)], json: Bool, command: String)
        throws(CLIError)
    {
        let onStdout = outputs.filter { $0.target == .standardOutput }.map { "--\($0.flag.name) \($0.path)" }
        guard let first = onStdout.first else { return }
        if onStdout.count > 1 {
            throw .usage(
                "\(onStdout.joined(separator: " and ")) \(onStdout.count == 2 ? "both" : "all") name standard output; give \(onStdout.count == 2 ? "one of them" : "all but one") a file name",
                command: command)
        }
        if json {
            throw .usage(
                "\(first) writes to standard output, where --json prints; give --\(outputs.first { $0.target == .standardOutput }!.flag.name) a file name",
                command: command)
        }
        Console.resultsOnStderr = true
    }

    /// How messages name an output: "standard output" for "-".
    static func name(_ path: String) -> String { path == "-" ? "standard output" : path }
}
