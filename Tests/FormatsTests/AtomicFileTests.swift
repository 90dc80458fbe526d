import Foundation
import Glibc
import TestSupport
import XCTest

@testable import Formats

final class AtomicFileTests: XCTestCase {
    private var temporary: TempDir?
    private var directory: String { temporary!.path }

    override func setUpWithError() throws {
        temporary = try TempDir()
    }

    override func tearDownWithError() throws {
        temporary = nil
    }

    private func contents(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { Array($0) }
    }

    private func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    func testWritesANewFile() throws {
        let path = directory + "/model.safetensors"
        try AtomicFile.write([1, 2, 3], to: path)
        XCTAssertEqual(contents(path), [1, 2, 3])
        XCTAssertEqual(try entries(), ["model.safetensors"])
    }

    func testOverwritingLeavesNoTemporaryFilesAndKeepsPermissions() throws {
        let path = directory + "/out.bin"
        try AtomicFile.write(Array(repeating: 7, count: 1000), to: path)
        XCTAssertEqual(chmod(path, 0o600), 0)
        try AtomicFile.write([9], to: path)
        XCTAssertEqual(contents(path), [9])
        XCTAssertEqual(try entries(), ["out.bin"])
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
    }

    func testWritesAnEmptyFile() throws {
        let path = directory + "/empty"
        try AtomicFile.write([], to: path)
        XCTAssertEqual(contents(path), [])
    }

    func testMissingDirectory() {
        let path = directory + "/no/such/out.bin"
        XCTAssertThrowsError(try AtomicFile.write([1], to: path)) { error in
            XCTAssertEqual(error as? FormatError, FormatError(path, "directory \(directory)/no/such does not exist"))
        }
    }

    func testParentIsAFile() throws {
        let file = directory + "/plain"
        try AtomicFile.write([1], to: file)
        XCTAssertThrowsError(try AtomicFile.write([1], to: file + "/out.bin")) { error in
            XCTAssertEqual(error as? FormatError, FormatError(file + "/out.bin", "\(file) is not a directory"))
        }
    }

    func testTargetIsADirectory() throws {
        let target = directory + "/sub"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        XCTAssertThrowsError(try AtomicFile.write([1], to: target)) { error in
            XCTAssertEqual(error as? FormatError, FormatError(target, "is a directory, cannot replace it with a file"))
        }
        XCTAssertThrowsError(try AtomicFile.write([1], to: target + "/")) { error in
            XCTAssertEqual(error as? FormatError, FormatError(target + "/", "is a directory path, expected a file name"))
        }
    }

    func testNonWritableDirectory() throws {
        try XCTSkipIf(geteuid() == 0, "root may write into any directory")
        let locked = directory + "/locked"
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
        XCTAssertEqual(chmod(locked, 0o500), 0)
        defer { chmod(locked, 0o700) }
        XCTAssertThrowsError(try AtomicFile.write([1], to: locked + "/out.bin")) { error in
            XCTAssertEqual(error as? FormatError, FormatError(locked + "/out.bin", "directory \(locked) is not writable"))
        }
    }

    /// A file size limit makes write(2) fail part way (after a short write), like a full disk would.
    func testFailedWriteKeepsThePreviousFileAndRemovesTheTemporaryFile() throws {
        let path = directory + "/out.bin"
        try AtomicFile.write([1, 2, 3], to: path)

        var saved = rlimit()
        XCTAssertEqual(getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved), 0)
        let previousHandler = signal(SIGXFSZ, SIG_IGN)
        var limited = saved
        limited.rlim_cur = 4096
        XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limited), 0)
        defer {
            setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
            signal(SIGXFSZ, previousHandler)
        }

        XCTAssertThrowsError(try AtomicFile.write(Array(repeating: 0, count: 100_000), to: path)) { error in
            XCTAssertEqual(error as? FormatError, FormatError(path, "cannot write: File too large (the previous file is unchanged)"))
        }
        XCTAssertEqual(contents(path), [1, 2, 3])
        XCTAssertEqual(try entries(), ["out.bin"])
    }
}
