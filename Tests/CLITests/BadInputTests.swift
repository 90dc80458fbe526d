import Formats
// The bad-input suite, end to end through the built binary: every malformed IDX file
// given to train, evaluate and predict; every malformed model file given to evaluate. Each must
// exit 1 with exactly one line on stderr, `error: FILE: what was wrong`. The readers' own tests
// (Tests/FormatsTests) cover more variants in-process; this layer proves the message reaches the
// user intact. Every input is generated here.
import Foundation
import Glibc
import XCTest

/// An IDX file: the header (type, dimension sizes) and `data`.
func idxFile(type: UInt8 = 0x08, _ dims: [UInt32], _ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0, 0, type, UInt8(dims.count)]
    for d in dims { out += [UInt8(d >> 24), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
    return out + data
}

/// Asserts a run failed with `status` and exactly one stderr line, `error: ` + `message`.
func assertError(_ r: Run, _ status: Int32 = 1, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(r.status, status, "exit code; stderr: \(r.stderr)", file: file, line: line)
    XCTAssertEqual(r.stderr, "error: \(message)\n", file: file, line: line)
}

final class BadInputTests: XCTestCase {
    /// A valid MNIST-like dataset of 12 images of 2×3 with labels 0...9, written to `dir`, and a
    /// model trained on it.
    struct Fixture {
        let dir: TempDir
        let model: String
        var path: String { dir.path }
    }

    static let pixels: [UInt8] = (0..<72).map { UInt8(($0 * 37) % 256) }
    static let labels: [UInt8] = (0..<12).map { UInt8($0 % 10) }

    func fixture() throws -> Fixture {
        let dir = try TempDir()
        try Synthetic.writeMNISTLike(dir: dir, images: Self.pixels, labels: Self.labels, rows: 2, cols: 3)
        let model = dir.file("m.safetensors")
        let t = try MLP.run(["train", "--data", dir.path, "--hidden", "4", "--epochs", "1", "--threads", "1", "--out", model, "--quiet"])
        XCTAssertEqual(t.status, 0, t.stderr)
        return Fixture(dir: dir, model: model)
    }

    /// A malformed file with the message its reader gives (after "PATH: ").
    struct Case {
        let name: String
        let bytes: [UInt8]
        let message: String
        /// predict also reads PGM and PNG, so a file that is none of its formats says so.
        var predictMessage: String? = nil
    }

    /// Malformed image files. None of them is a valid 2×3 image stack.
    var imageCases: [Case] {
        let good = idxFile([12, 2, 3], Self.pixels)
        var badCRC = Gzip.compress(good)
        badCRC[badCRC.count - 8] ^= 0xFF
        let gz = Gzip.compress(good)
        return [
            Case(name: "empty", bytes: [], message: "empty file, expected an IDX header"),
            Case(name: "short", bytes: [0, 0], message: "file is 2 bytes, shorter than the 4-byte IDX magic"),
            Case(
                name: "header", bytes: [0, 0, 8, 3, 0, 0, 0, 12, 0, 0],
                message: "truncated in the header: file is 10 bytes but 3 dimensions need a 16-byte header"),
            Case(
                name: "magic", bytes: Array("GIF89a".utf8) + Self.pixels,
                message: "bad magic bytes 47 49 46 38 at offset 0, expected 00 00 <type> <ndims> (is this an IDX file?)",
                predictMessage: "starts with 47 49 46 38: not an IDX (00 00), gzip, PGM (P2/P5) or PNG (89 50 4E 47) image file"),
            Case(
                name: "type", bytes: idxFile(type: 0x07, [12, 2, 3], Self.pixels),
                message: "unsupported IDX type code 0x07 at offset 2, expected one of 0x08 0x09 0x0B 0x0C 0x0D 0x0E"),
            Case(
                name: "float", bytes: idxFile(type: 0x0D, [3, 2, 3], Self.pixels),
                message: "images must be unsigned bytes (type 0x08), the header at offset 2 says 0x0D (float)"),
            Case(
                name: "dims2", bytes: idxFile([12, 6], Self.pixels),
                message: "images must have 3 dimensions (count, rows, cols), the header at offset 3 says 2"),
            Case(
                name: "overflow", bytes: idxFile(type: 0x0E, [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], []),
                message: "dimension sizes 4294967295×4294967295×4294967295 overflow"),
            Case(
                name: "billions", bytes: idxFile([4_000_000_000, 28, 28], Self.pixels),
                message: "truncated in the data: file has 72 bytes of data but the header declares 3136000000000 (4000000000×28×28)"),
            Case(
                name: "trailing", bytes: good + [1, 2, 3],
                message: "3 bytes of trailing data after the 72 bytes of data the header declares (12×2×3), starting at offset 88"),
            Case(
                name: "truncated", bytes: Array(good.prefix(50)),
                message: "truncated in the data: file has 34 bytes of data but the header declares 72 (12×2×3)"),
            Case(
                name: "gz-truncated", bytes: Array(gz.prefix(gz.count - 12)),
                message: "gzip data truncated at byte \(gz.count - 12): expected more compressed data"),
            Case(name: "gz-crc", bytes: badCRC, message: "corrupt gzip data near byte \(badCRC.count - 4): incorrect data check"),
        ]
    }

    func testMalformedImagesReachTheUserOnOneLine() throws {
        let f = try fixture()
        for c in imageCases {
            let path = f.dir.file(c.name)
            try f.dir.write(c.name, c.bytes)
            let expected = "\(path): \(c.message)"
            assertError(try MLP.run(["train", "--data", f.path, "--train-images", path, "--out", f.dir.file("x")]), 1, expected)
            assertError(try MLP.run(["evaluate", "--model", f.model, "--data", f.path, "--test-images", path]), 1, expected)
            assertError(
                try MLP.run(["predict", "--model", f.model, "--images", path]), 1, c.predictMessage.map { "\(path): \($0)" } ?? expected)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.dir.file("x")), "no model is written after a data error")
    }

    func testMalformedLabels() throws {
        let f = try fixture()
        let cases = [
            Case(
                name: "l-dims", bytes: idxFile([6, 2], Self.labels),
                message: "labels must have 1 dimension (count), the header at offset 3 says 2"),
            Case(
                name: "l-class", bytes: idxFile([12], Self.labels.map { $0 == 7 ? 10 : $0 }),
                message: "label 10 at index 7 is not below the class count 10"),
            Case(
                name: "l-int", bytes: idxFile(type: 0x0C, [3], Array(Self.labels)),
                message: "labels must be unsigned bytes (type 0x08), the header at offset 2 says 0x0C (int)"),
        ]
        for c in cases {
            let path = f.dir.file(c.name)
            try f.dir.write(c.name, c.bytes)
            // As the test labels of a run: the training labels (0 to 9) make 10 classes.
            assertError(
                try MLP.run(["train", "--data", f.path, "--test-labels", path, "--out", f.dir.file("x")]), 1, "\(path): \(c.message)")
            assertError(try MLP.run(["evaluate", "--model", f.model, "--data", f.path, "--test-labels", path]), 1, "\(path): \(c.message)")
        }
        // One label short: the message names both files.
        let short = f.dir.file("short-labels")
        try f.dir.write("short-labels", idxFile([11], Array(Self.labels.prefix(11))))
        let images = f.dir.file("t10k-images-idx3-ubyte")
        assertError(
            try MLP.run(["evaluate", "--model", f.model, "--data", f.path, "--test-labels", short]), 1,
            "\(short): 11 labels but 12 images in \(images)")
        assertError(
            try MLP.run(["train", "--data", f.path, "--test-labels", short, "--out", f.dir.file("x")]), 1,
            "\(short): 11 labels but 12 images in \(images)")
    }

    func testDirectoriesAndMissingFiles() throws {
        let f = try fixture()
        let sub = f.dir.file("sub")
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: false)
        assertError(try MLP.run(["predict", "--model", f.model, "--images", sub]), 1, "\(sub): is a directory, expected a file")
        assertError(
            try MLP.run(["train", "--data", f.path, "--train-images", sub, "--out", f.dir.file("x")]), 1,
            "\(sub): is a directory, expected a file")
        assertError(try MLP.run(["evaluate", "--model", sub, "--data", f.path]), 1, "\(sub): is a directory, expected a safetensors file")
        let missing = f.dir.file("nope")
        assertError(try MLP.run(["predict", "--model", f.model, "--images", missing]), 1, "\(missing): no such file")
        assertError(try MLP.run(["evaluate", "--model", missing, "--data", f.path]), 1, "\(missing): no such file")
        // --data naming a file, and a directory missing one of the four files
        let plain = f.dir.file("t10k-labels-idx1-ubyte")
        assertError(
            try MLP.run(["evaluate", "--model", f.model, "--data", plain]), 1,
            "\(plain): is not a directory, expected the directory holding the IDX files")
        let partial = try TempDir()
        try partial.write("t10k-images-idx3-ubyte", idxFile([12, 2, 3], Self.pixels))
        assertError(
            try MLP.run(["evaluate", "--model", f.model, "--data", partial.path]), 1,
            "\(partial.path): neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz is there (run 'make data', or name the file with --test-labels)"
        )
    }

    func testUnreadableFiles() throws {
        try XCTSkipIf(geteuid() == 0, "root reads files whatever their mode; FormatsTests covers EACCES for other users")
        let f = try fixture()
        let path = f.dir.file("t10k-images-idx3-ubyte")
        XCTAssertEqual(chmod(path, 0), 0)
        defer { chmod(path, 0o644) }
        assertError(try MLP.run(["predict", "--model", f.model, "--images", path]), 1, "\(path): cannot be read: permission denied")
    }

    func testImagesOfAnotherSizeThanTheModel() throws {
        let f = try fixture()
        // 32×32 images for a model of 2×3 inputs, through evaluate and predict
        let big = f.dir.file("big")
        try f.dir.write("big", idxFile([2, 32, 32], [UInt8](repeating: 7, count: 2048)))
        let labels = f.dir.file("big-labels")
        try f.dir.write("big-labels", idxFile([2], [1, 2]))
        let message = "\(big): images are 32×32 (1024 pixels) but the model expects 2×3 (6 inputs)"
        assertError(try MLP.run(["evaluate", "--model", f.model, "--test-images", big, "--test-labels", labels]), 1, message)
        assertError(try MLP.run(["predict", "--model", f.model, "--images", big]), 1, message)
        // train: test images of another size than the training images
        assertError(
            try MLP.run(["train", "--data", f.path, "--test-images", big, "--test-labels", labels, "--out", f.dir.file("x")]), 1,
            "\(big): images are 32×32 but the training images (\(f.dir.file("train-images-idx3-ubyte.gz"))) are 2×3")
    }

    // MARK: - Model files given to evaluate

    /// The bytes of a safetensors file with the JSON `header` and `data`.
    func safetensors(_ header: String, _ data: [UInt8] = []) -> [UInt8] {
        let h = Array(header.utf8)
        return withUnsafeBytes(of: UInt64(h.count).littleEndian) { Array($0) } + h + data
    }

    func testMalformedModelFiles() throws {
        let f = try fixture()
        let good = try Array(Data(contentsOf: URL(fileURLWithPath: f.model)))
        let parsed = try Safetensors.read(path: f.model)
        let headerLength = Int(good[0]) | Int(good[1]) << 8 | Int(good[2]) << 16
        let meta =
            #""__metadata__":{"format":"mlp","format_version":"1","architecture":"4:relu,10","input_features":"6","input_rows":"2","input_cols":"3","input_scale":"0.003921569","classes":"10","loss":"cross_entropy"}"#
        func reencoded(_ change: (inout SafetensorsFile) -> Void) -> [UInt8] {
            var file = parsed
            change(&file)
            return Safetensors.encode(tensors: file.tensors, metadata: file.metadata)
        }
        func setMeta(_ key: String, _ value: String) -> (inout SafetensorsFile) -> Void {
            { f in f.metadata = f.metadata.map { $0.0 == key ? (key, value) : $0 } }
        }
        let cases: [(String, [UInt8], String)] = [
            ("empty", [], "file is 0 bytes, shorter than the 8-byte safetensors header length: is this a safetensors file?"),
            (
                "truncated-length", Array(good.prefix(5)),
                "file is 5 bytes, shorter than the 8-byte safetensors header length: is this a safetensors file?"
            ),
            (
                "truncated-header", Array(good.prefix(100)),
                "header length \(headerLength) at offset 0 runs past the end of the 100-byte file"
            ),
            (
                "truncated-data", Array(good.prefix(good.count - 4)),
                "tensor 'layers.1.bias': data_offsets [\(good.count - 8 - headerLength - 40), \(good.count - 8 - headerLength)] run past the end of the \(good.count - 8 - headerLength - 4)-byte data buffer"
            ),
            (
                "not-safetensors", Array("%PDF-1.7\n%âãÏÓ\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".utf8),
                "header length 3976169591536898085 at offset 0 is larger than the 100000000-byte limit: is this a safetensors file?"
            ),
            (
                "json", safetensors(#"{"__metadata__":{"format":"mlp"},}"#),
                "invalid JSON at byte 33 of the header: expected a string key after ',', found '}'"
            ),
            (
                "overlap",
                safetensors(
                    #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                    [UInt8](repeating: 0, count: 12)),
                "tensor 'b': data_offsets [4, 12] overlap tensor 'a' at [0, 8]"
            ),
            (
                "past-end", safetensors(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, [UInt8](repeating: 0, count: 8)),
                "tensor 'a': data_offsets [0, 16] run past the end of the 8-byte data buffer"
            ),
            (
                "dtype",
                safetensors(
                    "{\(meta),\"layers.0.weight\":{\"dtype\":\"F64\",\"shape\":[4,6],\"data_offsets\":[0,192]}}",
                    [UInt8](repeating: 0, count: 192)),
                "tensor 'layers.0.weight': dtype F64 is not supported, expected F32 or I8"
            ),
            (
                "shape",
                reencoded { f in
                    f.tensors = f.tensors.map {
                        $0.name == "layers.0.weight" ? SafetensorsTensor(name: $0.name, shape: [6, 4], values: $0.values) : $0
                    }
                }, "tensor 'layers.0.weight' has shape [6, 4] but the architecture '4:relu,10' needs [4, 6]"
            ),
            (
                "missing", reencoded { $0.tensors.removeAll { $0.name == "layers.1.bias" } },
                "tensor 'layers.1.bias' is missing (the architecture '4:relu,10' needs it)"
            ),
            ("version", reencoded(setMeta("format_version", "6")), "format_version 6 is newer than this mlp reads (5); use a newer mlp"),
            ("version-text", reencoded(setMeta("format_version", "one")), "metadata \"format_version\" is 'one', expected a whole number"),
            (
                "architecture", reencoded(setMeta("architecture", "8:relu,10")),
                "tensor 'layers.0.weight' has shape [4, 6] but the architecture '8:relu,10' needs [8, 6]"
            ),
            (
                "foreign",
                safetensors(#"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, [0, 0, 0, 0]),
                "metadata \"format\" is 'pt', expected 'mlp': this safetensors file was not written by mlp"
            ),
        ]
        for (name, bytes, message) in cases {
            let path = f.dir.file(name + ".safetensors")
            try f.dir.write(name + ".safetensors", bytes)
            assertError(try MLP.run(["evaluate", "--model", path, "--data", f.path]), 1, "\(path): \(message)")
        }
    }

    /// Found by the model-file fuzz target: an architecture string holding a newline made the
    /// error two lines. Control characters in messages are now escaped.
    func testControlCharactersInAModelFileStayOnOneLine() throws {
        let f = try fixture()
        var file = try Safetensors.read(path: f.model)
        file.metadata = file.metadata.map { $0.0 == "architecture" ? ($0.0, "4:re\nlu,\u{1B}[31m10") : $0 }
        let path = f.dir.file("nl.safetensors")
        try f.dir.write("nl.safetensors", Safetensors.encode(tensors: file.tensors, metadata: file.metadata))
        let r = try MLP.run(["evaluate", "--model", path, "--data", f.path])
        assertError(
            r, 1,
            "\(path): metadata \"architecture\": bad layer '4:re\\nlu' at position 1 of the architecture; accepted: N, N:ACT, N[:ACT]:maxnorm=C, ACT, dropout:P, batchnorm[:MOMENTUM], where ACT is one of relu, leaky_relu[:alpha], sigmoid, tanh, gelu, swish, silu, linear"
        )
        // a file name with a newline, and an unknown command with an escape sequence
        let odd = f.dir.file("a\nb")
        assertError(try MLP.run(["predict", "--model", f.model, "--images", odd]), 1, "\(f.dir.path)/a\\nb: no such file")
        let u = try MLP.run(["tra\u{1B}in"])
        XCTAssertEqual(u.status, 2)
        XCTAssertEqual(u.stderr.split(separator: "\n").first, "error: unknown command 'tra\\u{1b}in'; did you mean 'train'?")
    }
}
