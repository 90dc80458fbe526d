// A small network in INT8 against the same network in float: within the error quantization allows.
import Model
import Quantized
import XCTest

/// A random ReLU network and its plain float forward pass.
struct SmallNetwork {
    let widths: [Int]
    var weights: [[Float]] = [], biases: [[Float]] = []

    init(widths: [Int], seed: UInt64) {
        self.widths = widths
        var rng = RandomGenerator(seed: seed)
        for (a, b) in zip(widths, widths.dropFirst()) {
            let he = (2 / Float(a)).squareRoot()
            weights.append((0..<a * b).map { _ in rng.normal() * he })
            biases.append((0..<b).map { _ in rng.uniform(-0.1, 0.1) })
        }
    }

    var activations: [Activation] { (0..<weights.count).map { $0 == weights.count - 1 ? .linear : .relu } }

    func forward(_ x: [Float], rows: Int) -> [Float] {
        var h = x
        for l in 0..<weights.count {
            let (k, n) = (widths[l], widths[l + 1])
            var y = [Float](repeating: 0, count: rows * n)
            for r in 0..<rows {
                for c in 0..<n {
                    var s: Double = 0
                    for i in 0..<k { s += Double(h[r * k + i]) * Double(weights[l][c * k + i]) }
                    y[r * n + c] = activations[l].apply(Float(s) + biases[l][c])
                }
            }
            h = y
        }
        return h
    }

    var int8: [Int8Network.LayerParameters] {
        (0..<weights.count).map {
            Int8Network.LayerParameters(
                weights: QuantizedMatrix(quantizing: weights[$0], rows: widths[$0 + 1], cols: widths[$0]),
                bias: biases[$0], activation: activations[$0])
        }
    }
}

final class Int8NetworkTests: XCTestCase {
    func testOneLayerIsWithinTheQuantizationBound() throws {
        // x̂ = x + e_x, ŵ = w + e_w with |e_x| ≤ s_x/2, |e_w| ≤ s_w/2, so
        // |x̂·ŵ − x·w| ≤ Σ_k |w_k|·s_x/2 + |x_k|·s_w/2 + s_x·s_w/4 for every output.
        let dnnl = try loadOneDNN()
        let net = SmallNetwork(widths: [50, 20], seed: 1)
        var rng = RandomGenerator(seed: 2)
        let rows = 9
        let x = (0..<rows * 50).map { _ in rng.uniform(-1, 2) }
        let want = net.forward(x, rows: rows)
        let q = Int8Network(net.int8, dnnl: dnnl)
        var got = [Float](repeating: .nan, count: rows * 20)
        try x.withUnsafeBufferPointer { xs in
            try got.withUnsafeMutableBufferPointer { try q.forward(xs.baseAddress!, rows: rows, into: $0.baseAddress!) }
        }
        let sx = ActivationQuantization(min: x.min()!, max: x.max()!, maximum: dnnl.activationMaximum).scale
        let sw = QuantizedMatrix(quantizing: net.weights[0], rows: 20, cols: 50).scales
        var tight = 0
        for r in 0..<rows {
            for c in 0..<20 {
                var bound: Float = 0
                for i in 0..<50 { bound += abs(net.weights[0][c * 50 + i]) * sx / 2 + abs(x[r * 50 + i]) * sw[c] / 2 + sx * sw[c] / 4 }
                let err = abs(got[r * 20 + c] - want[r * 20 + c])
                XCTAssertLessThanOrEqual(err, bound + 1e-5, "[\(r), \(c)]")
                if err < bound / 4 { tight += 1 }
            }
        }
        // Rounding errors mostly cancel: typical errors are far below the worst case.
        XCTAssertGreaterThan(tight, rows * 20 / 2)
    }

    func testByteInputsEnterTheFirstLayerExactly() throws {
        // x = scale·byte: the bytes are the u8 input itself, so the INT8 layer computes exactly
        // Σ_k x_k·ŵ_k + b with the dequantized weights ŵ (up to float rounding of the epilogue).
        // With levels 0...127 (no VNNI) the bytes are halved, ties to even, and the scale doubled.
        let dnnl = try loadOneDNN()
        let net = SmallNetwork(widths: [70, 12], seed: 31)
        var rng = RandomGenerator(seed: 32)
        let rows = 6
        let scale: Float = 1 / 255
        let pixels = (0..<rows * 70).map { _ in UInt8(rng.below(256)) } + [255, 254, 253, 1]  // the ties, in a 7th row
        let allRows = rows + 1
        let padded = pixels + [UInt8](repeating: 0, count: 70 - 4)
        let halved = dnnl.activationMaximum < 255
        let levels = padded.map { b -> Double in
            guard halved else { return Double(b) }
            var h = Int(b) / 2
            if b % 2 == 1 && h % 2 == 1 { h += 1 }
            return Double(min(h, 127)) * 2
        }
        let w = QuantizedMatrix(quantizing: net.weights[0], rows: 12, cols: 70).dequantized()
        for mode in [Int8Network.Mode.dynamic, .calibrated([.init(min: 0, max: 1)])] {
            let q = Int8Network(net.int8, mode: mode, dnnl: dnnl)
            var got = [Float](repeating: .nan, count: allRows * 12)
            try padded.withUnsafeBufferPointer { p in
                try got.withUnsafeMutableBufferPointer {
                    try q.forward(bytes: p.baseAddress!, scale: scale, rows: allRows, into: $0.baseAddress!)
                }
            }
            for r in 0..<allRows {
                for c in 0..<12 {
                    var want = Double(net.biases[0][c])
                    for i in 0..<70 { want += levels[r * 70 + i] * Double(scale) * Double(w[c * 70 + i]) }
                    XCTAssertEqual(Double(got[r * 12 + c]), want, accuracy: 1e-5 * max(1, abs(want)), "\(mode) [\(r), \(c)]")
                }
            }
        }
    }

    func testDeepNetworkStaysCloseToFloat() throws {
        let dnnl = try loadOneDNN()
        let net = SmallNetwork(widths: [64, 96, 48, 10], seed: 4)
        var rng = RandomGenerator(seed: 5)
        let rows = 200
        let x = (0..<rows * 64).map { _ in rng.uniform(0, 1) }
        let want = net.forward(x, rows: rows)
        for mode in ["dynamic", "static"] {
            let q: Int8Network
            if mode == "dynamic" {
                q = Int8Network(net.int8, dnnl: dnnl)
            } else {
                let ranges = try x.withUnsafeBufferPointer {
                    try Int8Network.calibrate(net.int8, data: $0.baseAddress!, samples: rows, batch: 64, dnnl: dnnl)
                }
                q = Int8Network(net.int8, mode: .calibrated(ranges), dnnl: dnnl)
            }
            var got = [Float](repeating: .nan, count: rows * 10)
            try x.withUnsafeBufferPointer { xs in
                try got.withUnsafeMutableBufferPointer { try q.forward(xs.baseAddress!, rows: rows, into: $0.baseAddress!) }
            }
            var num: Double = 0
            var den: Double = 0
            var sameArgmax = 0
            for r in 0..<rows {
                for c in 0..<10 {
                    num += Double(got[r * 10 + c] - want[r * 10 + c]) * Double(got[r * 10 + c] - want[r * 10 + c])
                    den += Double(want[r * 10 + c]) * Double(want[r * 10 + c])
                }
                let a = (0..<10).max { got[r * 10 + $0] < got[r * 10 + $1] }!
                let b = (0..<10).max { want[r * 10 + $0] < want[r * 10 + $1] }!
                if a == b { sameArgmax += 1 }
            }
            // 8 bits give about 0.4 % per quantized tensor; three layers stay well under 3 %.
            XCTAssertLessThan((num / den).squareRoot(), 0.03, mode)
            XCTAssertGreaterThanOrEqual(sameArgmax, rows * 95 / 100, mode)
        }
    }

    func testStaticRowsDoNotDependOnTheirBatch() throws {
        // With fixed grids each row's output depends on that row alone, whatever the batch size.
        let dnnl = try loadOneDNN()
        let net = SmallNetwork(widths: [30, 40, 7], seed: 8)
        var rng = RandomGenerator(seed: 9)
        let rows = 23
        let x = (0..<rows * 30).map { _ in rng.uniform(0, 1) }
        let ranges = try x.withUnsafeBufferPointer { try Int8Network.calibrate(net.int8, data: $0.baseAddress!, samples: rows, dnnl: dnnl) }
        let q = Int8Network(net.int8, mode: .calibrated(ranges), dnnl: dnnl)
        var whole = [Float](repeating: .nan, count: rows * 7)
        var single = whole
        try x.withUnsafeBufferPointer { xs in
            try whole.withUnsafeMutableBufferPointer { try q.forward(xs.baseAddress!, rows: rows, into: $0.baseAddress!) }
            try single.withUnsafeMutableBufferPointer { y in
                for r in 0..<rows { try q.forward(xs.baseAddress! + r * 30, rows: 1, into: y.baseAddress! + r * 7) }
            }
        }
        XCTAssertEqual(whole, single)
    }
}
