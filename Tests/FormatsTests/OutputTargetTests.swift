// Writing an output never replaces what stands at the path unless it is a regular file: a symbolic
// link is followed to the file it names (which is replaced beside itself), a FIFO, socket or
// character device is written through, a block device or a loop of links is refused. Devices are
// made in a temporary directory (mknod, as root), never the machine's own /dev.
import Foundation
import Glibc
import TestSupport
import XCTest

@testable import Formats

final class OutputTargetTests: XCTestCase {
    private var temporary: TempDir?
    private var directory: String { temporary!.path }

    override func setUpWithError() throws {
        temporary = try TempDir()
    }

    override func tearDownWithError() throws {
        temporary = nil
    }

    private func path(_ name: String) -> String { directory + "/" + name }

    private func contents(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { Array($0) } }

    private func kind(_ path: String) -> mode_t {
        var info = stat()
        XCTAssertEqual(lstat(path, &info), 0, path)
        return info.st_mode & S_IFMT
    }

    /// glibc's makedev, for small numbers (a macro Swift does not see).
    private func deviceNumber(_ major: UInt64, _ minor: UInt64) -> dev_t { dev_t((major << 8) | minor) }

    private func bytes(_ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

    /// Reads everything from the FIFO at `path` on another thread (the writer's open waits for it).
    /// What it read, or nothing after 20 seconds (a writer that replaced the FIFO never reaches it).
    private func readFIFO(_ path: String) -> () -> [UInt8] {
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
        return { done.wait(timeout: .now() + 20) == .success ? box.data : [] }
    }

    // MARK: - Symbolic links

    func testASymbolicLinkStaysALinkAndItsFileGetsTheBytes() throws {
        let file = path("model.safetensors")
        let link = path("link.safetensors")
        try AtomicFile.write([1, 2, 3], to: file)
        XCTAssertEqual(chmod(file, 0o640), 0)
        XCTAssertEqual(symlink("model.safetensors", link), 0)
        try AtomicFile.write([4, 5], to: link)
        XCTAssertEqual(kind(link), S_IFLNK, "the link is still a link")
        XCTAssertEqual(contents(file), [4, 5], "the file it names was written")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int, 0o640)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: directory).sorted(), ["link.safetensors", "model.safetensors"],
            "no temporary file left")
    }

    /// l0 → sub/l1 → ../real/a: each relative link is read from its own directory.
    func testAChainOfRelativeLinksAcrossDirectories() throws {
        try FileManager.default.createDirectory(atPath: path("sub"), withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: path("real"), withIntermediateDirectories: false)
        XCTAssertEqual(symlink("../real/a", path("sub/l1")), 0)
        XCTAssertEqual(symlink("sub/l1", path("l0")), 0)
        XCTAssertEqual(try OutputTarget.resolve(path("l0")), .file(path("sub/../real/a")))
        try AtomicFile.write([9, 8, 7], to: path("l0"))
        XCTAssertEqual(kind(path("l0")), S_IFLNK)
        XCTAssertEqual(kind(path("sub/l1")), S_IFLNK)
        XCTAssertEqual(kind(path("real/a")), S_IFREG)
        XCTAssertEqual(contents(path("real/a")), [9, 8, 7])
        // Again, now that the file exists: replaced in its own directory, the links untouched.
        try AtomicFile.write([6], to: path("l0"))
        XCTAssertEqual(contents(path("real/a")), [6])
        XCTAssertEqual(kind(path("l0")), S_IFLNK)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("real")), ["a"])
    }

    func testADanglingLinkCreatesTheFileItNames() throws {
        XCTAssertEqual(symlink(path("new.bin"), path("link")), 0)
        try AtomicFile.write([1], to: path("link"))
        XCTAssertEqual(kind(path("link")), S_IFLNK)
        XCTAssertEqual(contents(path("new.bin")), [1])
    }

    func testADanglingLinkIntoAMissingDirectoryIsAnErrorBeforeWriting() throws {
        XCTAssertEqual(symlink("nodir/x.bin", path("link")), 0)
        XCTAssertThrowsError(try AtomicFile.check(path("link"))) { error in
            XCTAssertEqual(
                error as? FormatError,
                FormatError(path("link"), "is a symbolic link to \(path("nodir/x.bin")), whose directory \(path("nodir")) does not exist"))
        }
        XCTAssertThrowsError(try AtomicFile.write([1], to: path("link")))
        XCTAssertEqual(kind(path("link")), S_IFLNK)
    }

    func testALoopOfLinksIsRefused() throws {
        XCTAssertEqual(symlink("b", path("a")), 0)
        XCTAssertEqual(symlink("a", path("b")), 0)
        XCTAssertThrowsError(try AtomicFile.write([1], to: path("a"))) { error in
            XCTAssertEqual(error as? FormatError, FormatError(path("a"), "is a chain of symbolic links that loops (or is longer than 40)"))
        }
        XCTAssertEqual(kind(path("a")), S_IFLNK)
    }

    func testALinkToADirectoryIsRefused() throws {
        try FileManager.default.createDirectory(atPath: path("d"), withIntermediateDirectories: false)
        XCTAssertEqual(symlink("d", path("link")), 0)
        XCTAssertThrowsError(try AtomicFile.write([1], to: path("link"))) { error in
            XCTAssertEqual(error as? FormatError, FormatError(path("link"), "is a directory, cannot replace it with a file"))
        }
    }

    // MARK: - FIFOs, sockets, devices

    func testAFIFOIsWrittenThroughToItsReader() throws {
        let fifo = path("pipe")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertEqual(try OutputTarget.resolve(fifo), .stream(.fifo))
        let received = readFIFO(fifo)
        let sent = bytes(300_000)  // more than a pipe holds: the writer waits for the reader
        try AtomicFile.write(sent, to: fifo)
        let got = received()
        XCTAssertTrue(got == sent, "the reader got \(got.count) bytes of \(sent.count)")
        XCTAssertEqual(kind(fifo), S_IFIFO, "the FIFO is still a FIFO")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["pipe"])
    }

    func testALinkToAFIFOWritesThroughIt() throws {
        let fifo = path("pipe")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertEqual(symlink("pipe", path("link")), 0)
        let received = readFIFO(fifo)
        try AtomicFile.write([1, 2, 3], to: path("link"))
        XCTAssertEqual(received(), [1, 2, 3])
        XCTAssertEqual(kind(path("link")), S_IFLNK)
        XCTAssertEqual(kind(fifo), S_IFIFO)
    }

    func testAFIFOIsRefusedWhereAtomicityIsRequired() throws {
        let fifo = path("pipe")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertThrowsError(try AtomicFile.write([1], to: fifo, requireAtomic: true)) { error in
            XCTAssertEqual(
                error as? FormatError,
                FormatError(fifo, "is a FIFO (named pipe), which cannot be replaced atomically; give the name of a regular file"))
        }
        XCTAssertEqual(kind(fifo), S_IFIFO)
        XCTAssertThrowsError(try AtomicFile.write([1], to: "-", requireAtomic: true)) { error in
            XCTAssertEqual(
                error as? FormatError,
                FormatError("-", "is standard output, which cannot be replaced atomically; give the name of a regular file"))
        }
    }

    func testASocketIsWrittenThroughToItsPeer() throws {
        let name = path("s")
        let server = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(server, 0)
        defer { close(server) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(name.utf8))
            raw[name.utf8.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(bound, 0)
        XCTAssertEqual(listen(server, 1), 0)
        final class Box: @unchecked Sendable { var data: [UInt8] = [] }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let peer = accept(server, nil, nil)
            var chunk = [UInt8](repeating: 0, count: 65536)
            while peer >= 0 {
                let n = read(peer, &chunk, chunk.count)
                if n <= 0 { break }
                box.data += chunk[..<n]
            }
            if peer >= 0 { close(peer) }
            done.signal()
        }
        let sent = bytes(200_000)
        try AtomicFile.write(sent, to: name)
        done.wait()
        XCTAssertTrue(box.data == sent, "the peer got \(box.data.count) bytes of \(sent.count)")
        XCTAssertEqual(kind(name), S_IFSOCK, "the socket is still a socket")
    }

    /// A character device of our own (the same device as /dev/null, made in the test's directory):
    /// written through, and still a device afterwards. The machine's /dev/null is never touched.
    func testACharacterDeviceIsWrittenThrough() throws {
        try XCTSkipIf(geteuid() != 0, "making a device node needs root")
        let device = path("null")
        XCTAssertEqual(mknod(device, S_IFCHR | 0o666, deviceNumber(1, 3)), 0)
        XCTAssertEqual(try OutputTarget.resolve(device), .stream(.characterDevice))
        try AtomicFile.write(bytes(400_000), to: device)
        XCTAssertEqual(kind(device), S_IFCHR, "the device is still a device")
        var info = stat()
        XCTAssertEqual(stat(device, &info), 0)
        XCTAssertEqual(info.st_rdev, deviceNumber(1, 3))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["null"], "no temporary file left")
        XCTAssertThrowsError(try AtomicFile.write([1], to: device, requireAtomic: true)) { error in
            XCTAssertEqual(
                error as? FormatError,
                FormatError(device, "is a character device, which cannot be replaced atomically; give the name of a regular file"))
        }
        XCTAssertEqual(kind(device), S_IFCHR)
    }

    func testABlockDeviceIsRefused() throws {
        try XCTSkipIf(geteuid() != 0, "making a device node needs root")
        let device = path("disk")
        XCTAssertEqual(mknod(device, S_IFBLK | 0o600, deviceNumber(7, 200)), 0)
        XCTAssertThrowsError(try AtomicFile.write([1], to: device)) { error in
            XCTAssertEqual(
                error as? FormatError,
                FormatError(device, "is a block device; mlp writes regular files, character devices, FIFOs and sockets"))
        }
        XCTAssertEqual(kind(device), S_IFBLK)
    }

    func testDashIsStandardOutput() throws {
        XCTAssertEqual(try OutputTarget.resolve("-"), .standardOutput)
        XCTAssertThrowsError(try OutputTarget.resolve("")) { error in
            XCTAssertEqual(error as? FormatError, FormatError("", "is an empty file name"))
        }
    }

    // MARK: - A file that grows

    func testAGrowingFileRewritesARegularFileWhole() throws {
        let file = path("log.jsonl")
        let log = try GrowingFile(path: file)
        try log.update(Array("a\n".utf8))
        try log.update(Array("a\nb\n".utf8))
        XCTAssertEqual(contents(file), Array("a\nb\n".utf8))
    }

    func testAGrowingFileSendsAPipeOnlyWhatIsNew() throws {
        let fifo = path("pipe")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let received = readFIFO(fifo)
        do {
            let log = try GrowingFile(path: fifo)
            try log.update(Array("one\n".utf8))
            try log.update(Array("one\ntwo\n".utf8))
            try log.update(Array("one\ntwo\nthree\n".utf8))
        }
        XCTAssertEqual(String(decoding: received(), as: UTF8.self), "one\ntwo\nthree\n", "each line once")
        XCTAssertEqual(kind(fifo), S_IFIFO)
    }
}
