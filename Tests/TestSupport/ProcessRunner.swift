// Running a program the way a user's shell does and collecting what it printed: the one process
// runner of the tests (the built mlp, mpirun, python3 with the reference scripts, sh -c).
import Foundation
import Glibc

/// What a finished process left: its exit status and its standard output and error.
public struct Run: Sendable {
    /// The exit status, or the signal's number when a signal ended the process.
    public let status: Int32
    /// The signal that ended the process; nil when it exited.
    public let signal: Int32?
    /// Standard output as bytes (empty when it went to a given file handle).
    public let stdoutData: Data
    public let stderrData: Data

    public var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
    public var stderr: String { String(decoding: stderrData, as: UTF8.self) }
    /// Standard output, then standard error.
    public var output: String { stdout + stderr }
}

public enum ProcessRunner {
    /// Runs `executable` with `arguments` until it exits. `cwd`: its working directory (nil: the
    /// test's); `environment`: its whole environment (nil: the test's); `input`: written to its
    /// standard input, which is then closed (nil: it reads /dev/null); `standardOutput`: where its
    /// output goes instead of being collected. Throws only when the program cannot be started.
    public static func run(
        _ executable: String, _ arguments: [String], cwd: String? = nil,
        environment: [String: String]? = nil, input: [UInt8]? = nil,
        standardOutput: FileHandle? = nil
    ) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        if let environment { p.environment = environment }
        let out = Pipe()
        let err = Pipe()
        let stdin = input.map { _ in Pipe() }
        p.standardOutput = standardOutput ?? out
        p.standardError = err
        p.standardInput = stdin ?? FileHandle.nullDevice
        try p.run()

        // Each stream has its own thread, so a chatty child never blocks on a full pipe while this
        // one waits on another.
        final class Box: @unchecked Sendable { var data = Data() }
        let outBox = Box()
        let errBox = Box()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errBox.data = err.fileHandleForReading.readDataToEndOfFile() }
        if let input, let stdin {
            let writer = stdin.fileHandleForWriting
            DispatchQueue.global().async(group: group) {
                // A child may exit without reading all of it: the write then fails with EPIPE, and the
                // SIGPIPE it raises (blocked on this thread, then taken) must not end the tests.
                var pipeSignal = sigset_t()
                var saved = sigset_t()
                sigemptyset(&pipeSignal)
                sigaddset(&pipeSignal, SIGPIPE)
                pthread_sigmask(SIG_BLOCK, &pipeSignal, &saved)
                try? writer.write(contentsOf: Data(input))
                try? writer.close()
                var now = timespec(tv_sec: 0, tv_nsec: 0)
                while sigtimedwait(&pipeSignal, nil, &now) == SIGPIPE {}
                pthread_sigmask(SIG_SETMASK, &saved, nil)
            }
        }
        if standardOutput == nil { outBox.data = out.fileHandleForReading.readDataToEndOfFile() }
        group.wait()
        p.waitUntilExit()
        return Run(
            status: p.terminationStatus, signal: p.terminationReason == .uncaughtSignal ? p.terminationStatus : nil,
            stdoutData: outBox.data, stderrData: errBox.data)
    }

    /// `command` run by /bin/sh -c.
    public static func shell(_ command: String, environment: [String: String]? = nil) throws -> Run {
        try run("/bin/sh", ["-c", command], environment: environment)
    }

    /// Whether `python3` can import every module in `modules` (the reference implementations some
    /// tests compare against; they skip without them).
    public static func pythonCanImport(_ modules: [String]) -> Bool {
        (try? run("/usr/bin/env", ["python3", "-c", "import " + modules.joined(separator: ", ")]))?.status == 0
    }
}
