// Exported networks of every layer kind, activation, input and output, run by onnxruntime and
// compared with a Double forward pass of the same description (ONNXReference). fp32 within 1e-5;
// INT8 against a reference doing the same quantization arithmetic.

import Formats
import TestSupport
import XCTest

final class ONNXExportTests: XCTestCase {
    /// A network case: the description, rows to run, and how close onnxruntime must come.
    struct Case {
        var label: String
        var width: Int
        var input: ONNXExport.Input = .identity
        var layers: [ONNXExport.Layer]
        var output: ONNXExport.Output = .identity
        var options = ONNXExport.Options()
        var rows: [[Float]]
        var batch = 0
    }

    /// Exports every case, runs them all in one onnxruntime process, compares each with the reference.
    func check(_ cases: [Case], tolerance: Double = 1e-5, file: StaticString = #filePath, line: UInt = #line) throws {
        try ONNXHarness.requireRuntime()
        let jobs = try cases.map { c in
            ONNXHarness.Job(
                label: c.label,
                model: try ONNXExport.onnxModel(
                    inputWidth: c.width, input: c.input, layers: c.layers, output: c.output, metadata: [],
                    options: c.options),
                rows: c.rows, batch: c.batch)
        }
        for (c, report) in zip(cases, try ONNXHarness.run(jobs)) {
            guard let actual = ONNXHarness.outputs(report, c.label, file: file, line: line) else { continue }
            // A batch is quantized as a whole: the reference runs the same batches.
            let step = c.batch > 0 ? c.batch : max(c.rows.count, 1)
            let expected = stride(from: 0, to: c.rows.count, by: step).flatMap {
                ONNXReference.forward(
                    Array(c.rows[$0..<min($0 + step, c.rows.count)]), input: c.input, layers: c.layers,
                    output: c.output, quantization: c.options.activationQuantization)
            }
            assertClose(actual, expected, tolerance: tolerance, c.label, file: file, line: line)
        }
    }

    // MARK: Random layers

    var random = SeededGenerator(seed: 13)

    /// He-like uniform weights, so that activations stay of order one through a few layers.
    func dense(_ inputs: Int, _ out: Int, _ activation: String = "linear") -> ONNXExport.Layer {
        let bound = (6 / Float(inputs)).squareRoot()
        return .dense(
            weight: random.floats(out * inputs, -bound, bound), out: out, in: inputs,
            bias: random.floats(out, -0.5, 0.5), activation: activation)
    }

    func batchNorm(_ features: Int) -> ONNXExport.Layer {
        .batchNorm(
            gamma: random.floats(features, 0.5, 2), beta: random.floats(features, -1, 1),
            mean: random.floats(features, -1, 1), variance: random.floats(features, 0.2, 3), epsilon: 1e-5)
    }

    /// INT8 weights over the whole range, scales making W = scale·q of order 1/√inputs.
    func int8Dense(_ inputs: Int, _ out: Int, _ activation: String = "linear") -> ONNXExport.Layer {
        let s = 1 / (127 * Float(inputs).squareRoot())
        return .int8Dense(
            weight: random.int8s(out * inputs), scales: random.floats(out, 0.5 * s, 2 * s),
            out: out, in: inputs, bias: random.floats(out, -0.5, 0.5), activation: activation)
    }

    // MARK: fp32

    func testEveryActivationFusedAndStandalone() throws {
        let tokens = ["relu", "leaky_relu", "leaky_relu:0.2", "sigmoid", "tanh", "gelu", "swish", "silu", "linear"]
        let cases = tokens.map { token in
            Case(
                label: token, width: 6,
                layers: [dense(6, 8, token), dense(8, 8), .activation(token), dense(8, 4)],
                rows: random.rows(16, 6, -3, 3))
        }
        try check(cases)
    }

    func testBatchNormFoldedIntoLinearDenseOrWrittenAsANode() throws {
        let linearThenNorm: [ONNXExport.Layer] = [dense(6, 8), .dropout, batchNorm(8), .activation("relu"), dense(8, 3)]
        var unfolded = ONNXExport.Options()
        unfolded.foldBatchNorm = false
        let afterActivation: [ONNXExport.Layer] = [dense(6, 8, "tanh"), .dropout, batchNorm(8), dense(8, 3)]
        let onInput: [ONNXExport.Layer] = [batchNorm(6), dense(6, 5, "gelu"), batchNorm(5), batchNorm(5), dense(5, 3)]
        let rows = random.rows(16, 6, -2, 2)
        try check([
            Case(label: "folded", width: 6, layers: linearThenNorm, output: .softmax, rows: rows),
            Case(label: "node", width: 6, layers: linearThenNorm, output: .softmax, options: unfolded, rows: rows),
            Case(label: "after an activation", width: 6, layers: afterActivation, rows: rows),
            Case(label: "on the input, twice in a row", width: 6, layers: onInput, rows: rows),
        ])

        func ops(_ layers: [ONNXExport.Layer], _ options: ONNXExport.Options = .init()) throws -> [String] {
            try ONNXExport.model(
                inputWidth: 6, input: .identity, layers: layers, output: .identity, metadata: [],
                options: options
            ).graph.nodes.map(\.opType)
        }
        XCTAssertEqual(try ops(linearThenNorm), ["Gemm", "Relu", "Gemm", "Identity"])
        XCTAssertEqual(try ops(linearThenNorm, unfolded), ["Gemm", "BatchNormalization", "Relu", "Gemm", "Identity"])
        XCTAssertEqual(try ops(afterActivation), ["Gemm", "Tanh", "BatchNormalization", "Gemm", "Identity"])
    }

    func testInputScalingStandardizationAndEveryOutput() throws {
        let pixels = (0..<12).map { _ in (0..<6).map { _ in Float(random.next() % 256) } }
        let mean = random.floats(6, -1, 1)
        let std = random.floats(6, 0.5, 3)
        let regression = [dense(6, 8, "relu"), .dropout, dense(8, 2)]
        try check([
            Case(
                label: "scale 1/255, softmax", width: 6, input: .scale(1 / 255),
                layers: [dense(6, 8, "relu"), dense(8, 4)], output: .softmax, rows: pixels),
            Case(
                label: "standardize, sigmoid", width: 6, input: .standardize(mean: mean, std: std),
                layers: [dense(6, 5, "swish"), dense(5, 3)], output: .sigmoid, rows: random.rows(12, 6, -4, 4)),
            Case(
                label: "unstandardize", width: 6, input: .standardize(mean: mean, std: std), layers: regression,
                output: .unstandardize(mean: [100, -3], std: [25, 0.5]), rows: random.rows(12, 6, -4, 4)),
            Case(label: "no layers", width: 6, input: .scale(0.5), layers: [], output: .identity, rows: pixels),
        ])
    }

    /// The input as an IDX file of bytes, as MNIST's images are given to `mlp predict`.
    func testIDXImagesAsInput() throws {
        let images = (0..<5 * 2 * 3).map { _ in UInt8(random.next() % 256) }
        let layers = [dense(6, 7, "relu"), dense(7, 3)]
        let model = try ONNXExport.onnxModel(inputWidth: 6, input: .scale(1 / 255), layers: layers, output: .softmax, metadata: [])
        let reports = try ONNXHarness.run([
            ONNXHarness.Job(
                label: "idx", model: model, idx: IDXWriter.encode(dims: [5, 2, 3], data: images))
        ])
        let rows = (0..<5).map { r in (0..<6).map { Float(images[r * 6 + $0]) } }
        guard let actual = ONNXHarness.outputs(reports[0], "idx") else { return }
        assertClose(
            actual, ONNXReference.forward(rows, input: .scale(1 / 255), layers: layers, output: .softmax),
            tolerance: 1e-5, "idx")
    }

    /// GELU's nodes are arranged so that onnxruntime runs them as one FastGelu kernel (about 4× faster);
    /// INT8 layers become its fused DynamicQuantizeMatMul or MatMulIntegerToFloat kernels. If this
    /// fails after an onnxruntime upgrade, the export still runs, only slower: look at the optimizer.
    func testOnnxruntimeFusesGELUAndTheInt8Pattern() throws {
        var s8 = ONNXExport.Options()
        s8.activationQuantization = .int8Symmetric
        let layers = [dense(6, 8, "gelu"), dense(8, 8), .activation("gelu"), int8Dense(8, 4, "relu"), dense(4, 3)]
        let u8 = try ONNXExport.onnxModel(inputWidth: 6, input: .identity, layers: layers, output: .softmax, metadata: [])
        let s8Model = try ONNXExport.onnxModel(inputWidth: 6, input: .identity, layers: layers, output: .softmax, metadata: [], options: s8)
        let reports = try ONNXHarness.run([.init(label: "u8", model: u8), .init(label: "s8", model: s8Model)], optimized: true)
        for (report, label) in zip(reports, ["u8", "s8"]) {
            let ops = try XCTUnwrap(report["optimized_operators"] as? [String], "\(label): \(report)")
            XCTAssertEqual(ops.filter { $0 == "com.microsoft:FastGelu" }.count, 2, "\(label): \(ops)")
            XCTAssertFalse(ops.contains("Tanh"), "\(label): \(ops)")
            XCTAssertFalse(ops.contains("MatMulInteger"), "\(label): \(ops)")
        }
    }

    // MARK: INT8

    func testInt8LayersAgreeWithTheSameQuantizationArithmetic() throws {
        var s8 = ONNXExport.Options()
        s8.activationQuantization = .int8Symmetric
        let twoLayers = [int8Dense(6, 8, "relu"), int8Dense(8, 5)]
        let mixed = [dense(6, 8), batchNorm(8), .activation("gelu"), int8Dense(8, 8, "leaky_relu"), .dropout, dense(8, 4)]
        let rows = random.rows(24, 6, -3, 3)
        try check([
            Case(label: "u8 activations", width: 6, layers: twoLayers, rows: rows),
            Case(label: "s8 activations", width: 6, layers: twoLayers, options: s8, rows: rows),
            Case(label: "u8, batches of 5", width: 6, layers: twoLayers, rows: rows, batch: 5),
            Case(label: "s8, one row at a time", width: 6, layers: twoLayers, options: s8, rows: rows, batch: 1),
            Case(label: "u8 among float layers", width: 6, input: .scale(0.5), layers: mixed, output: .softmax, rows: rows),
            Case(
                label: "all-zero input", width: 6, layers: twoLayers, options: s8, rows: [[Float]](repeating: [0, 0, 0, 0, 0, 0], count: 3)),
        ])
    }

    /// A fixed input grid (QuantizeLinear): pixel bytes in their own grid (scale 1/255, zero point 0)
    /// quantize to themselves, and a calibrated grid saturates values outside its range.
    func testInt8FixedGridsAgreeWithTheSameArithmetic() throws {
        func fixed(_ layer: ONNXExport.Layer, _ s: Float, _ zp: UInt8) -> ONNXExport.Layer {
            guard case .int8Dense(let w, let scales, let out, let inputs, let b, let act) = layer else { return layer }
            return .int8DenseFixedGrid(
                weight: w, scales: scales, out: out, in: inputs, bias: b, activation: act, inputScale: s, inputZeroPoint: zp)
        }
        let bytes = (0..<20).map { _ in (0..<6).map { _ in Float(random.next() % 256) } }
        let layers = [fixed(int8Dense(6, 8, "relu"), 1 / 255, 0), fixed(int8Dense(8, 5), 0.01, 3)]
        try check([
            Case(label: "bytes, then a static grid", width: 6, input: .scale(1 / 255), layers: layers, rows: bytes),
            Case(label: "one row at a time", width: 6, input: .scale(1 / 255), layers: layers, rows: bytes, batch: 1),
            Case(
                label: "fixed among dynamic", width: 6, layers: [int8Dense(6, 8, "tanh"), fixed(int8Dense(8, 4), 2 / 255, 128)],
                rows: random.rows(16, 6, -2, 2)),
        ])
        // Rows do not depend on their batch with fixed grids.
        let one = ONNXReference.forward([bytes[0]], input: .scale(1 / 255), layers: layers, output: .identity)
        let all = ONNXReference.forward(bytes, input: .scale(1 / 255), layers: layers, output: .identity)
        XCTAssertEqual(one[0], all[0])
        XCTAssertThrowsError(
            try ONNXExport.onnxModel(
                inputWidth: 6, input: .identity, layers: [fixed(int8Dense(6, 2), 0, 0)],
                output: .identity, metadata: [])
        ) { e in
            XCTAssertEqual((e as? ONNXExportError)?.message, "layer 0 (int8 dense): input scale is 0.0, expected a finite value > 0")
        }
    }

    /// Per-batch quantization is real: the same row gives other outputs in another batch.
    func testInt8OutputsDependOnTheBatch() throws {
        let layers = [int8Dense(6, 5)]
        let rows = random.rows(8, 6, -1, 1) + [[40, -40, 40, -40, 40, -40]]
        let whole = ONNXReference.forward(rows, input: .identity, layers: layers, output: .identity)
        let single = ONNXReference.forward([rows[0]], input: .identity, layers: layers, output: .identity)
        XCTAssertNotEqual(whole[0], single[0], "the wide row should coarsen the batch's scale")
        try check([Case(label: "batch of 9", width: 6, layers: layers, rows: rows)])
    }

    /// INT8 within the quantization error of the float network it approximates.
    func testInt8StaysNearTheFloatNetwork() throws {
        let (inputs, out) = (32, 10)
        let w = random.floats(out * inputs, -0.3, 0.3)
        let b = random.floats(out, -0.2, 0.2)
        var q = [Int8](repeating: 0, count: w.count)
        var scales = [Float](repeating: 0, count: out)
        for o in 0..<out {
            let m = w[(o * inputs)..<((o + 1) * inputs)].map(abs).max()!
            scales[o] = m / 127
            for k in 0..<inputs { q[o * inputs + k] = Int8((w[o * inputs + k] / scales[o]).rounded()) }
        }
        let rows = random.rows(64, inputs, 0, 1)
        let float = ONNXReference.forward(
            rows, input: .identity,
            layers: [.dense(weight: w, out: out, in: inputs, bias: b, activation: "linear")], output: .identity)
        let model = try ONNXExport.onnxModel(
            inputWidth: inputs, input: .identity,
            layers: [.int8Dense(weight: q, scales: scales, out: out, in: inputs, bias: b, activation: "linear")],
            output: .identity, metadata: [])
        guard let int8 = ONNXHarness.outputs(try ONNXHarness.run([.init(label: "int8", model: model, rows: rows)])[0], "int8")
        else { return }
        // x in [0, 1) has steps of at most 1/255 and |w| ≤ 0.3, so each of the `inputs` products is off
        // by at most half an x step times |w| plus half a w step (scale) times |x|.
        let bound = scales.map { Double(inputs) * (0.5 / 255 * 0.3 + 0.5 * Double($0)) }
        var worst = 0.0
        for (r, row) in int8.enumerated() {
            for o in 0..<out {
                XCTAssertLessThanOrEqual(abs(row[o] - float[r][o]), bound[o], "row \(r) output \(o)")
                worst = max(worst, abs(row[o] - float[r][o]))
            }
        }
        XCTAssertGreaterThan(worst, 0, "INT8 should not be exactly the float network")
    }
}
