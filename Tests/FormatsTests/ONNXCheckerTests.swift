// Exported files pass `onnx.load` and `onnx.checker.check_model(full_check=True)` (shape inference
// included), carry their metadata and names; descriptions that cannot be exported get one-line errors.

import Formats
import TestSupport
import XCTest

final class ONNXCheckerTests: XCTestCase {
    /// A network with every kind of node the exporter writes, in both INT8 modes.
    func everyKind(_ quantization: ONNXExport.ActivationQuantization) throws -> [UInt8] {
        var random = SeededGenerator(seed: 5)
        var options = ONNXExport.Options()
        options.activationQuantization = quantization
        options.foldBatchNorm = false
        options.producerVersion = "test"
        func dense(_ i: Int, _ o: Int, _ act: String) -> ONNXExport.Layer {
            .dense(weight: random.floats(o * i, -1, 1), out: o, in: i, bias: random.floats(o, -1, 1), activation: act)
        }
        let layers: [ONNXExport.Layer] = [
            dense(4, 5, "relu"),
            .batchNorm(
                gamma: [1, 2, 3, 4, 5], beta: [0, 0, 1, 1, 0], mean: [0, 1, 0, 1, 0],
                variance: [1, 1, 2, 2, 3], epsilon: 1e-3),
            dense(5, 5, "leaky_relu:0.3"), .activation("sigmoid"), .dropout, dense(5, 5, "tanh"), dense(5, 5, "gelu"),
            .activation("swish"),
            .int8Dense(weight: random.int8s(15), scales: [0.01, 0.02, 0.03], out: 3, in: 5, bias: [0, 0, 0], activation: "relu"),
        ]
        return try ONNXExport.onnxModel(
            inputWidth: 4, input: .standardize(mean: [0, 1, 2, 3], std: [1, 2, 3, 4]), layers: layers,
            output: .unstandardize(mean: [1, 2, 3], std: [4, 5, 6]),
            metadata: [("architecture", "5:relu,batchnorm,…"), ("input_scale", "0.00392156863")], options: options)
    }

    func testFullCheckPassesForEveryNodeKind() throws {
        let reports = try ONNXHarness.run([
            .init(label: "u8", model: try everyKind(.uint8Asymmetric)),
            .init(label: "s8", model: try everyKind(.int8Symmetric)),
        ])
        for (report, label) in zip(reports, ["u8", "s8"]) {
            XCTAssertNil(report["error"], "\(label): \(report["error"] ?? "")")
            XCTAssertEqual(report["checker"] as? String, "ok", label)
            XCTAssertEqual(report["ir_version"] as? Int, ONNXExport.irVersion, label)
            XCTAssertEqual(report["opset"] as? [String: Int], ["ai.onnx": ONNXExport.opsetVersion], label)
            XCTAssertEqual(
                report["metadata"] as? [String: String],
                ["architecture": "5:relu,batchnorm,…", "input_scale": "0.00392156863"], label)
            let input = report["input"] as? [String: Any]
            let output = report["output"] as? [String: Any]
            XCTAssertEqual(input?["name"] as? String, "input")
            XCTAssertEqual((input?["shape"] as? [Any])?.map { "\($0)" }, ["batch", "4"])
            XCTAssertEqual(output?["name"] as? String, "prediction")
            XCTAssertEqual((output?["shape"] as? [Any])?.map { "\($0)" }, ["batch", "3"])
        }
        let ops = reports.map { Set(($0["operators"] as? [String]) ?? []) }
        let shared: Set = [
            "Sub", "Div", "Gemm", "Relu", "BatchNormalization", "LeakyRelu", "Sigmoid", "Tanh", "Mul",
            "Add", "MatMulInteger", "Cast",
        ]
        XCTAssertEqual(ops[0], shared.union(["DynamicQuantizeLinear"]))
        XCTAssertEqual(ops[1], shared.union(["Abs", "ReduceMax", "Max", "QuantizeLinear"]))
    }

    /// The checker is a real check: a graph with a dangling input fails it.
    func testTheCheckerRejectsABrokenGraph() throws {
        var graph = ONNXGraph(name: "broken")
        graph.inputs = [ONNXValueInfo(name: "input", elementType: .float, shape: [.symbol("batch"), .size(2)])]
        graph.outputs = [ONNXValueInfo(name: "y", elementType: .float, shape: [.symbol("batch"), .size(2)])]
        graph.nodes = [ONNXNode("Add", name: "add", inputs: ["input", "missing"], outputs: ["y"])]
        let model = ONNXModelFile(
            irVersion: ONNXExport.irVersion, opsetVersion: ONNXExport.opsetVersion,
            producerName: "test", graph: graph
        ).serialized()
        let report = try ONNXHarness.run([.init(label: "broken", model: model)])[0]
        let error = try XCTUnwrap(report["error"] as? String, "\(report)")
        XCTAssert(error.contains("missing"), error)
        XCTAssertFalse(error.contains("\n"), error)
    }

    // MARK: Errors

    func exportError(
        width: Int = 3, input: ONNXExport.Input = .identity, _ layers: [ONNXExport.Layer],
        output: ONNXExport.Output = .softmax
    ) -> String? {
        do {
            _ = try ONNXExport.onnxModel(inputWidth: width, input: input, layers: layers, output: output, metadata: [])
            return nil
        } catch {
            XCTAssertFalse(error.message.contains("\n"))
            return error.message
        }
    }

    func testDescriptionsThatCannotBeExportedGetOneLineErrors() {
        let ok = ONNXExport.Layer.dense(weight: [Float](repeating: 0, count: 6), out: 2, in: 3, bias: [0, 0], activation: "relu")
        XCTAssertNil(exportError([ok]))
        XCTAssertEqual(exportError(width: 0, [ok]), "the input width is 0, expected at least 1")
        XCTAssertEqual(exportError(width: 4, [ok]), "layer 0 (dense): takes 3 features, but the layer before gives 4")
        XCTAssertEqual(exportError([ok, .dropout, ok]), "layer 2 (dense): takes 3 features, but the layer before gives 2")
        XCTAssertEqual(
            exportError([.dense(weight: [1], out: 2, in: 3, bias: [0, 0], activation: "relu")]),
            "layer 0 (dense 2×3): weight has 1 values, expected 6")
        XCTAssertEqual(
            exportError([.dense(weight: [], out: 0, in: 3, bias: [], activation: "relu")]),
            "layer 0 (dense): 0 outputs × 3 inputs, expected at least 1 × 1")
        XCTAssertEqual(
            exportError([.activation("softplus")]),
            "layer 0: unknown activation 'softplus', expected relu, leaky_relu[:ALPHA], sigmoid, tanh, gelu, swish, silu or linear")
        XCTAssertEqual(exportError([.activation("leaky_relu:x")]), "layer 0: leaky_relu slope 'x' is not a finite number")
        XCTAssertEqual(
            exportError([.batchNorm(gamma: [1, 1, 1], beta: [0, 0, 0], mean: [0, 0, 0], variance: [1, -1, 1], epsilon: 0)]),
            "layer 0 (batch norm): variance 1 is -1.0, expected variance + epsilon > 0")
        XCTAssertEqual(
            exportError([.batchNorm(gamma: [1, 1], beta: [0, 0], mean: [0, 0], variance: [1, 1], epsilon: 0)]),
            "layer 0 (batch norm): takes 2 features, but the layer before gives 3")
        XCTAssertEqual(
            exportError([.int8Dense(weight: [0, 0, 0], scales: [.nan], out: 1, in: 3, bias: [0], activation: "linear")]),
            "layer 0 (int8 dense): scale 0 is nan, expected a finite value ≥ 0")
        XCTAssertEqual(
            exportError(input: .standardize(mean: [0, 0, 0], std: [1, 0, 1]), [ok]),
            "input standardization: std of feature 1 is 0.0, expected a nonzero finite number")
        XCTAssertEqual(
            exportError([ok], output: .unstandardize(mean: [0], std: [1])),
            "output unstandardization: 1 means and 1 deviations, expected 2 of each")
    }
}
