// IDX reading end to end: round trips, and every malformed file failing with its exact message.
// All inputs are generated here into a temporary directory; no binary blobs are committed.

import Foundation
import Glibc
import TestSupport
import XCTest

@testable import Formats

final class IDXTests: XCTestCase {
    private var temporary: TempDir?
    private var dir: String { temporary!.path }

    override func setUpWithError() throws {
        temporary = try TempDir()
    }

    override func tearDownWithError() throws {
        if let temporary { chmod(temporary.file("unreadable"), 0o644) }
        temporary = nil
    }

    // MARK: - Helpers

    /// Writes `bytes` to `name` in the temp dir and returns the path.
    private func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Asserts `body` throws a FormatError for `path` with exactly `message`.
    private func assertFails<T>(
        _ path: String, _ message: String, file: StaticString = #filePath, line: UInt = #line,
        _ body: () throws -> T
    ) {
        do {
            _ = try body()
            XCTFail("expected failure: \(message)", file: file, line: line)
        } catch let error as FormatError {
            XCTAssertEqual(error.path, path, file: file, line: line)
            XCTAssertEqual(error.message, message, file: file, line: line)
            XCTAssertEqual(error.description, "\(path): \(message)", file: file, line: line)
        } catch {
            XCTFail("expected a FormatError, got \(error)", file: file, line: line)
        }
    }

    private func images(count: Int, rows: Int = 28, cols: Int = 28) -> [UInt8] {
        let pixels = (0..<(count * rows * cols)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        return IDXWriter.encode(dims: [count, rows, cols], data: pixels)
    }

    private func labels(_ values: [UInt8]) -> [UInt8] {
        IDXWriter.encode(dims: [values.count], data: values)
    }

    // MARK: - Round trips

    func testRawRoundTrip() throws {
        let pixels = (0..<(3 * 4 * 5)).map { UInt8($0) }
        let path = try write("images", IDXWriter.encode(dims: [3, 4, 5], data: pixels))
        let read = try IDXReader.readImages(path: path)
        XCTAssertEqual(read, IDXImages(count: 3, rows: 4, cols: 5, pixels: pixels))
    }

    func testGzipRoundTrip() throws {
        let values: [UInt8] = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]
        let path = try write("labels.gz", Gzip.compress(labels(values)))
        XCTAssertEqual(try IDXReader.readLabels(path: path), values)
    }

    func testGzipDetectedByMagicNotName() throws {
        let bytes = images(count: 2, rows: 3, cols: 3)
        let gz = try write("images.idx", Gzip.compress(bytes))
        let raw = try write("images.gz", bytes)
        XCTAssertEqual(try IDXReader.read(path: gz), try IDXReader.read(path: raw))
    }

    func testMultiByteTypes() throws {
        let data = (0..<24).map { UInt8($0) }
        let array = try IDXReader.parse(IDXWriter.encode(type: 0x0D, dims: [2, 3], data: data), path: "f")
        XCTAssertEqual(array, IDXArray(type: 0x0D, dims: [2, 3], data: data))
    }

    func testMultiMemberGzip() throws {
        let bytes = labels([1, 2, 3, 4, 5, 6])
        let joined = Gzip.compress(Array(bytes[..<7])) + Gzip.compress(Array(bytes[7...]))
        XCTAssertEqual(try IDXReader.parse(joined, path: "f").data, [1, 2, 3, 4, 5, 6])
    }

    func testCheckPairAcceptsMatchingCounts() throws {
        let images = IDXImages(count: 2, rows: 1, cols: 1, pixels: [0, 0])
        try IDXReader.checkPair(images: images, imagesPath: "i", labels: [0, 1], labelsPath: "l")
    }

    // MARK: - Malformed headers

    func testEmptyFile() throws {
        let path = try write("empty", [])
        assertFails(path, "empty file, expected an IDX header") { try IDXReader.read(path: path) }
    }

    func testShorterThanMagic() throws {
        let path = try write("short", [0, 0, 8])
        assertFails(path, "file is 3 bytes, shorter than the 4-byte IDX magic") { try IDXReader.read(path: path) }
    }

    func testShorterThanHeader() throws {
        let path = try write("header", [0, 0, 8, 3, 0, 0, 0, 2, 0, 0])
        assertFails(path, "truncated in the header: file is 10 bytes but 3 dimensions need a 16-byte header") {
            try IDXReader.read(path: path)
        }
    }

    func testWrongMagic() throws {
        let path = try write("zip", [0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0])
        assertFails(path, "bad magic bytes 50 4B 03 04 at offset 0, expected 00 00 <type> <ndims> (is this an IDX file?)") {
            try IDXReader.read(path: path)
        }
    }

    func testUnsupportedType() throws {
        let path = try write("type", IDXWriter.encode(type: 0x07, dims: [1], data: [0]))
        assertFails(path, "unsupported IDX type code 0x07 at offset 2, expected one of 0x08 0x09 0x0B 0x0C 0x0D 0x0E") {
            try IDXReader.read(path: path)
        }
    }

    func testZeroDimensions() throws {
        let path = try write("zero", [0, 0, 8, 0])
        assertFails(path, "the header at offset 3 declares 0 dimensions, expected at least 1") {
            try IDXReader.read(path: path)
        }
    }

    func testImagesNeedThreeDimensions() throws {
        let path = try write("images2d", IDXWriter.encode(dims: [2, 3], data: [UInt8](repeating: 0, count: 6)))
        assertFails(path, "images must have 3 dimensions (count, rows, cols), the header at offset 3 says 2") {
            try IDXReader.readImages(path: path)
        }
    }

    func testImagesNeedUnsignedBytes() throws {
        let path = try write("floats", IDXWriter.encode(type: 0x0D, dims: [1, 1, 1], data: [0, 0, 0, 0]))
        assertFails(path, "images must be unsigned bytes (type 0x08), the header at offset 2 says 0x0D (float)") {
            try IDXReader.readImages(path: path)
        }
    }

    func testImagesNeedPixels() throws {
        let path = try write("noPixels", IDXWriter.encode(dims: [5, 0, 28], data: []))
        assertFails(path, "images must have at least one row and one column, the header at offset 8 says 0×28") {
            try IDXReader.readImages(path: path)
        }
    }

    func testLabelsNeedOneDimension() throws {
        let path = try write("labels3d", images(count: 1, rows: 2, cols: 2))
        assertFails(path, "labels must have 1 dimension (count), the header at offset 3 says 3") {
            try IDXReader.readLabels(path: path)
        }
    }

    // MARK: - Sizes against the real file

    func testDimensionProductOverflows() throws {
        let path = try write("overflow", IDXWriter.encode(dims: [4_294_967_295, 4_294_967_295, 4_294_967_295], data: []))
        assertFails(path, "dimension sizes 4294967295×4294967295×4294967295 overflow") { try IDXReader.read(path: path) }
    }

    func testElementSizeOverflows() throws {
        let huge = [4_294_967_295, 4_294_967_295 / 2]
        let path = try write("overflowDouble", IDXWriter.encode(type: 0x0E, dims: huge, data: []))
        assertFails(path, "dimension sizes 4294967295×2147483647 overflow") { try IDXReader.read(path: path) }
    }

    func testFourBillionImagesFailAtOnce() throws {
        // Data for ten images only: the claim must be refused without allocating for it.
        let pixels = [UInt8](repeating: 7, count: 10 * 28 * 28)
        let path = try write("billions", IDXWriter.encode(dims: [4_294_967_295, 28, 28], data: pixels))
        let start = Date()
        assertFails(path, "truncated in the data: file has 7840 bytes of data but the header declares 3367254359280 (4294967295×28×28)") {
            try IDXReader.readImages(path: path)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
    }

    func testTruncatedMidData() throws {
        let bytes = images(count: 3, rows: 2, cols: 2)
        let path = try write("cut", Array(bytes[..<(bytes.count - 5)]))
        assertFails(path, "truncated in the data: file has 7 bytes of data but the header declares 12 (3×2×2)") {
            try IDXReader.readImages(path: path)
        }
    }

    func testTruncatedMultiByteData() throws {
        let path = try write("cutInts", IDXWriter.encode(type: 0x0C, dims: [2, 3], data: [UInt8](repeating: 1, count: 20)))
        assertFails(path, "truncated in the data: file has 20 bytes of data but the header declares 24 (2×3 elements of 4 bytes)") {
            try IDXReader.read(path: path)
        }
    }

    func testTrailingGarbage() throws {
        let path = try write("trailing", images(count: 2, rows: 2, cols: 2) + [0xDE, 0xAD, 0xBE])
        assertFails(path, "3 bytes of trailing data after the 8 bytes of data the header declares (2×2×2), starting at offset 24") {
            try IDXReader.readImages(path: path)
        }
    }

    func testGzippedTruncatedData() throws {
        let bytes = images(count: 3, rows: 2, cols: 2)
        let path = try write("cut.gz", Gzip.compress(Array(bytes[..<20])))
        assertFails(path, "truncated in the data: decompressed file has 4 bytes of data but the header declares 12 (3×2×2)") {
            try IDXReader.readImages(path: path)
        }
    }

    // MARK: - Images against labels

    func testCountMismatch() throws {
        let imagesPath = try write("train-images-idx3-ubyte", images(count: 4, rows: 2, cols: 2))
        let labelsPath = try write("train-labels-idx1-ubyte", labels([0, 1, 2]))
        let images = try IDXReader.readImages(path: imagesPath)
        let labels = try IDXReader.readLabels(path: labelsPath)
        assertFails(labelsPath, "3 labels but 4 images in \(imagesPath)") {
            try IDXReader.checkPair(images: images, imagesPath: imagesPath, labels: labels, labelsPath: labelsPath)
        }
    }

    func testLabelNotBelowClassCount() throws {
        var values = [UInt8](repeating: 3, count: 400)
        values[345] = 12
        let path = try write("labels", labels(values))
        assertFails(path, "label 12 at index 345 is not below the class count 10") { try IDXReader.readLabels(path: path) }
        XCTAssertEqual(try IDXReader.readLabels(path: path, classCount: 13), values)
    }

    // MARK: - Broken gzip

    func testTruncatedGzip() throws {
        let gz = Gzip.compress(images(count: 20, rows: 8, cols: 8))
        let path = try write("cut.gz", Array(gz[..<(gz.count - 30)]))
        assertFails(path, "gzip data truncated at byte \(gz.count - 30): expected more compressed data") {
            try IDXReader.read(path: path)
        }
    }

    func testGzipBadCRC() throws {
        var gz = Gzip.compress(images(count: 2, rows: 4, cols: 4))
        gz[gz.count - 6] ^= 0xFF  // inside the CRC-32 (the trailer is CRC-32 then length, 4 bytes each)
        let path = try write("crc.gz", gz)
        assertFails(path, "corrupt gzip data near byte \(gz.count - 4): incorrect data check") { try IDXReader.read(path: path) }
    }

    func testGzipTrailingGarbage() throws {
        let gz = Gzip.compress(labels([1, 2, 3]))
        let path = try write("garbage.gz", gz + [0, 0, 0, 0])
        assertFails(
            path,
            "4 bytes of trailing data after the gzip stream at byte \(gz.count), expected another gzip member (1f 8b) or the end of the file"
        ) {
            try IDXReader.read(path: path)
        }
    }

    func testGzipCorruptHeader() throws {
        let path = try write("method.gz", [0x1f, 0x8b, 0x07, 0, 0, 0, 0, 0, 0, 3, 0, 0])
        assertFails(path, "corrupt gzip data near byte 4: unknown compression method") { try IDXReader.read(path: path) }
    }

    func testDecompressionBombIsRefused() throws {
        let gz = Gzip.compress([UInt8](repeating: 0, count: 1 << 20), level: 9)
        assertFails("bomb.gz", "gzip data decompresses to more than the 65536-byte limit (a decompression bomb or a file too large)") {
            try Gzip.decompress(gz, path: "bomb.gz", maxOutput: 1 << 16)
        }
        XCTAssertEqual(try Gzip.decompress(gz, path: "bomb.gz", maxOutput: 1 << 20).count, 1 << 20)
    }

    func testParseCapsDecompressedSize() throws {
        let gz = Gzip.compress(IDXWriter.encode(dims: [1 << 20], data: [UInt8](repeating: 1, count: 1 << 20)))
        assertFails("bomb.gz", "gzip data decompresses to more than the 4096-byte limit (a decompression bomb or a file too large)") {
            try IDXReader.parse(gz, path: "bomb.gz", maxDecompressed: 4096)
        }
    }

    func testGzipLargeRoundTrip() throws {
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 ^ $0 >> 9) }
        let gz = Gzip.compress(bytes)
        XCTAssertTrue(Gzip.isGzip(gz))
        XCTAssertEqual(try Gzip.decompress(gz, path: "big.gz"), bytes)
        XCTAssertEqual(try Gzip.decompress(Gzip.compress([]), path: "empty.gz"), [])
    }

    // MARK: - The file system

    func testDirectory() throws {
        assertFails(dir, "is a directory, expected a file") { try IDXReader.read(path: dir) }
    }

    func testNonexistentFile() throws {
        let path = dir + "/missing"
        assertFails(path, "no such file") { try IDXReader.read(path: path) }
    }

    func testParentIsAFile() throws {
        let parent = try write("plain", [1, 2, 3])
        let path = parent + "/child"
        assertFails(path, "cannot be opened: Not a directory") { try IDXReader.read(path: path) }
    }

    func testUnreadableFile() throws {
        if geteuid() == 0 { throw XCTSkip("root can read a chmod 000 file") }
        let path = try write("unreadable", labels([1]))
        chmod(path, 0)
        assertFails(path, "cannot be read: permission denied") { try IDXReader.read(path: path) }
    }

    func testFileOverTheSizeLimit() throws {
        let path = try write("big", [UInt8](repeating: 0, count: 100))
        assertFails(path, "file is 100 bytes, larger than the 99-byte limit") { try FileBytes.read(path, maxBytes: 99) }
        XCTAssertEqual(try FileBytes.read(path, maxBytes: 100).count, 100)
    }
}
