// The INT8 model evaluate and predict run: runs of INT8 dense layers with float layers between
// them, one forward pass for byte and float inputs, and batches padded to a few planned sizes.
import Model
import Quantized
import XCTest

final class QuantizedModelTests: XCTestCase {
    /// An INT8 model of `arch` on `inputs` features, its dense layers quantized from the float
    /// network's seeded weights; `byteScale` for an image model.
    func model(_ arch: String, inputs: Int, outputs: Int, byteScale: Float? = 1 / 255) throws -> QuantizedModel {
        let net = Network(inputs: inputs, specs: try Architecture.parse(arch, classes: outputs), loss: SoftmaxCrossEntropy(), seed: 5)
        var dense: [QuantizedModel.DenseLayer] = []
        for (i, layer) in net.layers.enumerated() {
            guard let d = layer as? Dense else { continue }
            let q = QuantizedMatrix(quantizing: d.weight.values, rows: d.outputFeatures, cols: d.inputFeatures)
            dense.append(.init(index: i, weights: q, bias: d.bias.values, activation: d.activation, inputRange: nil))
        }
        let m = QuantizedModel(network: net, dense: dense, activations: .dynamic, byteScale: byteScale, path: "test.safetensors")
        _ = try loadOneDNN()
        try m.prepare(threads: 1, batch: 8)
        return m
    }

    func rows(_ m: Matrix, _ n: Int) -> [Float] { Array(UnsafeBufferPointer(start: m.data, count: n * m.cols)) }

    func testAFirstFloatLayerTakesBytesAsTheFloatsTheyStandFor() throws {
        // The batch norm comes first, so the first stage is a float layer: bytes and the floats
        // byte·scale must give the same outputs, bit for bit.
        let m = try model("batchnorm,6:relu,3", inputs: 4, outputs: 3)
        let bytes: [UInt8] = (0..<(5 * 4)).map { UInt8(($0 * 37 + 11) % 256) }
        let floats = bytes.map { Float($0) * (1 / 255 as Float) }
        let fromBytes = try bytes.withUnsafeBufferPointer { try rows(m.forward(bytes: $0.baseAddress!, rows: 5), 5) }
        let fromFloats = try floats.withUnsafeBufferPointer { try rows(m.forward(floats: $0.baseAddress!, rows: 5), 5) }
        XCTAssertEqual(fromBytes, fromFloats)
    }

    func testAShortBatchIsPaddedWithoutChangingItsRows() throws {
        // 5 rows run as 8 (padded with copies of the last row); the same 5 rows followed by three
        // copies of the last one, run as 8, give the same first 5 rows.
        let m = try model("6:relu,3", inputs: 4, outputs: 3)
        XCTAssertEqual(m.plannedRows(5), 8)
        let bytes: [UInt8] = (0..<(5 * 4)).map { UInt8(($0 * 53 + 7) % 256) }
        let padded = bytes + (0..<3).flatMap { _ in bytes.suffix(4) }
        let short = try bytes.withUnsafeBufferPointer { try rows(m.forward(bytes: $0.baseAddress!, rows: 5), 5) }
        let full = try padded.withUnsafeBufferPointer { try rows(m.forward(bytes: $0.baseAddress!, rows: 8), 5) }
        XCTAssertEqual(short, full)
        let floats = bytes.map { Float($0) / 255 }
        let paddedFloats = floats + (0..<3).flatMap { _ in floats.suffix(4) }
        let shortFloats = try floats.withUnsafeBufferPointer { try rows(m.forward(floats: $0.baseAddress!, rows: 5), 5) }
        let fullFloats = try paddedFloats.withUnsafeBufferPointer { try rows(m.forward(floats: $0.baseAddress!, rows: 8), 5) }
        XCTAssertEqual(shortFloats, fullFloats)
    }
}
