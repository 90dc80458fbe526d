// AtomicFile removes the temporary files of writers that were killed, and nothing else: only
// `.NAME.tmp-PID-HEX` for the NAME being written, and only when PID is not a live process.
import Foundation
import Glibc
import TestSupport
import XCTest

@testable import Formats

final class AtomicFileStaleTests: XCTestCase {
    private var temporary: TempDir?
    private var directory: String { temporary!.path }

    override func setUpWithError() throws {
        temporary = try TempDir()
    }

    override func tearDownWithError() throws {
        temporary = nil
    }

    /// The PID of a process that has exited (and been reaped).
    private func deadPID() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    func testRemovesOnlyTheStaleTemporariesOfTheFileBeingWritten() throws {
        let dead = try deadPID()
        let names = [
            ".m.bin.tmp-\(dead)-1a2b",  // stale: removed
            ".m.bin.tmp-\(dead)-ffffffff",  // stale: removed
            ".m.bin.tmp-\(getpid())-1a2b",  // this process is alive: kept
            ".m.bin.tmp-1-1a2b",  // init is alive: kept
            ".other.bin.tmp-\(dead)-1a2b",  // another file's: kept
            ".m.bin.tmp-\(dead)-xyz",  // not the pattern: kept
            ".m.bin.tmp-\(dead)-1A2B",  // upper case is not what AtomicFile writes: kept
            ".m.bin.tmp-\(dead)-1a2b-extra",  // kept
            ".m.bin.tmp-\(dead)",  // kept
            "m.bin.tmp-\(dead)-1a2b",  // no leading dot: kept
        ]
        for n in names { try Data([1]).write(to: URL(fileURLWithPath: directory + "/" + n)) }
        try AtomicFile.write([7], to: directory + "/m.bin")
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: directory))
        XCTAssertEqual(left, Set(names.dropFirst(2) + ["m.bin"]))
    }

    func testARefusedWriteTouchesNothing() throws {
        let dead = try deadPID()
        let stale = directory + "/.d.tmp-\(dead)-abc"
        try Data([1]).write(to: URL(fileURLWithPath: stale))
        try FileManager.default.createDirectory(atPath: directory + "/d", withIntermediateDirectories: false)
        XCTAssertThrowsError(try AtomicFile.write([1], to: directory + "/d"))  // d is a directory
        // Refused before any temporary file is involved: the stale one stays until a real write.
        XCTAssertTrue(FileManager.default.fileExists(atPath: stale))
    }
}
