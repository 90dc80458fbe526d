// Running commands and the mpi-probe binary from the tests.
import Foundation

enum Package {
    /// The package root (three levels above this file).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
}

struct Ran {
    let status: Int32
    let stdout: String
    let stderr: String
    var output: String { stdout + stderr }
}

/// Runs `executable` with `arguments` and `environment` (nil: the test's own), capturing both streams.
func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) -> Ran {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let environment { p.environment = environment }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    do { try p.run() } catch { return Ran(status: -1, stdout: "", stderr: "cannot start \(executable): \(error)") }
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    return Ran(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
               stderr: String(decoding: errBox.data, as: UTF8.self))
}

/// `command` through /bin/sh -c, stdout and stderr together in `output`.
func shell(_ command: String) -> Ran { runProcess("/bin/sh", ["-c", command]) }
