// One or two steps of each optimizer on a tiny parameter vector, against values worked out by
// hand from PyTorch's documented update rules.
import XCTest
@testable import Model

final class OptimizerTests: XCTestCase {
    /// A weight parameter holding `values`, with gradient `grads`.
    func param(_ values: [Float], _ grads: [Float], decays: Bool = true) -> Parameter {
        let p = Parameter(name: "weight", shape: [1, values.count], decays: decays)
        p.value.set(values)
        p.grad.set(grads)
        return p
    }

    func assertClose(_ a: [Float], _ b: [Double], _ tol: Float = 1e-6, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, Float(y), accuracy: tol, file: file, line: line) }
    }

    func testPlainSGDWithWeightDecay() {
        let p = param([1.0, -2.0], [0.5, 0.25])
        SGD(parameters: [p], weightDecay: 0.1).step(lr: 0.1)
        // p − lr·(g + λp): 1 − 0.1·(0.5 + 0.1) = 0.94;  −2 − 0.1·(0.25 − 0.2) = −2.005
        assertClose(p.value.values, [0.94, -2.005])
    }

    func testWeightDecaySkipsBiases() {
        let p = param([1.0], [0.5], decays: false)
        SGD(parameters: [p], weightDecay: 0.1).step(lr: 0.1)
        assertClose(p.value.values, [0.95])
    }

    func testMomentumTwoSteps() {
        let p = param([1.0], [0.5])
        let o = SGD(parameters: [p], momentum: 0.9)
        o.step(lr: 0.1)                         // v = 0.5, p = 1 − 0.05 = 0.95
        assertClose(p.value.values, [0.95])
        p.grad.set([0.25]); o.step(lr: 0.1)     // v = 0.45 + 0.25 = 0.7, p = 0.95 − 0.07 = 0.88
        assertClose(p.value.values, [0.88])
    }

    func testNesterovTwoSteps() {
        let p = param([1.0], [0.5])
        let o = SGD(parameters: [p], momentum: 0.9, nesterov: true)
        o.step(lr: 0.1)                         // v = 0.5, g' = 0.5 + 0.45 = 0.95, p = 0.905
        assertClose(p.value.values, [0.905])
        p.grad.set([0.25]); o.step(lr: 0.1)     // v = 0.7, g' = 0.25 + 0.63 = 0.88, p = 0.817
        assertClose(p.value.values, [0.817])
    }

    func testAdamBiasCorrectionAtSteps1And2() {
        let p = param([1.0], [0.5])
        let o = Adam(parameters: [p])
        o.step(lr: 0.1)
        // m = 0.05, v = 0.00025; m̂ = 0.5, v̂ = 0.25; p = 1 − 0.1·0.5/(0.5 + 1e-8)
        assertClose(p.value.values, [1 - 0.1 * 0.5 / (0.5 + 1e-8)])
        p.grad.set([0.25]); o.step(lr: 0.1)
        // m = 0.9·0.05 + 0.1·0.25 = 0.07, v = 0.999·0.00025 + 0.001·0.0625 = 0.00031225
        // m̂ = 0.07/0.19, v̂ = 0.00031225/0.001999
        let mHat = 0.07 / (1 - 0.81), vHat = 0.00031225 / (1 - 0.998001)
        assertClose(p.value.values, [1 - 0.1 * 0.5 / (0.5 + 1e-8) - 0.1 * mHat / (vHat.squareRoot() + 1e-8)], 2e-6)
    }

    func testAdamL2VersusAdamWDecoupled() {
        // Adam adds λp to the gradient: g = 0.5 + 0.1·1 = 0.6, and step 1 moves by lr·sign(g).
        let a = param([1.0], [0.5])
        Adam(parameters: [a], weightDecay: 0.1).step(lr: 0.1)
        assertClose(a.value.values, [1 - 0.1 * 0.6 / (0.6 + 1e-8)])
        // AdamW shrinks p first: p = 1·(1 − 0.1·0.1) = 0.99, then the plain Adam step of 0.1.
        let w = param([1.0], [0.5])
        Adam(parameters: [w], weightDecay: 0.1, decoupled: true).step(lr: 0.1)
        assertClose(w.value.values, [0.99 - 0.1 * 0.5 / (0.5 + 1e-8)])
    }

    func testStepCountAndState() {
        let p = param([1, 2, 3], [0.1, 0.2, 0.3])
        let o = Adam(parameters: [p])
        o.step(lr: 0.01); o.step(lr: 0.01)
        XCTAssertEqual(o.stepCount, 2)
        XCTAssertEqual(o.state.map(\.name), ["exp_avg.0", "exp_avg_sq.0"])
    }
}
