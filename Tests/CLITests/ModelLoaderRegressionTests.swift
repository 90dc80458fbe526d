// Regressions for the model loader (ModelFile.build), as the fuzz target feeds it: parsed files
// whose metadata lies. Each must be a one-line data error, never a trap or a huge allocation.
import Formats
import Model
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

final class ModelLoaderRegressionTests: XCTestCase {
    let metadata: [(String, String)] = [
        ("format", "mlp"), ("format_version", "1"), ("architecture", "10"), ("input_features", "4"),
        ("input_rows", "2"), ("input_cols", "2"), ("input_scale", "0.5"), ("classes", "10"), ("loss", "cross_entropy"),
    ]
    let tensors = [
        SafetensorsTensor(name: "layers.0.weight", shape: [10, 4], values: [Float](repeating: 0.1, count: 40)),
        SafetensorsTensor(name: "layers.0.bias", shape: [10], values: [Float](repeating: 0, count: 10)),
    ]

    func buildError(_ changes: [(String, String)]) -> String? {
        var meta = metadata
        for (k, v) in changes { meta = meta.map { $0.0 == k ? (k, v) : $0 } }
        do {
            _ = try ModelFile.build(SafetensorsFile(tensors: tensors, metadata: meta), path: "M")
            return nil
        } catch {
            let error = CLIError.from(error)
            XCTAssertEqual(error.code, .dataError)
            XCTAssertFalse(error.message.contains("\n"))
            return error.message
        }
    }

    func testTheFixtureLoads() throws {
        XCTAssertNil(buildError([]))
    }

    /// input_rows × input_cols multiplied two untrusted integers: 2^32 × 2^32 trapped.
    func testInputRowsTimesColsDoesNotOverflow() {
        XCTAssertEqual(
            buildError([("input_rows", "4294967296"), ("input_cols", "4294967296")]),
            "M: metadata input_rows × input_cols (4294967296×4294967296) is not input_features (4)")
        XCTAssertEqual(
            buildError([("input_rows", "-2"), ("input_cols", "-2")]),
            "M: metadata input_rows × input_cols (-2×-2) is not input_features (4)")
    }

    /// A few hundred bytes declaring 2^24 inputs and two layers of 2^20 units made the loader
    /// allocate the whole network (16 TiB) before comparing it with the tensors in the file.
    func testAHugeArchitectureInATinyFileIsRefusedBeforeAllocating() {
        XCTAssertEqual(
            buildError([
                ("input_features", "16777216"), ("input_rows", "4096"), ("input_cols", "4096"),
                ("architecture", "1048576:relu,1048576,10"),
            ]),
            "M: tensor 'layers.0.weight' has shape [10, 4] but the architecture '1048576:relu,1048576,10' needs [1048576, 16777216]")
    }

    func testANewlineInTheArchitectureStaysOnOneLine() {
        XCTAssertEqual(
            buildError([("architecture", "4*t\nh,10")]),
            "M: metadata \"architecture\": bad layer '4*t\\nh' at position 1 of the architecture; accepted: N, N:ACT, N[:ACT]:maxnorm=C, ACT, dropout:P, batchnorm[:MOMENTUM], where ACT is one of relu, leaky_relu[:alpha], sigmoid, tanh, gelu, swish, silu, linear"
        )
    }

    /// The loader computes the tensors an architecture needs without building it; that list must
    /// be exactly what the network has, for every layer type.
    func testExpectedTensorsMatchTheNetwork() throws {
        for arch in [
            "10", "128:relu,10", "32:leaky_relu:0.2,dropout:0.3,16:gelu,batchnorm,10", "16,batchnorm:0.2,swish,16:tanh,dropout:0.5,10",
            "batchnorm,relu,10",
        ] {
            let specs = try Architecture.parse(arch, classes: 10)
            let net = Network(inputs: 6, specs: specs, loss: LossKind.make("mse")!)
            let actual = ModelFile.views(net).map { "\($0.name) \($0.shape)" }
            let expected = ModelFile.expectedTensors(inputs: 6, specs: specs).map { "\($0.name) \($0.shape)" }
            XCTAssertEqual(expected, actual, arch)
        }
    }
}
