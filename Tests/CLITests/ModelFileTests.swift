import Formats
// The model file: every architecture round-trips to identical predictions, and every way a file
// can disagree with itself is a one-line error naming the file and the field.
import Foundation
import Model
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

final class ModelFileTests: XCTestCase {
    func trainedNetwork(_ arch: String, loss: String = "cross_entropy") throws -> (Network, Matrix) {
        let net = Network(inputs: 6, specs: try Architecture.parse(arch, classes: 10), loss: LossKind.make(loss)!, seed: 3)
        let opt = Adam(network: net)
        var rng = RandomGenerator(seed: 1)
        let x = Matrix(rows: 16, cols: 6, values: (0..<96).map { _ in rng.uniform() })
        let labels: [Int32] = (0..<16).map { Int32($0 % 10) }
        labels.withUnsafeBufferPointer { for _ in 0..<5 { net.trainStep(x, labels: $0.baseAddress, optimizer: opt, lr: 0.01) } }
        return (net, x)
    }

    func testEveryCombinationRoundTripsToIdenticalPredictions() throws {
        let dir = try TempDir()
        let cases: [(String, String)] = [
            ("128:relu,10", "cross_entropy"),
            ("32:leaky_relu:0.2,dropout:0.3,16:gelu,batchnorm,10", "cross_entropy:0.1"),
            ("16,batchnorm:0.2,swish,16:tanh,dropout:0.5,10", "mse"),
            ("8:sigmoid,10", "bce"),
        ]
        for (arch, loss) in cases {
            let (net, x) = try trainedNetwork(arch, loss: loss)
            let before = net.predict(x).values
            let path = dir.file("m.safetensors")
            try ModelFile.save(net, to: path, input: .pixels(scale: 1.0 / 255, rows: 2, cols: 3), output: .classIndices(net.classes))
            let loaded = try ModelFile.load(path)
            XCTAssertEqual(loaded.network.architecture, net.architecture)
            XCTAssertEqual(loaded.network.loss.token, net.loss.token)
            XCTAssertEqual(loaded.inputScale, 1.0 / 255)
            XCTAssertEqual(loaded.network.predict(x).values, before, "\(arch) / \(loss)")
            let names = Set(try Safetensors.read(path: path).tensors.map(\.name))
            if arch.contains("batchnorm") {
                XCTAssertTrue(names.contains { $0.hasSuffix(".running_mean") } && names.contains { $0.hasSuffix(".running_var") })
            }
        }
    }

    /// Saves a small model, lets `mutate` change its parsed file, re-encodes it, and returns the
    /// error loading it gives.
    func loadError(_ mutate: (inout SafetensorsFile) -> Void) throws -> String {
        let dir = try TempDir()
        let (net, _) = try trainedNetwork("8:relu,batchnorm,10")
        let path = dir.file("m.safetensors")
        try ModelFile.save(net, to: path, input: .pixels(scale: 1.0 / 255, rows: 2, cols: 3), output: .classIndices(net.classes))
        var file = try Safetensors.read(path: path)
        mutate(&file)
        try Safetensors.write(file, to: path)
        do {
            _ = try ModelFile.load(path)
            XCTFail("expected an error")
            return ""
        } catch {
            let error = CLIError.from(error)
            XCTAssertEqual(error.code, .dataError)
            return error.message.replacingOccurrences(of: path, with: "M")
        }
    }

    func setMeta(_ f: inout SafetensorsFile, _ key: String, _ value: String?) {
        f.metadata.removeAll { $0.0 == key }
        if let value { f.metadata.append((key, value)) }
    }

    func testInconsistentFilesAreOneLineErrors() throws {
        XCTAssertEqual(
            try loadError { $0.tensors.removeAll { $0.name == "layers.1.running_var" } },
            "M: tensor 'layers.1.running_var' is missing (the architecture '8:relu,batchnorm,10' needs it)")
        XCTAssertEqual(
            try loadError { f in
                f.tensors = f.tensors.map {
                    $0.name == "layers.0.weight" ? SafetensorsTensor(name: $0.name, shape: [6, 8], values: $0.values) : $0
                }
            }, "M: tensor 'layers.0.weight' has shape [6, 8] but the architecture '8:relu,batchnorm,10' needs [8, 6]")
        XCTAssertEqual(
            try loadError { $0.tensors.append(SafetensorsTensor(name: "layers.9.weight", shape: [1], values: [0])) },
            "M: tensor 'layers.9.weight' is not part of the architecture '8:relu,batchnorm,10'")
        XCTAssertEqual(
            try loadError { self.setMeta(&$0, "format_version", "6") },
            "M: format_version 6 is newer than this mlp reads (5); use a newer mlp")
        XCTAssertEqual(
            try loadError { self.setMeta(&$0, "format", nil) },
            "M: metadata \"format\" is missing, expected 'mlp': this safetensors file was not written by mlp")
        XCTAssertEqual(
            try loadError { self.setMeta(&$0, "architecture", "8:relu,batchnorm,12") },
            "M: metadata \"architecture\": the architecture must end with a dense layer of 10 units, one per class (e.g. '...,10'), got '12'"
        )
        XCTAssertEqual(
            try loadError { self.setMeta(&$0, "input_features", "-3") },
            "M: metadata \"input_features\" is '-3', expected a whole number from 1 to 16777216")
        XCTAssertEqual(
            try loadError { self.setMeta(&$0, "loss", "hinge") },
            "M: metadata \"loss\" is 'hinge', expected one of cross_entropy, cross_entropy:SMOOTHING, mse, bce, mae, huber[:DELTA]")
        XCTAssertEqual(
            try loadError { f in
                f.tensors = f.tensors.map {
                    $0.name == "layers.0.bias" ? SafetensorsTensor(name: $0.name, shape: $0.shape, values: $0.values.map { _ in .nan }) : $0
                }
            }, "M: tensor 'layers.0.bias' holds NaN or infinite values")
    }

    func testForeignAndTruncatedFiles() throws {
        let dir = try TempDir()
        let path = dir.file("x.safetensors")
        try dir.write("x.safetensors", Array("hello world, not a model".utf8))
        XCTAssertThrowsError(try ModelFile.load(path)) { e in
            let m = CLIError.from(e).message
            XCTAssertTrue(m.hasPrefix(path + ": "), m)
            XCTAssertFalse(m.contains("\n"))
        }
        let (net, _) = try trainedNetwork("8:relu,10")
        try ModelFile.save(net, to: path, input: .pixels(scale: 1.0 / 255, rows: 2, cols: 3), output: .classIndices(net.classes))
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        for cut in [4, 20, bytes.count / 2, bytes.count - 1] {
            try dir.write("x.safetensors", Array(bytes[0..<cut]))
            XCTAssertThrowsError(try ModelFile.load(path), "cut at \(cut)") { e in XCTAssertEqual(CLIError.from(e).code, .dataError) }
        }
    }
}
