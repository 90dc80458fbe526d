// Running mlp with its standard error on a pseudo-terminal of a chosen size, as a user's terminal
// would be: stdout still a pipe, the terminal's output recorded byte for byte, and the terminal
// resizable while the command runs (TIOCSWINSZ on the master, then SIGWINCH to the process, which
// is what a terminal emulator's kernel does for its foreground job).
import Foundation
import Glibc
import XCTest

struct TerminalRun {
    let status: Int32
    let stdout: String
    /// Everything written to the terminal (the line discipline turns "\n" into "\r\n").
    let screen: String

    /// The progress bar's redraws, in order, each with its offset in `screen`: the text after an
    /// erase-line (ESC [2K) up to the carriage return that starts the next redraw (a finished line
    /// ends with "\r\n" instead, and is not a redraw).
    var redraws: [(offset: Int, text: String)] {
        var out: [(Int, String)] = []
        let bytes = Array(screen.utf8)
        let clear: [UInt8] = [0x1B, 0x5B, 0x32, 0x4B]
        var i = 0
        while i + 4 <= bytes.count {
            guard Array(bytes[i..<(i + 4)]) == clear else {
                i += 1
                continue
            }
            let start = i + 4
            var end = start
            while end < bytes.count, bytes[end] != 0x0D, bytes[end] != 0x0A { end += 1 }
            let finished = end + 1 < bytes.count && bytes[end] == 0x0D && bytes[end + 1] == 0x0A
            if end < bytes.count && !finished && end > start {
                out.append((start, String(decoding: bytes[start..<end], as: UTF8.self)))
            }
            i = end
        }
        return out
    }
}

enum Terminal {
    /// Runs `executable` (mlp) with `args`, stderr on a terminal of `columns` columns (0: the
    /// terminal does not say), in `environment` (the test's own, with NO_COLOR removed, TERM=xterm
    /// and the given changes; nil removes a variable). `watch` sees the terminal's output so far
    /// after each read and may resize it: return a new width to apply it and signal the process.
    static func run(
        _ args: [String], columns: UInt16, executable: String? = nil,
        environment changes: [String: String?] = [:],
        watch: ((String) -> UInt16?)? = nil
    ) throws -> TerminalRun {
        let pty = try PTY.functions()
        let master = pty.open(O_RDWR | O_NOCTTY)
        guard master >= 0, pty.grant(master) == 0, pty.unlock(master) == 0, let name = pty.name(master) else {
            throw XCTSkip("no pseudo-terminal available")
        }
        let slave = open(String(cString: name), O_RDWR | O_NOCTTY)
        guard slave >= 0 else {
            close(master)
            throw XCTSkip("cannot open the pseudo-terminal's slave")
        }
        defer { close(master) }
        try resize(master, columns: columns)

        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = nil
        env["TERM"] = "xterm"
        env["COLUMNS"] = nil
        for (k, v) in changes { env[k] = v }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable ?? MLP.binary)
        p.arguments = args
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        p.standardError = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        close(slave)

        final class Box: @unchecked Sendable { var data = Data() }
        let outBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            outBox.data = out.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        // The terminal's output until the process (the slave's last holder) is gone: then read fails (EIO).
        var screen: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            screen += buffer[0..<n]
            if let watch, let width = watch(String(decoding: screen, as: UTF8.self)) {
                try resize(master, columns: width)
                kill(p.processIdentifier, SIGWINCH)
            }
        }
        group.wait()
        p.waitUntilExit()
        return TerminalRun(
            status: p.terminationStatus, stdout: String(decoding: outBox.data, as: UTF8.self),
            screen: String(decoding: screen, as: UTF8.self))
    }

    static func resize(_ master: Int32, columns: UInt16) throws {
        var size = winsize(ws_row: 24, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        guard ioctl(master, UInt(TIOCSWINSZ), &size) == 0 else { throw XCTSkip("cannot set the pseudo-terminal's size") }
    }
}

/// posix_openpt, grantpt, unlockpt and ptsname, which Swift's Glibc module leaves out (they need
/// _XOPEN_SOURCE), looked up in the C library.
enum PTY {
    typealias Open = @convention(c) (Int32) -> Int32
    typealias Name = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?

    static func functions() throws -> (open: Open, grant: Open, unlock: Open, name: Name) {
        func symbol(_ s: String) throws -> UnsafeMutableRawPointer {
            guard let p = dlsym(nil, s) else { throw XCTSkip("\(s) not found") }
            return p
        }
        return (
            unsafeBitCast(try symbol("posix_openpt"), to: Open.self), unsafeBitCast(try symbol("grantpt"), to: Open.self),
            unsafeBitCast(try symbol("unlockpt"), to: Open.self), unsafeBitCast(try symbol("ptsname"), to: Name.self)
        )
    }
}
