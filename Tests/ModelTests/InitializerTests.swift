// Initializers: sample statistics match their formulas; orthogonal really is orthogonal.
import XCTest

@testable import Model

final class InitializerTests: XCTestCase {
    func stats(_ m: Matrix) -> (mean: Double, std: Double) {
        let v = m.values.map(Double.init)
        let mean = v.reduce(0, +) / Double(v.count)
        let variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count)
        return (mean, variance.squareRoot())
    }

    func testHeAndXavierStandardDeviations() {
        let fanIn = 400
        let fanOut = 300
        let cases: [(Initializer, Activation, Double)] = [
            (.heNormal, .relu, (2.0 / 400).squareRoot()),
            (.heUniform, .relu, (2.0 / 400).squareRoot()),
            (.heNormal, .leakyReLU(alpha: 0.2), (2.0 / (1.04 * 400)).squareRoot()),
            (.xavierNormal, .tanh, (2.0 / 700).squareRoot()),
            (.xavierUniform, .sigmoid, (2.0 / 700).squareRoot()),
        ]
        for (i, (initializer, act, expected)) in cases.enumerated() {
            var rng = RandomGenerator(seed: UInt64(i + 1))
            let w = Matrix(rows: fanOut, cols: fanIn)
            initializer.fill(w, activation: act, rng: &rng)
            let s = stats(w)
            XCTAssertEqual(s.std, expected, accuracy: 0.05 * expected, "\(initializer) std")
            XCTAssertEqual(s.mean, 0, accuracy: 0.05 * expected, "\(initializer) mean")
        }
    }

    func testUniformStaysInsideItsBound() {
        var rng = RandomGenerator(seed: 3)
        let w = Matrix(rows: 50, cols: 60)
        Initializer.heUniform.fill(w, activation: .relu, rng: &rng)
        let bound = Float((6.0 / 60).squareRoot())
        XCTAssertTrue(w.values.allSatisfy { abs($0) <= bound })
        XCTAssertGreaterThan(w.values.map(abs).max()!, 0.95 * bound)
    }

    /// QᵀQ = I for square and tall shapes (columns orthonormal), QQᵀ = I for wide ones.
    func testOrthogonal() {
        for (rows, cols) in [(32, 32), (64, 16), (16, 64)] {
            var rng = RandomGenerator(seed: 11)
            let w = Matrix(rows: rows, cols: cols)
            Initializer.orthogonal.fill(w, activation: .relu, rng: &rng)
            let tall = rows >= cols
            let n = tall ? cols : rows
            var worst: Float = 0
            for a in 0..<n {
                for b in 0..<n {
                    var dot: Float = 0
                    if tall { for r in 0..<rows { dot += w[r, a] * w[r, b] } } else { for c in 0..<cols { dot += w[a, c] * w[b, c] } }
                    worst = max(worst, abs(dot - (a == b ? 1 : 0)))
                }
            }
            XCTAssertLessThan(worst, 1e-4, "\(rows)×\(cols)")
        }
    }

    func testZerosNeverBreakSymmetry() {
        // With every weight zero, all hidden units get identical gradients and stay identical.
        let net = Network(
            inputs: 4, specs: [.dense(units: 6, activation: .tanh), .dense(units: 3, activation: .linear)],
            loss: SoftmaxCrossEntropy(), initializer: .zeros, seed: 1)
        let opt = SGD(network: net, momentum: 0)
        var rng = RandomGenerator(seed: 2)
        let x = Matrix(rows: 8, cols: 4, values: (0..<32).map { _ in rng.normal() })
        let labels: [Int32] = [0, 1, 2, 0, 1, 2, 0, 1]
        for _ in 0..<20 { labels.withUnsafeBufferPointer { _ = net.trainStep(x, labels: $0.baseAddress, optimizer: opt, lr: 0.5) } }
        let w = (net.layers[0] as! Dense).weight.value
        for r in 1..<6 { for c in 0..<4 { XCTAssertEqual(w[r * 4 + c], w[c]) } }
    }

    func testDefaults() {
        XCTAssertEqual(Initializer.defaultFor(.relu), .heNormal)
        XCTAssertEqual(Initializer.defaultFor(.gelu), .heNormal)
        XCTAssertEqual(Initializer.defaultFor(.tanh), .xavierUniform)
        XCTAssertEqual(Initializer.defaultFor(.sigmoid), .xavierUniform)
    }
}
