import Formats
// `mlp export`, end to end: image models of every layer kind and activation and every output form,
// exported to ONNX and run by onnxruntime (Scripts/onnx_check.py, on the raw inputs the command line
// reads) must give `mlp predict --json`'s probabilities within 1e-5 (table models:
// ExportTableTests). Skipped when onnx and onnxruntime cannot be imported (CI installs them).
import Foundation
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

final class ExportCommandTests: XCTestCase {
    static let script = Package.path("Scripts/onnx_check.py")

    /// onnxruntime's outputs for `input` (an IDX file or raw float32 rows), or a skip.
    func onnxruntime(_ model: String, _ input: String) throws -> [[Double]] {
        let p = try ProcessRunner.run("/usr/bin/env", ["python3", Self.script, model, input])
        if p.status == 3 { throw XCTSkip("onnx/onnxruntime not importable: \(p.stderr)") }
        XCTAssertEqual(p.status, 0, p.stderr)
        guard case .array(let rows)? = try JSONValue.parse(Array(p.stdoutData)).self["outputs"] else {
            XCTFail("no outputs")
            return []
        }
        return rows.map { row in
            guard case .array(let xs) = row else { return [] }
            return xs.map {
                if case .number(let d) = $0 { return d }
                return .nan
            }
        }
    }

    /// `mlp predict --json`'s probabilities (or values, in `keys` order) per row.
    func predicted(_ args: [String], keys: [String]? = nil) throws -> [[Double]] {
        let r = try MLP.run(["predict", "--json"] + args)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try r.stdout.split(separator: "\n").map { line in
            let v = try JSONValue.parse(Array(line.utf8))
            if let keys {
                return keys.map {
                    if case .number(let d)? = v[$0] { return d }
                    return .nan
                }
            }
            switch v["probabilities"] {
            case .array(let xs)?:
                return xs.map {
                    if case .number(let d) = $0 { return d }
                    return .nan
                }
            case .object(let members)?:
                return members.map {
                    if case .number(let d) = $0.1 { return d }
                    return .nan
                }
            default: return []
            }
        }
    }

    func assertClose(_ a: [[Double]], _ b: [[Double]], relative: Bool = false, _ what: String, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, line: line)
        var worst = 0.0
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.count, y.count, what, line: line)
            for (p, q) in zip(x, y) { worst = max(worst, abs(p - q) / (relative ? max(abs(q), 1) : 1)) }
        }
        XCTAssertLessThan(worst, 1e-5, "\(what): worst difference between onnxruntime and mlp predict", line: line)
    }

    func testImageModelsOfEveryLayerKind() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 64)
        let images = dir.file("t10k-images-idx3-ubyte")
        let cases: [(String, String)] = [
            ("12:relu,dropout:0.2,10:leaky_relu:0.1,batchnorm,tanh,8:gelu,6:swish,5:sigmoid,4", "cross_entropy"),
            ("16,batchnorm,relu,8:tanh,batchnorm:0.3,4", "cross_entropy:0.1"),
            ("10:gelu,gelu,swish,leaky_relu,sigmoid,4", "bce"),
            ("8:relu,4", "mse"),
        ]
        for (arch, loss) in cases {
            let model = dir.file("m.safetensors")
            let onnx = dir.file("m.onnx")
            let t = try MLP.run([
                "train", "--data", dir.path, "--layers", arch, "--loss", loss, "--epochs", "2", "--batch-size", "8",
                "--quiet", "--out", model,
            ])
            XCTAssertEqual(t.status, 0, t.stderr)
            let e = try MLP.run(["export", "--model", model, "--out", onnx])
            XCTAssertEqual(e.status, 0, e.stderr)
            XCTAssertTrue(e.stderr.hasPrefix("mlp: \(model) exported to \(onnx) (ONNX opset 17, "), e.stderr)
            assertClose(try onnxruntime(onnx, images), try predicted(["--model", model, "--images", images]), "\(arch) / \(loss)")
            // batch norm kept as its own node gives the same
            XCTAssertEqual(try MLP.run(["export", "--model", model, "--out", onnx, "--no-fold-batchnorm"]).status, 0)
            assertClose(try onnxruntime(onnx, images), try predicted(["--model", model, "--images", images]), "\(arch) unfolded")
        }
    }

    func testExportWritesToAPipeAndRefusesBadInput() throws {
        let dir = try TempDir()
        let model = dir.file("iris.safetensors")
        XCTAssertEqual(
            try MLP.run(["train", "--data", TabularTests.data + "/iris.csv.gz", "--epochs", "2", "--quiet", "--out", model]).status, 0)
        let toFile = dir.file("iris.onnx")
        XCTAssertEqual(try MLP.run(["export", "--model", model, "--out", toFile]).status, 0)
        let piped = try MLP.run(["export", "--model", model, "--out", "-"])
        XCTAssertEqual(piped.status, 0)
        XCTAssertEqual(piped.stdoutData, try Data(contentsOf: URL(fileURLWithPath: toFile)), "the same bytes on standard output")
        let missing = try MLP.run(["export", "--model", dir.file("none.safetensors"), "--out", toFile])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "error: \(dir.file("none.safetensors")): no such file\n")
        let noOut = try MLP.run(["export", "--model", model])
        XCTAssertEqual(noOut.status, 2)
        XCTAssertTrue(noOut.stderr.hasPrefix("error: missing required flag --out\n"), noOut.stderr)
    }
}
