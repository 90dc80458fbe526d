// FileBytes.read(_:maxBytes:threads:), the CSV reader's way into a file: the same bytes and the
// same errors as FileBytes.read, whatever the thread count.

import TestSupport
import XCTest

@testable import Formats

final class CSVFileReadTests: XCTestCase {
    private var temporary: TempDir?

    override func setUpWithError() throws {
        temporary = try TempDir()
    }

    override func tearDownWithError() throws {
        temporary = nil
    }

    private func write(_ bytes: [UInt8], _ name: String) -> String {
        let path = temporary!.file(name)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var at = 0
        while at < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + at, $0.count - at) }
            XCTAssertGreaterThan(n, 0)
            at += n
        }
        close(fd)
        return path
    }

    func testSameBytesAsOneThread() throws {
        var rng = SeededGenerator(seed: 1)
        // 5 MiB and a bit, so that 2 and 3 threads each get a part of more than 1 MiB, with odd ends.
        let big = (0..<(5 << 20) + 12_345).map { _ in UInt8(truncatingIfNeeded: rng.next() >> 56) }
        for (name, bytes) in [("big", big), ("small", Array("a,b\n1,2\n".utf8)), ("empty", [])] {
            let path = write(bytes, name)
            for threads in [1, 2, 3] {
                let read = try FileBytes.read(path, threads: threads)
                XCTAssertEqual(read.count, bytes.count, "\(name), \(threads) threads")
                XCTAssertTrue(read == bytes, "\(name), \(threads) threads")
            }
        }
    }

    func testSameErrors() throws {
        for path in ["/nonexistent/file.csv", "/tmp"] {
            var plain = ""
            var parallel = ""
            do { _ = try FileBytes.read(path) } catch { plain = "\(error)" }
            do { _ = try FileBytes.read(path, threads: 2) } catch { parallel = "\(error)" }
            XCTAssertFalse(plain.isEmpty)
            XCTAssertEqual(plain, parallel)
        }
        // Too large for the limit.
        let path = write([UInt8](repeating: 0x41, count: 3 << 20), "large")
        XCTAssertThrowsError(try FileBytes.read(path, maxBytes: 1 << 20, threads: 2)) { error in
            XCTAssertTrue("\(error)".contains("larger than the 1048576-byte limit"), "\(error)")
        }
    }
}
