// I8 tensors in safetensors (the weights of INT8 models): written and read back byte for byte, mixed
// with F32 tensors, checked as strictly as F32, and readable by Python's reference implementation.
import Foundation
import TestSupport
import XCTest

@testable import Formats

final class SafetensorsInt8Tests: XCTestCase {
    private func file(_ header: String, data: [UInt8] = []) -> [UInt8] {
        let headerBytes = Array(header.utf8)
        return withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { Array($0) } + headerBytes + data
    }

    private func assertDecodeError(_ bytes: [UInt8], _ message: String, line: UInt = #line) {
        XCTAssertThrowsError(try Safetensors.decode(bytes, path: "q.st"), line: line) { error in
            XCTAssertEqual(error as? FormatError, FormatError("q.st", message), line: line)
        }
    }

    /// Every Int8 value, including −128 and 127, in a shape of its own.
    let everyByte: [Int8] = (-128...127).map { Int8($0) }

    func testInt8RoundTripIsExactAndMixesWithFloats() throws {
        let tensors = [
            SafetensorsTensor(name: "layers.0.weight_scale", shape: [2], values: [0.5, 0.25]),
            SafetensorsTensor(name: "layers.0.weight", shape: [16, 16], int8Values: everyByte),
            SafetensorsTensor(name: "odd", shape: [3], int8Values: [-1, 0, 1]),
            SafetensorsTensor(name: "after", shape: [1], values: [-3]),
        ]
        let bytes = Safetensors.encode(tensors: tensors, metadata: [("quantization", "{}")])
        let decoded = try Safetensors.decode(bytes, path: "q.st")
        XCTAssertEqual(decoded.tensors, tensors)
        XCTAssertEqual(decoded.tensor("layers.0.weight")?.dtype, .i8)
        XCTAssertEqual(decoded.tensor("layers.0.weight")?.count, 256)
        XCTAssertEqual(decoded.tensor("layers.0.weight")?.values, [])
        XCTAssertEqual(decoded.tensor("after")?.dtype, .f32)
        // The header says I8 and spans one byte per element.
        let headerLength = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        let header = String(decoding: bytes[8..<8 + headerLength], as: UTF8.self)
        XCTAssertTrue(header.contains(#""layers.0.weight":{"dtype":"I8","shape":[16,16],"data_offsets":[8,264]}"#), header)
        XCTAssertTrue(header.contains(#""odd":{"dtype":"I8","shape":[3],"data_offsets":[264,267]}"#), header)
        // Re-encoding what was decoded gives the same bytes.
        XCTAssertEqual(Safetensors.encode(tensors: decoded.tensors, metadata: decoded.metadata), bytes)
    }

    func testInt8EntriesAreCheckedAsStrictlyAsFloats() {
        assertDecodeError(
            file(#"{"w":{"dtype":"I8","shape":[2,3],"data_offsets":[0,5]}}"#, data: [1, 2, 3, 4, 5]),
            "tensor 'w': data_offsets [0, 5] span 5 bytes, but shape [2, 3] of I8 needs 6")
        assertDecodeError(
            file(#"{"w":{"dtype":"I8","shape":[2,3],"data_offsets":[0,24]}}"#, data: [UInt8](repeating: 0, count: 24)),
            "tensor 'w': data_offsets [0, 24] span 24 bytes, but shape [2, 3] of I8 needs 6")
        assertDecodeError(
            file(#"{"w":{"dtype":"I8","shape":[4],"data_offsets":[0,4]}}"#, data: [1, 2, 3]),
            "tensor 'w': data_offsets [0, 4] run past the end of the 3-byte data buffer")
        assertDecodeError(
            file(#"{"w":{"dtype":"I8","shape":[2],"data_offsets":[0,2]}}"#, data: [1, 2, 3]),
            "bytes 2..<3 of the data buffer belong to no tensor")
        assertDecodeError(
            file(#"{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, data: [1]),
            "tensor 'w': dtype U8 is not supported, expected F32 or I8")
        assertDecodeError(
            file(#"{"w":{"dtype":"i8","shape":[1],"data_offsets":[0,1]}}"#, data: [1]),
            "tensor 'w': dtype i8 is not supported, expected F32 or I8")
    }

    func testWrittenAtomicallyAndReadFromDisk() throws {
        let directory = try TempDir()
        let path = directory.file("i8.safetensors")
        let original = SafetensorsFile(
            tensors: [SafetensorsTensor(name: "q", shape: [256], int8Values: everyByte)],
            metadata: [("format", "mlp")])
        try Safetensors.write(original, to: path)
        XCTAssertEqual(try Safetensors.read(path: path), original)
    }

    /// Python's safetensors reads our I8 tensors as int8 arrays with the same values, and we read its.
    func testInteroperatesWithThePythonReference() throws {
        try XCTSkipUnless(ProcessRunner.pythonCanImport(["safetensors.numpy", "numpy"]), "python3 cannot import safetensors and numpy")
        let temporary = try TempDir()
        let directory = temporary.path
        let ours = directory + "/ours.safetensors"
        let theirs = directory + "/theirs.safetensors"
        try Safetensors.write(
            SafetensorsFile(tensors: [
                SafetensorsTensor(name: "s", shape: [2], values: [0.5, 2]),
                SafetensorsTensor(name: "q", shape: [16, 16], int8Values: everyByte),
            ]), to: ours)
        let script = """
            import sys, numpy as np
            from safetensors.numpy import load_file, save_file
            t = load_file(sys.argv[1])
            assert t["q"].dtype == np.int8 and t["q"].shape == (16, 16), t["q"]
            assert t["q"].reshape(-1).tolist() == list(range(-128, 128))
            assert t["s"].tolist() == [0.5, 2.0]
            save_file({"w": np.array([[-127, 0, 127]], np.int8), "scale": np.array([0.1], np.float32)}, sys.argv[2])
            """
        let python = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", script, ours, theirs])
        XCTAssertEqual(python.status, 0, "Python could not read our I8 file: \(python.stderr)")
        let decoded = try Safetensors.read(path: theirs)
        XCTAssertEqual(decoded.tensor("w"), SafetensorsTensor(name: "w", shape: [1, 3], int8Values: [-127, 0, 127]))
        XCTAssertEqual(decoded.tensor("scale")?.values, [0.1])
    }
}
