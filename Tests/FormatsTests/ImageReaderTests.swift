// PGM (P2, P5) and PNG (gray, RGB, RGBA) images: good files decode to the right pixels, every
// malformed file is one FormatError naming the file, and ImageFile tells formats apart by magic.
import CPNG
import Foundation
import TestSupport
import XCTest

@testable import Formats

final class ImageReaderTests: XCTestCase {
    let path = "digit.img"

    func parsePGM(_ text: String) throws -> IDXImages { try PGMReader.parse(Array(text.utf8), path: path) }

    func assertError(_ expected: String, _ body: () throws -> Any, line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { e in
            XCTAssertEqual((e as? FormatError)?.description, "\(path): \(expected)", line: line)
            XCTAssertFalse("\(e)".contains("\n"), line: line)
        }
    }

    /// A PNG written by libpng's simplified API, in `format` (PNG_FORMAT_GRAY, _RGB, _RGBA...).
    static func encodePNG(width: Int, height: Int, format: Int32, channels: Int, pixels: [UInt8]) -> [UInt8] {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = png_uint_32(format)
        var size: png_alloc_size_t = 0
        let stride = png_int_32(width * channels)
        _ = pixels.withUnsafeBytes { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, stride, nil) }
        var out = [UInt8](repeating: 0, count: Int(size))
        let ok = out.withUnsafeMutableBytes { o in
            pixels.withUnsafeBytes { png_image_write_to_memory(&image, o.baseAddress, &size, 0, $0.baseAddress, stride, nil) }
        }
        precondition(ok != 0, "libpng could not write the test image")
        return Array(out.prefix(Int(size)))
    }

    func testPGMASCIIWithCommentsAndScaling() throws {
        let img = try parsePGM("P2\n# a comment\n3 2 # trailing comment\n15\n0 15 7\n1 2 3\n")
        XCTAssertEqual(img.count, 1)
        XCTAssertEqual(img.rows, 2)
        XCTAssertEqual(img.cols, 3)
        XCTAssertEqual(img.pixels, [0, 255, 119, 17, 34, 51], "0–15 rescaled to 0–255, rounded")
    }

    func testPGMBinary() throws {
        let bytes = Array("P5 2 2\n255\n".utf8) + [0, 128, 255, 7]
        let img = try PGMReader.parse(bytes, path: path)
        XCTAssertEqual(img.pixels, [0, 128, 255, 7])
        XCTAssertEqual(img.rows, 2)
    }

    func testMalformedPGM() {
        assertError("header ends before the height (expected P2/P5 width height maxval)") { try self.parsePGM("P2 3\n") }
        assertError("width at byte 3 is not a decimal number") { try self.parsePGM("P2 x 2 255\n") }
        assertError("maxval is 65535, expected 1 to 255 (16-bit PGM is not supported)") { try self.parsePGM("P2 1 1 65535 0") }
        assertError("maxval is 0, expected 1 to 255 (16-bit PGM is not supported)") { try self.parsePGM("P2 1 1 0 0") }
        assertError("image is 0×1, expected at least 1×1") { try self.parsePGM("P2 0 1 255\n") }
        assertError("pixel data ends after 2 of 4 values (2×2)") { try self.parsePGM("P2 2 2 255\n1 2\n") }
        assertError("pixel 1 is 300, above maxval 255") { try self.parsePGM("P2 2 1 255\n1 300\n") }
        assertError("more than 2 pixel values (2×1); expected one image per file") { try self.parsePGM("P2 2 1 255\n1 2 3\n") }
        assertError("width at byte 3 is larger than 16384") { try self.parsePGM("P2 99999999999999999999 1 255\n") }
        assertError("pixel data ends after 1 of 4 bytes (2×2)") { try PGMReader.parse(Array("P5 2 2 255\n".utf8) + [1], path: self.path) }
        assertError("2 bytes after the 1×1 image; expected one image per file") {
            try PGMReader.parse(Array("P5 1 1 255\n".utf8) + [1, 2, 3], path: self.path)
        }
        assertError("pixel 0 is 9, above maxval 7") { try PGMReader.parse(Array("P5 1 1 7\n".utf8) + [9], path: self.path) }
    }

    func testPNGGrayRGBAndAlpha() throws {
        let gray: [UInt8] = [0, 50, 100, 150, 200, 255]
        let g = try PNGReader.parse(
            Self.encodePNG(width: 3, height: 2, format: Int32(PNG_FORMAT_GRAY), channels: 1, pixels: gray), path: path)
        XCTAssertEqual(g.rows, 2)
        XCTAssertEqual(g.cols, 3)
        XCTAssertEqual(g.pixels, gray)
        // RGB grays (r = g = b) stay the same gray
        let rgb = gray.flatMap { [$0, $0, $0] }
        let c = try PNGReader.parse(
            Self.encodePNG(width: 3, height: 2, format: Int32(PNG_FORMAT_RGB), channels: 3, pixels: rgb), path: path)
        for (a, b) in zip(c.pixels, gray) { XCTAssertEqual(Int(a), Int(b), accuracy: 1) }
        // fully transparent pixels become black, opaque ones keep their gray
        let rgba: [UInt8] = [255, 255, 255, 0, 255, 255, 255, 255]
        let t = try PNGReader.parse(
            Self.encodePNG(width: 2, height: 1, format: Int32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA), channels: 4, pixels: rgba),
            path: path)
        XCTAssertEqual(t.pixels, [0, 255])
    }

    func testSixteenBitPNGIsReducedToEightBits() throws {
        // libpng writes linear 16-bit gray; reading converts it to 8-bit sRGB gray: ends stay ends
        let wide: [UInt16] = [0, 65535]
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = 2
        image.height = 1
        image.format = png_uint_32(PNG_FORMAT_FLAG_LINEAR)
        var size: png_alloc_size_t = 1 << 12
        var out = [UInt8](repeating: 0, count: Int(size))
        let ok = out.withUnsafeMutableBytes { o in
            wide.withUnsafeBytes { png_image_write_to_memory(&image, o.baseAddress, &size, 0, $0.baseAddress, 2, nil) }
        }
        XCTAssertNotEqual(ok, 0)
        XCTAssertEqual(out[24], 16, "bit depth in IHDR")
        XCTAssertEqual(try PNGReader.parse(Array(out.prefix(Int(size))), path: path).pixels, [0, 255])
    }

    func testMalformedPNG() throws {
        let good = Self.encodePNG(
            width: 4, height: 4, format: Int32(PNG_FORMAT_GRAY), channels: 1, pixels: [UInt8](repeating: 9, count: 16))
        assertError("not a PNG file: the 8-byte signature is wrong or cut short") {
            try PNGReader.parse(Array(good.prefix(5)), path: self.path)
        }
        // cut in the middle of the data, or with a damaged header CRC: one line naming the file
        for bad in [
            Array(good.prefix(good.count / 2)), Array(good.prefix(20)),
            {
                var b = good
                b[29] ^= 0xFF
                return b
            }(),
        ] {
            XCTAssertThrowsError(try PNGReader.parse(bad, path: path)) { e in
                let m = (e as? FormatError)?.description ?? ""
                XCTAssertTrue(m.hasPrefix("\(self.path): malformed PNG: "), m)
                XCTAssertFalse(m.contains("\n"))
            }
        }
    }

    func testImageFileDetectsFormatByMagic() throws {
        let temporary = try TempDir()
        let dir = temporary.path
        let pixels: [UInt8] = [1, 2, 3, 4]
        let files: [(String, [UInt8])] = [
            ("a.pgm", Array("P5 2 2 255\n".utf8) + pixels),
            ("a.png", Self.encodePNG(width: 2, height: 2, format: Int32(PNG_FORMAT_GRAY), channels: 1, pixels: pixels)),
            ("a.idx", IDXWriter.encode(dims: [1, 2, 2], data: pixels)),
            ("a.gz", Gzip.compress(IDXWriter.encode(dims: [1, 2, 2], data: pixels))),
        ]
        for (name, bytes) in files {
            // the name says nothing: swap extensions around
            let p = dir + "/x-" + name.replacingOccurrences(of: ".", with: "_")
            try Data(bytes).write(to: URL(fileURLWithPath: p))
            let img = try ImageFile.read(path: p)
            XCTAssertEqual(img.pixels, pixels, name)
            XCTAssertEqual(img.rows, 2, name)
        }
        let junk = dir + "/junk.txt"
        try Data("hello".utf8).write(to: URL(fileURLWithPath: junk))
        XCTAssertThrowsError(try ImageFile.read(path: junk)) { e in
            XCTAssertEqual(
                "\(e)", "\(junk): starts with 68 65 6C 6C: not an IDX (00 00), gzip, PGM (P2/P5) or PNG (89 50 4E 47) image file")
        }
    }
}
