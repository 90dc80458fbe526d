// The header peek the commands use to refuse files too large for memory: it reads only the start
// of a file (inflating only the first kilobyte of a gzip file) and must agree with the full parse.
import Foundation
import XCTest

@testable import Formats

final class IDXHeaderTests: XCTestCase {
    func assertAgrees(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws {
        let full = try IDXReader.parse(bytes, path: "f")
        let head = IDXReader.header(of: Array(bytes.prefix(1 << 16)), fileSize: bytes.count)
        XCTAssertEqual(head?.type, full.type, file: file, line: line)
        XCTAssertEqual(head?.dims, full.dims, file: file, line: line)
        XCTAssertEqual(head?.compressed, Gzip.isGzip(bytes), file: file, line: line)
    }

    func testRawAndGzip() throws {
        let raw = IDXWriter.encode(dims: [3, 2, 2], data: Array(0..<12))
        try assertAgrees(raw)
        try assertAgrees(Gzip.compress(raw))
        let h = try XCTUnwrap(IDXReader.header(of: Gzip.compress(raw), fileSize: 40))
        XCTAssertEqual(h.dataBytes, 12)
        XCTAssertEqual(h.bytesToRead, 40 + 12 + 16)
        XCTAssertEqual(IDXReader.header(of: raw, fileSize: raw.count)?.bytesToRead, raw.count)
    }

    func testAHeaderSplitAcrossGzipMembers() throws {
        let raw = IDXWriter.encode(dims: [3, 2, 2], data: Array(0..<12))
        try assertAgrees(Gzip.compress(Array(raw.prefix(6))) + Gzip.compress(Array(raw.dropFirst(6))))
        try assertAgrees(Gzip.compress([]) + Gzip.compress([]) + Gzip.compress(raw))
    }

    /// Found by the idx fuzz target: an empty first gzip member, then the IDX file in a second one.
    /// The peek stopped at the end of the first member and saw no header at all.
    func testFuzzFindingEmptyFirstMember() throws {
        let input: [UInt8] = [
            0x1f, 0x8b, 0x08, 0x00, 0x00, 0x63, 0x02, 0x04, 0x60, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x63, 0x60,
            0xe0, 0x60, 0x66, 0x80, 0x00, 0x16, 0x10, 0x06, 0x00, 0x74, 0x5b, 0xc5, 0x90, 0x10, 0x00, 0x00,
            0x00,
        ]
        try assertAgrees(input)
    }

    func testNoHeader() {
        XCTAssertNil(IDXReader.header(of: [], fileSize: 0))
        XCTAssertNil(IDXReader.header(of: [0, 0, 8], fileSize: 3))
        XCTAssertNil(IDXReader.header(of: [0, 0, 8, 2, 0, 0, 0, 1], fileSize: 8))  // 2 dims need 12 bytes
        XCTAssertNil(IDXReader.header(of: [0, 0, 7, 1, 0, 0, 0, 1], fileSize: 8))  // no such type
        XCTAssertNil(IDXReader.header(of: Array(Gzip.compress([0, 0, 8, 1, 0, 0, 0, 1]).prefix(12)), fileSize: 12))
    }
}
