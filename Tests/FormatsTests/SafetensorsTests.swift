import Foundation
import Glibc
import TestSupport
import XCTest

@testable import Formats

final class SafetensorsTests: XCTestCase {
    /// An 8-byte little-endian length, the header text, then `data`.
    private func file(_ header: String, data: [UInt8] = []) -> [UInt8] {
        let headerBytes = Array(header.utf8)
        let bytes = withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { Array($0) }
        return bytes + headerBytes + data
    }

    private func floats(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
    }

    private func assertDecodeError(_ bytes: [UInt8], _ message: String, line: UInt = #line) {
        XCTAssertThrowsError(try Safetensors.decode(bytes, path: "m.st"), line: line) { error in
            XCTAssertEqual(error as? FormatError, FormatError("m.st", message), line: line)
        }
    }

    /// A header with one tensor entry `entry` and `data` as its buffer.
    private func assertEntryError(_ entry: String, data: [UInt8] = [], _ message: String, line: UInt = #line) {
        assertDecodeError(file(#"{"w":\#(entry)}"#, data: data), message, line: line)
    }

    private func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

    // MARK: Writing

    func testEncodedLayoutMatchesTheSpecByteForByte() {
        let bytes = Safetensors.encode(
            tensors: [
                SafetensorsTensor(name: "a", shape: [2], values: [1, -2]),
                SafetensorsTensor(name: "b", shape: [], values: [0.5]),
            ],
            metadata: [("format", "pt")])
        let json =
            #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[],"data_offsets":[8,12]}}"#
        let padded = json + String(repeating: " ", count: (8 - json.utf8.count % 8) % 8)
        XCTAssertEqual(padded.utf8.count % 8, 0)
        XCTAssertEqual(Array(bytes[0..<8]), [UInt8(padded.utf8.count), 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(Array(bytes[8..<8 + padded.utf8.count]), Array(padded.utf8))
        XCTAssertEqual(
            Array(bytes[(8 + padded.utf8.count)...]),
            [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x3F])
    }

    func testHandBuiltFileDecodes() throws {
        // Data offsets are relative to the data buffer, and tensors need not be in offset order.
        let header =
            #"{"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"a":{"shape":[1,2],"dtype":"F32","data_offsets":[0,8],"extra":1}}"#
        let decoded = try Safetensors.decode(file(header, data: floats([3, 4, 5])), path: "m.st")
        XCTAssertEqual(decoded.tensors.map(\.name), ["b", "a"])
        XCTAssertEqual(decoded.tensor("a"), SafetensorsTensor(name: "a", shape: [1, 2], values: [3, 4]))
        XCTAssertEqual(decoded.tensor("b")?.values, [5])
        XCTAssertNil(decoded.tensor("c"))
        XCTAssertTrue(decoded.metadata.isEmpty)
    }

    func testRoundTripIsBitExact() throws {
        let values: [Float] = [
            0, -0.0, 1, -1, .pi, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
            .infinity, -.infinity, Float(bitPattern: 0x0001_0000), -3.4e38,
        ]
        let original = SafetensorsFile(
            tensors: [
                SafetensorsTensor(name: "layers.0.weight", shape: [values.count, 1], values: values),
                SafetensorsTensor(name: "empty", shape: [0, 3], values: []),
                SafetensorsTensor(name: "名前 \"q\"", shape: [2], values: [.nan, 7]),
            ],
            metadata: [("epochs", "3"), ("note", "line\nbreak")])
        let decoded = try Safetensors.decode(
            Safetensors.encode(tensors: original.tensors, metadata: original.metadata),
            path: "m.st")
        XCTAssertEqual(decoded.tensors.map(\.name), original.tensors.map(\.name))
        XCTAssertEqual(decoded.tensors.map(\.shape), original.tensors.map(\.shape))
        XCTAssertEqual(decoded.tensors.map { bits($0.values) }, original.tensors.map { bits($0.values) })
        XCTAssertEqual(decoded.metadataValue(for: "note"), "line\nbreak")
        XCTAssertTrue(decoded.metadata.elementsEqual(original.metadata) { $0 == $1 })
    }

    func testWriteAndReadAFile() throws {
        let temporary = try TempDir()
        let directory = temporary.path
        let path = directory + "/model.safetensors"
        let model = SafetensorsFile(tensors: [SafetensorsTensor(name: "w", shape: [2, 2], values: [1, 2, 3, 4])])
        try Safetensors.write(model, to: path)
        XCTAssertEqual(try Safetensors.read(path: path), model)

        XCTAssertThrowsError(try Safetensors.read(path: directory + "/missing")) { error in
            XCTAssertEqual(error as? FormatError, FormatError(directory + "/missing", "no such file"))
        }
        XCTAssertThrowsError(try Safetensors.read(path: directory)) { error in
            XCTAssertEqual(error as? FormatError, FormatError(directory, "is a directory, expected a safetensors file"))
        }
    }

    func testUnreadableFile() throws {
        try XCTSkipIf(geteuid() == 0, "root may read any file")
        let directory = try TempDir()
        let path = directory.file("unreadable.safetensors")
        try Safetensors.write(SafetensorsFile(tensors: []), to: path)
        XCTAssertEqual(chmod(path, 0o000), 0)
        XCTAssertThrowsError(try Safetensors.read(path: path)) { error in
            XCTAssertEqual(error as? FormatError, FormatError(path, "permission denied"))
        }
    }

    // MARK: Malformed files

    func testLengthPrefixErrors() {
        assertDecodeError(
            [1, 2, 3, 4, 5],
            "file is 5 bytes, shorter than the 8-byte safetensors header length: is this a safetensors file?")
        var bytes = [UInt8](repeating: 0, count: 300)
        bytes[0] = 0x40
        bytes[1] = 0xE2
        bytes[2] = 0x01  // 123456
        assertDecodeError(bytes, "header length 123456 at offset 0 runs past the end of the 300-byte file")
        assertDecodeError(
            [0, 0xE1, 0xF5, 0x05, 0, 0, 0, 0] + [UInt8](repeating: 0x20, count: 10),
            "header length 100000000 at offset 0 runs past the end of the 18-byte file")
        assertDecodeError(
            [1, 0xE1, 0xF5, 0x05, 0, 0, 0, 0],
            "header length 100000001 at offset 0 is larger than the 100000000-byte limit: is this a safetensors file?")
        assertDecodeError(
            [UInt8](repeating: 0xFF, count: 8),
            "header length 18446744073709551615 at offset 0 is larger than the 100000000-byte limit: is this a safetensors file?")
    }

    func testHeaderErrors() {
        assertDecodeError(file(""), "invalid JSON at byte 0 of the header: expected a JSON value, found end of input")
        assertDecodeError(file(#"{"a" 1}"#), "invalid JSON at byte 5 of the header: expected ':' after an object key, found '1'")
        assertDecodeError(
            file("{\"\u{FF}\"}").enumerated().map { $0.offset == 10 ? 0xFF : $0.element },
            "header is not valid UTF-8 at byte 2 of the header")
        assertDecodeError(file("[]"), "header is an array, expected an object mapping tensor names to entries")
        assertDecodeError(
            file(#"{"w":{"dtype":"F32","shape":[],"data_offsets":[0,4]}, "w":{}}"#, data: floats([1])),
            "invalid JSON at byte 54 of the header: duplicate key \"w\"")
        assertDecodeError(
            file(String(repeating: "[", count: 65)),
            "invalid JSON at byte 64 of the header: arrays and objects nested more than 64 deep")
    }

    func testEntryFieldErrors() {
        assertEntryError("3", "tensor 'w': entry is a number, expected an object with dtype, shape and data_offsets")
        assertEntryError(#"{"shape":[],"data_offsets":[0,0]}"#, "tensor 'w': missing \"dtype\"")
        assertEntryError(#"{"dtype":"F32","data_offsets":[0,0]}"#, "tensor 'w': missing \"shape\"")
        assertEntryError(#"{"dtype":"F32","shape":[]}"#, "tensor 'w': missing \"data_offsets\"")
        assertEntryError(
            #"{"dtype":32,"shape":[],"data_offsets":[0,4]}"#,
            "tensor 'w': dtype is a number, expected a string such as \"F32\"")
        assertDecodeError(
            file(#"{"layers.0.weight":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}"#, data: [0, 0]),
            "tensor 'layers.0.weight': dtype F16 is not supported, expected F32 or I8")
        assertEntryError(
            #"{"dtype":"F\n","shape":[],"data_offsets":[0,4]}"#,
            "tensor 'w': dtype 'F\\n' is not supported, expected F32 or I8")
        assertEntryError(
            #"{"dtype":"F32","shape":"2","data_offsets":[0,8]}"#,
            "tensor 'w': shape is a string, expected an array of non-negative integers")
        assertEntryError(
            #"{"dtype":"F32","shape":[2,-3],"data_offsets":[0,8]}"#,
            "tensor 'w': shape[1] is -3, expected a non-negative integer")
        assertEntryError(
            #"{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}"#,
            "tensor 'w': shape[0] is 2.5, expected a non-negative integer")
        assertEntryError(
            #"{"dtype":"F32","shape":[null],"data_offsets":[0,8]}"#,
            "tensor 'w': shape[0] is null, expected a non-negative integer")
        assertEntryError(
            #"{"dtype":"F32","shape":[1e30],"data_offsets":[0,8]}"#,
            "tensor 'w': shape[0] is 1e+30, too large")
        assertEntryError(
            #"{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}"#,
            "tensor 'w': shape [4294967296, 4294967296] has too many elements to address")
        assertEntryError(
            #"{"dtype":"F32","shape":[3037000499,3037000499],"data_offsets":[0,8]}"#,
            "tensor 'w': shape [3037000499, 3037000499] has too many elements to address")
    }

    func testDataOffsetErrors() {
        assertEntryError(
            #"{"dtype":"F32","shape":[1],"data_offsets":{}}"#,
            "tensor 'w': data_offsets is an object, expected [begin, end]")
        assertEntryError(
            #"{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}"#,
            "tensor 'w': data_offsets has 3 entries, expected [begin, end]")
        assertEntryError(
            #"{"dtype":"F32","shape":[1],"data_offsets":[-1,3]}"#,
            "tensor 'w': data_offsets[0] is -1, expected a non-negative integer")
        assertEntryError(
            #"{"dtype":"F32","shape":[1],"data_offsets":[0,"4"]}"#,
            "tensor 'w': data_offsets[1] is a string, expected a non-negative integer")
        assertEntryError(
            #"{"dtype":"F32","shape":[1],"data_offsets":[8,4]}"#, data: floats([1, 2, 3]),
            "tensor 'w': data_offsets [8, 4] have begin after end")
        assertEntryError(
            #"{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}"#, data: floats([1, 2, 3]),
            "tensor 'w': data_offsets [0, 12] span 12 bytes, but shape [2, 2] of F32 needs 16")
        assertEntryError(
            #"{"dtype":"F32","shape":[4],"data_offsets":[0,16]}"#, data: floats([1, 2, 3]),
            "tensor 'w': data_offsets [0, 16] run past the end of the 12-byte data buffer")
        assertEntryError(
            #"{"dtype":"F32","shape":[1],"data_offsets":[9223372036854775000,9223372036854775004]}"#,
            "tensor 'w': data_offsets[0] is 9.223372036854775e+18, too large")
        assertEntryError(
            #"{"dtype":"F32","shape":[1],"data_offsets":[0,9007199254740992]}"#,
            "tensor 'w': data_offsets[1] is 9007199254740992, too large")
        assertEntryError(
            #"{"dtype":"F32","shape":[1],"data_offsets":[4503599627370496,4503599627370500]}"#,
            "tensor 'w': data_offsets [4503599627370496, 4503599627370500] run past the end of the 0-byte data buffer")
    }

    func testBufferCoverageErrors() {
        let data = floats([1, 2, 3])
        assertDecodeError(
            file(
                #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, data: data
            ),
            "tensor 'b': data_offsets [4, 12] overlap tensor 'a' at [0, 8]")
        assertDecodeError(
            file(
                #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#, data: data
            ),
            "bytes 4..<8 of the data buffer belong to no tensor")
        assertDecodeError(
            file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: data),
            "bytes 8..<12 of the data buffer belong to no tensor")
        assertDecodeError(file("{}", data: data), "bytes 0..<12 of the data buffer belong to no tensor")
    }

    func testMetadataErrors() {
        assertDecodeError(file(#"{"__metadata__":[]}"#), "__metadata__ is an array, expected an object of strings")
        assertDecodeError(file(#"{"__metadata__":{"epochs":3}}"#), "__metadata__ 'epochs' is a number, expected a string")
    }

    func testNamesInMessagesStayOnOneShortLine() {
        let name = "bad\nname" + String(repeating: "x", count: 200)
        let header = JSONValue.object([(name, "F32")]).serialized()
        assertDecodeError(
            file(header),
            "tensor 'bad\\nname" + String(repeating: "x", count: 56)
                + "...': entry is a string, expected an object with dtype, shape and data_offsets")
    }

    // MARK: The reference implementation

    /// Checks our files against Python's `safetensors` package, when it is installed.
    func testInteroperatesWithThePythonReference() throws {
        try XCTSkipUnless(ProcessRunner.pythonCanImport(["safetensors.numpy", "numpy"]), "python3 cannot import safetensors and numpy")

        let temporary = try TempDir()
        let directory = temporary.path
        let ours = directory + "/ours.safetensors"
        let theirs = directory + "/theirs.safetensors"
        try Safetensors.write(
            SafetensorsFile(
                tensors: [
                    SafetensorsTensor(name: "w", shape: [2, 3], values: [1, 2, 3, 4, 5, -0.0]),
                    SafetensorsTensor(name: "b", shape: [3], values: [0.25, -1e-30, 3e38]),
                ],
                metadata: [("epochs", "3")]), to: ours)

        let script = """
            import sys, numpy as np
            from safetensors.numpy import load_file, save_file
            from safetensors import safe_open
            t = load_file(sys.argv[1])
            assert t["w"].dtype == np.float32 and t["w"].shape == (2, 3), t["w"]
            assert t["w"].tobytes() == np.array([1, 2, 3, 4, 5, -0.0], np.float32).tobytes()
            assert t["b"].tobytes() == np.array([0.25, -1e-30, 3e38], np.float32).tobytes()
            with safe_open(sys.argv[1], "np") as f:
                assert f.metadata() == {"epochs": "3"}, f.metadata()
            save_file({"z": np.arange(6, dtype=np.float32).reshape(3, 2), "a": np.array([-0.0], np.float32)},
                      sys.argv[2], metadata={"k": "v"})
            """
        let python = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", script, ours, theirs])
        XCTAssertEqual(python.status, 0, "Python could not read our file: \(python.stderr)")

        let decoded = try Safetensors.read(path: theirs)
        XCTAssertEqual(decoded.tensor("z"), SafetensorsTensor(name: "z", shape: [3, 2], values: [0, 1, 2, 3, 4, 5]))
        XCTAssertEqual(decoded.tensor("a").map { bits($0.values) }, [(-0.0 as Float).bitPattern])
        XCTAssertEqual(decoded.metadataValue(for: "k"), "v")
        // Python writes metadata first, entries as dtype/shape/data_offsets, space padding: the same bytes as ours.
        let theirBytes = try XCTUnwrap(FileManager.default.contents(atPath: theirs))
        XCTAssertEqual(Safetensors.encode(tensors: decoded.tensors, metadata: decoded.metadata), Array(theirBytes))
    }
}
