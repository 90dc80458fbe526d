// The oneDNN INT8 matmul against a plain Swift integer reference: the int32 accumulation exactly,
// then the documented float epilogue y = f(s_w[n]·acc·s_x + b[n]) in the same order.
import Model
import Quantized
import XCTest

/// The library, or a test failure saying why it could not be opened (libdnnl-dev is a build
/// dependency, so a missing libdnnl.so.2 is a broken install, not a reason to skip).
func loadOneDNN() throws -> OneDNN {
    do { return try OneDNN.shared() } catch {
        XCTFail("\(error)")
        throw error
    }
}

struct Int8Case {
    let m: Int, k: Int, n: Int
    let input: [UInt8], zeroPoint: Int32, inputScale: Float
    let weights: QuantizedMatrix
    let bias: [Float]

    /// Inputs over the whole grid 0...maximum (OneDNN.activationMaximum: 255 with VNNI or AMX).
    init(m: Int, k: Int, n: Int, seed: UInt64, zeroPoint: Int32, maximum: Int32, unitScales: Bool = false) {
        var rng = RandomGenerator(seed: seed)
        self.m = m
        self.k = k
        self.n = n
        input = (0..<m * k).map { _ in UInt8(rng.below(Int(maximum) + 1)) }
        self.zeroPoint = zeroPoint
        inputScale = unitScales ? 1 : 0.013
        let values = (0..<n * k).map { _ in Int8(rng.below(255) - 127) }
        let scales = (0..<n).map { _ in unitScales ? Float(1) : rng.uniform(0.001, 0.01) }
        weights = QuantizedMatrix(rows: n, cols: k, values: values, scales: scales)
        bias = (0..<n).map { _ in unitScales ? 0 : rng.uniform(-2, 2) }
    }

    /// Σ_k (x[r,k] − z)·w[c,k] in Int32, as the hardware should.
    func accumulator(_ r: Int, _ c: Int) -> Int32 {
        var acc: Int32 = 0
        for i in 0..<k { acc += (Int32(input[r * k + i]) - zeroPoint) * Int32(weights.values[c * k + i]) }
        return acc
    }

    func reference(_ r: Int, _ c: Int, _ f: Activation) -> Float {
        let y = Float(accumulator(r, c)) * weights.scales[c] * inputScale + bias[c]
        return f.apply(y)
    }

    func run(_ dnnl: OneDNN, _ f: Activation, output: ActivationQuantization? = nil) throws -> [Float] {
        let layer = Int8Dense(weights: weights, bias: bias, activation: f, output: output, dnnl: dnnl)
        let grid = ActivationQuantization(scale: inputScale, zeroPoint: zeroPoint, maximum: output?.maximum ?? 255)
        if output != nil {
            var y = [UInt8](repeating: 0, count: m * n)
            try input.withUnsafeBufferPointer { x in
                try y.withUnsafeMutableBytes { try layer.forward(x.baseAddress!, rows: m, quantization: grid, into: $0.baseAddress!) }
            }
            return y.map(Float.init)
        }
        var y = [Float](repeating: .nan, count: m * n)
        try input.withUnsafeBufferPointer { x in
            try y.withUnsafeMutableBytes { try layer.forward(x.baseAddress!, rows: m, quantization: grid, into: $0.baseAddress!) }
        }
        return y
    }
}

final class Int8DenseTests: XCTestCase {
    func testAccumulationIsExact() throws {
        let dnnl = try loadOneDNN()
        // Unit scales, zero bias, no activation: the output is Float(acc), which is exact float
        // arithmetic on both sides (s32 → f32 rounds to nearest in both). Shapes with tails in
        // every dimension, one row, and C's first layer width.
        // The largest inputs and weights are the ones a saturating kernel would get wrong.
        let top = dnnl.activationMaximum
        for (m, k, n, z) in [(37, 83, 29, 0), (1, 784, 10, 7), (64, 784, 130, top / 2), (5, 1024, 1024, top)] as [(Int, Int, Int, Int32)] {
            let t = Int8Case(m: m, k: k, n: n, seed: UInt64(m * k + n), zeroPoint: z, maximum: top, unitScales: true)
            let y = try t.run(dnnl, .linear)
            var mismatches = 0
            for r in 0..<m { for c in 0..<n where y[r * n + c] != Float(t.accumulator(r, c)) { mismatches += 1 } }
            XCTAssertEqual(mismatches, 0, "\(m)×\(k)·\(k)×\(n), zero point \(z)")
        }
    }

    func testEpilogueMatchesTheDocumentedFormula() throws {
        let dnnl = try loadOneDNN()
        let t = Int8Case(m: 19, k: 100, n: 40, seed: 11, zeroPoint: 3, maximum: dnnl.activationMaximum)
        for f in [Activation.linear, .relu, .leakyReLU(alpha: 0.1)] {
            let y = try t.run(dnnl, f)
            var worst: Float = 0
            for r in 0..<t.m {
                for c in 0..<t.n {
                    let want = t.reference(r, c, f)
                    worst = max(worst, abs(y[r * t.n + c] - want) / max(abs(want).ulp, Float.leastNormalMagnitude))
                }
            }
            // The same operations in the same order: at most one rounding apart (oneDNN may fuse
            // the multiply and add of the post-ops).
            XCTAssertLessThanOrEqual(worst, 1, "\(f): worst error in ulps")
        }
    }

    func testSmoothActivationsAgreeWithMLPs() throws {
        let dnnl = try loadOneDNN()
        let t = Int8Case(m: 8, k: 50, n: 24, seed: 5, zeroPoint: 100, maximum: dnnl.activationMaximum)
        for f in [Activation.sigmoid, .tanh, .gelu, .swish] {
            let y = try t.run(dnnl, f)
            for r in 0..<t.m {
                for c in 0..<t.n {
                    let want = t.reference(r, c, f)
                    XCTAssertEqual(y[r * t.n + c], want, accuracy: 2e-6 + 2e-6 * abs(want), "\(f) [\(r), \(c)]")
                }
            }
        }
    }

    func testStaticOutputIsRoundedIntoTheNextGrid() throws {
        let dnnl = try loadOneDNN()
        let top = dnnl.activationMaximum
        let t = Int8Case(m: 30, k: 64, n: 50, seed: 9, zeroPoint: 0, maximum: top)
        let next = ActivationQuantization(scale: 0.02 * 255 / Float(top), zeroPoint: 0, maximum: top)
        let y = try t.run(dnnl, .relu, output: next)
        var equal = 0
        var saturated = 0
        for r in 0..<t.m {
            for c in 0..<t.n {
                let exact = t.reference(r, c, .relu) / next.scale + Float(next.zeroPoint)
                let want = max(0, min(Float(top), exact.rounded(.toNearestOrEven)))
                let got = y[r * t.n + c]
                // One level apart at most, and only where the exact value sits at a tie.
                XCTAssertLessThanOrEqual(abs(got - want), 1, "[\(r), \(c)]")
                if got == want { equal += 1 } else { XCTAssertEqual(abs(exact - exact.rounded(.down) - 0.5), 0, accuracy: 1e-3) }
                if want == Float(top) { saturated += 1 }
            }
        }
        XCTAssertGreaterThan(equal, t.m * t.n * 99 / 100)
        XCTAssertGreaterThan(saturated, 0, "the case should reach the top of the grid")
    }

    func testBatchSizesGetTheirOwnPrimitivesAndAgree() throws {
        let dnnl = try loadOneDNN()
        let t = Int8Case(m: 12, k: 40, n: 16, seed: 21, zeroPoint: 9, maximum: dnnl.activationMaximum)
        let layer = Int8Dense(weights: t.weights, bias: t.bias, activation: .relu, dnnl: dnnl)
        let grid = ActivationQuantization(scale: t.inputScale, zeroPoint: t.zeroPoint, maximum: dnnl.activationMaximum)
        var whole = [Float](repeating: 0, count: 12 * 16)
        var parts = whole
        try t.input.withUnsafeBufferPointer { x in
            try whole.withUnsafeMutableBytes { try layer.forward(x.baseAddress!, rows: 12, quantization: grid, into: $0.baseAddress!) }
            // 5 + 7 rows, then 5 again (the cached primitive), in place of the 12.
            try parts.withUnsafeMutableBytes { y in
                try layer.forward(x.baseAddress!, rows: 5, quantization: grid, into: y.baseAddress!)
                try layer.forward(x.baseAddress! + 5 * 40, rows: 7, quantization: grid, into: y.baseAddress! + 5 * 16 * 4)
            }
        }
        XCTAssertEqual(whole, parts)
        XCTAssertFalse(try layer.kernel(rows: 12).isEmpty)
    }

    func testZeroRowOutputsItsBias() throws {
        let dnnl = try loadOneDNN()
        let w: [Float] = [0, 0, 0, 0, 0.5, -0.25, 1, 0]
        let layer = Int8Dense(weights: QuantizedMatrix(quantizing: w, rows: 2, cols: 4), bias: [0.75, 0], activation: .linear, dnnl: dnnl)
        let x: [UInt8] = [10, 20, 30, 40]
        var y: [Float] = [.nan, .nan]
        try x.withUnsafeBufferPointer { xs in
            try y.withUnsafeMutableBytes {
                try layer.forward(
                    xs.baseAddress!, rows: 1,
                    quantization: ActivationQuantization(scale: 0.1, zeroPoint: 0, maximum: dnnl.activationMaximum), into: $0.baseAddress!)
            }
        }
        XCTAssertEqual(y[0], 0.75)
        XCTAssertEqual(y[1], 0.1 * (10 * 0.5 - 20 * 0.25 + 30), accuracy: 1e-5)
    }
}
