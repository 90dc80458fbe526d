import Formats
// Every output flag writes what stands at its path the way that thing takes it: a regular file is
// replaced atomically, a symbolic link is followed, a FIFO or device is written through (and stays a
// FIFO or device), "-" is standard output; a checkpoint refuses what it cannot replace atomically.
// /dev/null itself is only written inside a private mount namespace whose /dev is a fresh tmpfs, so
// that wrong code could only replace a device node of that namespace, never the machine's.
import Foundation
import XCTest

/// Standard output as bytes, the exit code and standard error.
struct RawRun {
    let status: Int32
    let stdout: [UInt8]
    let stderr: String
}

extension MLP {
    /// Runs mlp with stdout read as bytes (models are binary), or sent to `handle` (a file, a
    /// terminal), which then leaves `stdout` empty.
    static func runRaw(_ args: [String], stdout handle: FileHandle? = nil) throws -> RawRun {
        let r = try ProcessRunner.run(binary, args, standardOutput: handle)
        return RawRun(status: r.status, stdout: Array(r.stdoutData), stderr: r.stderr)
    }
}

final class OutputPathTests: XCTestCase {
    /// Reads the FIFO at `path` on another thread; what it read, or nothing after 30 seconds (a
    /// writer that replaced the FIFO never reaches its reader).
    func readFIFO(_ path: String) -> () -> [UInt8] {
        final class Box: @unchecked Sendable { var data: [UInt8] = [] }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let fd = open(path, O_RDONLY)
            var chunk = [UInt8](repeating: 0, count: 65536)
            while fd >= 0 {
                let n = read(fd, &chunk, chunk.count)
                if n <= 0 { break }
                box.data += chunk[..<n]
            }
            if fd >= 0 { close(fd) }
            done.signal()
        }
        return { done.wait(timeout: .now() + 30) == .success ? box.data : [] }
    }

    func fileType(_ path: String) -> mode_t {
        var info = stat()
        XCTAssertEqual(lstat(path, &info), 0, path)
        return info.st_mode & S_IFMT
    }

    func bytes(_ path: String) -> [UInt8] { FileManager.default.contents(atPath: path).map { Array($0) } ?? [] }

    /// A small image dataset in `dir`, and the arguments that train on it the same way every time.
    func training(_ dir: TempDir, epochs: Int = 2) throws -> [String] {
        try Synthetic.quadrants(dir, count: 64)
        return ["train", "--data", dir.path, "--hidden", "8", "--epochs", "\(epochs)", "--batch-size", "16", "--threads", "1", "--quiet"]
    }

    // MARK: - FIFOs, links, devices

    func testAModelWrittenToAFIFOReachesItsReader() throws {
        let dir = try TempDir()
        let args = try training(dir)
        XCTAssertEqual(try MLP.run(args + ["--out", dir.file("reference.safetensors")]).status, 0)
        let fifo = dir.file("model.fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let received = readFIFO(fifo)
        let r = try MLP.run(args + ["--out", fifo])
        XCTAssertEqual(r.status, 0, r.stderr)
        let got = received()
        XCTAssertTrue(got == bytes(dir.file("reference.safetensors")), "the reader got \(got.count) bytes, not the model")
        XCTAssertEqual(fileType(fifo), S_IFIFO, "the FIFO is still a FIFO")
    }

    func testALogWrittenToAFIFOGetsEachEpochOnce() throws {
        let dir = try TempDir()
        let args = try training(dir, epochs: 3)
        let fifo = dir.file("log.fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let received = readFIFO(fifo)
        let r = try MLP.run(args + ["--out", dir.file("m.safetensors"), "--log", fifo])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = String(decoding: received(), as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(lines.map { $0.prefix(11) }, ["{\"epoch\":1,", "{\"epoch\":2,", "{\"epoch\":3,"])
        XCTAssertEqual(fileType(fifo), S_IFIFO)
    }

    func testAPlotWrittenToAFIFOComesOnceAtTheEnd() throws {
        let dir = try TempDir()
        let args = try training(dir, epochs: 3)
        let fifo = dir.file("plot.fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let received = readFIFO(fifo)
        let r = try MLP.run(args + ["--out", dir.file("m.safetensors"), "--plot", fifo])
        XCTAssertEqual(r.status, 0, r.stderr)
        let svg = String(decoding: received(), as: UTF8.self)
        XCTAssertEqual(svg.components(separatedBy: "<svg").count, 2, "one SVG document")
        XCTAssertTrue(svg.hasSuffix("</svg>\n"), String(svg.suffix(40)))
        XCTAssertEqual(fileType(fifo), S_IFIFO)
    }

    func testACheckpointRefusesAFIFOBeforeTraining() throws {
        let dir = try TempDir()
        let args = try training(dir)
        let fifo = dir.file("c.fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let r = try MLP.run(args + ["--out", dir.file("m.safetensors"), "--checkpoint", fifo])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(
            r.stderr.split(separator: "\n").first.map(String.init),
            "error: --checkpoint \(fifo) is a FIFO (named pipe), but --checkpoint's file is replaced atomically: give a regular file or a new path"
        )
        XCTAssertEqual(fileType(fifo), S_IFIFO)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("m.safetensors")), "nothing trained")
    }

    func testAModelWrittenThroughASymbolicLink() throws {
        let dir = try TempDir()
        let args = try training(dir)
        XCTAssertEqual(try MLP.run(args + ["--out", dir.file("reference.safetensors")]).status, 0)
        try FileManager.default.createDirectory(atPath: dir.file("models"), withIntermediateDirectories: false)
        try dir.write("models/current.safetensors", [1, 2, 3])
        XCTAssertEqual(symlink("models/current.safetensors", dir.file("link.safetensors")), 0)
        let r = try MLP.run(args + ["--out", dir.file("link.safetensors")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(fileType(dir.file("link.safetensors")), S_IFLNK, "the link is still a link")
        XCTAssertTrue(
            bytes(dir.file("models/current.safetensors")) == bytes(dir.file("reference.safetensors")), "the file it names holds the model")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.file("models")), ["current.safetensors"])
    }

    func testADanglingLinkIntoAMissingDirectoryFailsBeforeTraining() throws {
        let dir = try TempDir()
        let args = try training(dir)
        XCTAssertEqual(symlink("gone/m.safetensors", dir.file("link.safetensors")), 0)
        for flag in ["out", "log", "plot", "checkpoint"] {
            var given = args + ["--\(flag)", dir.file("link.safetensors")]
            if flag != "out" { given += ["--out", dir.file("m.safetensors")] }
            let r = try MLP.run(given)
            assertError(
                r, 1,
                "\(dir.file("link.safetensors")): is a symbolic link to \(dir.file("gone/m.safetensors")), whose directory \(dir.file("gone")) does not exist"
            )
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("m.safetensors")), "--\(flag): nothing trained")
        }
    }

    /// As root, in a private mount namespace whose /dev is a new tmpfs holding its own null device:
    /// `--json --out /dev/null` (and the other outputs) leave /dev/null a character device, and
    /// `--checkpoint /dev/null` is refused. Wrong code would replace that namespace's node only.
    func testDevNullStaysADevice() throws {
        try XCTSkipIf(geteuid() != 0, "needs root for a private mount namespace")
        guard let probe = try? ProcessRunner.run("/usr/bin/unshare", ["-m", "--propagation", "private", "true"]) else {
            throw XCTSkip("no unshare")
        }
        try XCTSkipIf(probe.status != 0, "unshare -m is not allowed here")

        let dir = try TempDir()
        let args = try training(dir).map { "'\($0)'" }.joined(separator: " ")
        let script = """
            set -u
            mount -t tmpfs -o mode=755 tmpfs /dev || exit 90
            mknod -m 666 /dev/null c 1 3 || exit 91
            '\(MLP.binary)' \(args) --json --out /dev/null --log /dev/null --log-csv /dev/null --plot /dev/null > '\(dir.file("result.json"))'
            echo "train exit $?"
            '\(MLP.binary)' \(args) --checkpoint /dev/null --out '\(dir.file("m.safetensors"))' 2> '\(dir.file("checkpoint.err"))'
            echo "checkpoint exit $?"
            test -c /dev/null && echo "/dev/null is a character device"
            ls -A /dev
            """
        let r = try ProcessRunner.run("/usr/bin/unshare", ["-m", "--propagation", "private", "/bin/sh", "-c", script])
        try XCTSkipIf(r.status == 90 || r.status == 91, "cannot mount a tmpfs or make a device here: \(r.stderr)")
        XCTAssertEqual(r.stdout, "train exit 0\ncheckpoint exit 2\n/dev/null is a character device\nnull\n", r.stderr)
        let json = try JSONValue.parse(bytes(dir.file("result.json")))
        XCTAssertEqual(json["model"], JSONValue("/dev/null"))
        XCTAssertTrue(
            String(decoding: bytes(dir.file("checkpoint.err")), as: UTF8.self)
                .hasPrefix(
                    "error: --checkpoint /dev/null is a character device, but --checkpoint's file is replaced atomically: give a regular file or a new path\n"
                ))
    }

    // MARK: - "-" is standard output

    func testDashIsStandardOutputForTheModelLogsAndPlots() throws {
        let dir = try TempDir()
        let args = try training(dir, epochs: 2)
        XCTAssertEqual(try MLP.run(args + ["--out", dir.file("reference.safetensors")]).status, 0)

        let model = try MLP.runRaw(args + ["--out", "-"])
        XCTAssertEqual(model.status, 0, model.stderr)
        XCTAssertTrue(
            model.stdout == bytes(dir.file("reference.safetensors")), "stdout holds the model alone (\(model.stdout.count) bytes)")
        XCTAssertTrue(model.stderr.contains("model written to standard output\n"), "the report goes to stderr: \(model.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("-")) || FileManager.default.fileExists(atPath: "-"))

        // Another name for stdout (as /dev/stdout is, through a link to this). Not /dev/stdout
        // itself: wrong code would replace the machine's link, whereas /proc refuses new files.
        let named = try MLP.runRaw(args + ["--out", "/proc/self/fd/1"])
        XCTAssertEqual(named.status, 0, named.stderr)
        XCTAssertTrue(named.stdout == bytes(dir.file("reference.safetensors")), "/proc/self/fd/1 is standard output too")
        XCTAssertTrue(named.stderr.contains("model written to /proc/self/fd/1\n"), "the report goes to stderr: \(named.stderr)")

        let log = try MLP.run(args + ["--out", dir.file("m.safetensors"), "--log", "-"])
        XCTAssertEqual(log.status, 0, log.stderr)
        XCTAssertEqual(log.stdout.split(separator: "\n").map { $0.prefix(11) }, ["{\"epoch\":1,", "{\"epoch\":2,"])
        XCTAssertTrue(log.stderr.contains("model written to \(dir.file("m.safetensors"))"), log.stderr)

        let csv = try MLP.run(args + ["--out", dir.file("m.safetensors"), "--log-csv", "-"])
        XCTAssertEqual(csv.status, 0, csv.stderr)
        let rows = csv.stdout.split(separator: "\n")
        XCTAssertEqual(rows.count, 3, csv.stdout)
        XCTAssertTrue(rows.first?.hasPrefix("epoch,step,") ?? false, csv.stdout)

        let plot = try MLP.run(args + ["--out", dir.file("m.safetensors"), "--plot", "-"])
        XCTAssertEqual(plot.status, 0, plot.stderr)
        XCTAssertTrue(plot.stdout.hasPrefix("<?xml"), String(plot.stdout.prefix(40)))
        XCTAssertEqual(plot.stdout.components(separatedBy: "<svg").count, 2, "one SVG document, at the end")
    }

    func testDashIsStandardOutputForEvaluateAndQuantize() throws {
        let dir = try TempDir()
        let args = try training(dir)
        let model = dir.file("m.safetensors")
        XCTAssertEqual(try MLP.run(args + ["--out", model]).status, 0)

        let plot = try MLP.run(["evaluate", "--model", model, "--data", dir.path, "--plot", "-"])
        XCTAssertEqual(plot.status, 0, plot.stderr)
        XCTAssertTrue(plot.stdout.hasPrefix("<?xml"), String(plot.stdout.prefix(40)))
        XCTAssertTrue(plot.stderr.hasPrefix("accuracy "), "the report goes to stderr: \(plot.stderr)")

        XCTAssertEqual(try MLP.run(["quantize", "--model", model, "--out", dir.file("q.safetensors")]).status, 0)
        let quantized = try MLP.runRaw(["quantize", "--model", model, "--out", "-"])
        XCTAssertEqual(quantized.status, 0, quantized.stderr)
        XCTAssertTrue(quantized.stdout == bytes(dir.file("q.safetensors")), "stdout holds the INT8 model (\(quantized.stdout.count) bytes)")
    }

    func testDashIsRefusedWhereStandardOutputCannotTakeIt() throws {
        let dir = try TempDir()
        let args = try training(dir)
        func refused(_ extra: [String], _ message: String, line: UInt = #line) throws {
            let r = try MLP.run(args + extra)
            XCTAssertEqual(r.status, 2, r.stderr, line: line)
            XCTAssertEqual(r.stdout, "", line: line)
            XCTAssertEqual(r.stderr.split(separator: "\n").first.map(String.init), "error: " + message, line: line)
        }
        try refused(
            ["--checkpoint", "-"],
            "--checkpoint - is standard output, but --checkpoint's file is replaced atomically: give a regular file or a new path")
        try refused(["--out", "-", "--json"], "--out - writes to standard output, where --json prints; give --out a file name")
        try refused(["--out", "-", "--log", "-"], "--out - and --log - both name standard output; give one of them a file name")
        let model = dir.file("m.safetensors")
        XCTAssertEqual(try MLP.run(args + ["--out", model]).status, 0)
        let r = try MLP.run(["evaluate", "--model", model, "--data", dir.path, "--plot", "-", "--json"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(
            r.stderr.split(separator: "\n").first.map(String.init),
            "error: --plot - writes to standard output, where --json prints; give --plot a file name")
    }

    /// A binary file is not written to a terminal: stdout on a pseudo-terminal.
    func testABinaryFileIsNotWrittenToATerminal() throws {
        // posix_openpt, unlockpt and ptsname by hand (Swift does not see them): /dev/ptmx, then
        // TIOCSPTLCK to unlock and TIOCGPTN for the number of /dev/pts/N (Linux's generic ioctl
        // numbers, _IOW('T', 0x31, int) and _IOR('T', 0x30, unsigned int)).
        let TIOCSPTLCK: UInt = 0x4004_5431
        let TIOCGPTN: UInt = 0x8004_5430
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        try XCTSkipIf(master < 0, "no pseudo-terminal")
        defer { close(master) }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        try XCTSkipIf(ioctl(master, TIOCSPTLCK, &unlock) != 0 || ioctl(master, TIOCGPTN, &number) != 0, "cannot unlock the pseudo-terminal")
        let name = "/dev/pts/\(number)"
        let slave = open(name, O_RDWR | O_NOCTTY)
        try XCTSkipIf(slave < 0, "cannot open \(name)")
        let terminal = FileHandle(fileDescriptor: slave, closeOnDealloc: true)
        let dir = try TempDir()
        let args = try training(dir)
        XCTAssertEqual(try MLP.run(args + ["--out", dir.file("m.safetensors")]).status, 0)
        for command in [
            args + ["--out", "-"], ["export", "--model", dir.file("m.safetensors"), "--out", "-"],
            ["quantize", "--model", dir.file("m.safetensors"), "--out", "-"],
        ] {
            let r = try MLP.runRaw(command, stdout: terminal)
            XCTAssertEqual(r.status, 2, "\(command[0]): \(r.stderr)")
            XCTAssertTrue(
                r.stderr.hasPrefix(
                    "error: --out - would write a binary file to the terminal; redirect standard output (> FILE) or give a file name\n"),
                r.stderr)
        }
    }
}
