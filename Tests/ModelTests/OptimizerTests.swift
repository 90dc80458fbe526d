// Each optimizer, twice over: one or two steps on a tiny parameter vector against values worked out
// by hand from PyTorch's documented update rules, and many steps on vectors of thousands of elements
// (so the eight-lane bodies, the scalar tails, several chunks, and the decayed and undecayed ranges
// of the flat buffer all run) against a plain Double reference of the same rules.
import XCTest

@testable import Model

final class OptimizerTests: XCTestCase {
    /// A store of one tensor holding `values`, with gradient `grads`; a weight (decayed) or a bias.
    func store(_ values: [Float], _ grads: [Float], decays: Bool = true) -> ParameterStore {
        let s = ParameterStore(layers: [
            [
                TensorDeclaration(
                    decays ? "weight" : "bias", shape: [values.count],
                    role: .parameter(decays: decays), initial: .zeros)
            ]
        ])!
        s.parameters[0].set(values)
        setGradients(s, [grads])
        return s
    }

    func setGradients(_ s: ParameterStore, _ grads: [[Float]]) {
        for (p, g) in zip(s.parameters, grads) { g.withUnsafeBufferPointer { p.grad!.update(from: $0.baseAddress!, count: g.count) } }
    }

    func assertClose(_ a: [Float], _ b: [Double], _ tol: Float = 1e-6, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, Float(y), accuracy: tol, file: file, line: line) }
    }

    func testPlainSGDWithWeightDecay() {
        let s = store([1.0, -2.0], [0.5, 0.25])
        SGD(store: s, weightDecay: 0.1).step(lr: 0.1)
        // p − lr·(g + λp): 1 − 0.1·(0.5 + 0.1) = 0.94;  −2 − 0.1·(0.25 − 0.2) = −2.005
        assertClose(s.parameters[0].values, [0.94, -2.005])
    }

    func testWeightDecaySkipsBiases() {
        let s = store([1.0], [0.5], decays: false)
        SGD(store: s, weightDecay: 0.1).step(lr: 0.1)
        assertClose(s.parameters[0].values, [0.95])
    }

    func testMomentumTwoSteps() {
        let s = store([1.0], [0.5])
        let o = SGD(store: s, momentum: 0.9)
        o.step(lr: 0.1)  // v = 0.5, p = 1 − 0.05 = 0.95
        assertClose(s.parameters[0].values, [0.95])
        setGradients(s, [[0.25]])
        o.step(lr: 0.1)  // v = 0.45 + 0.25 = 0.7, p = 0.95 − 0.07 = 0.88
        assertClose(s.parameters[0].values, [0.88])
    }

    func testNesterovTwoSteps() {
        let s = store([1.0], [0.5])
        let o = SGD(store: s, momentum: 0.9, nesterov: true)
        o.step(lr: 0.1)  // v = 0.5, g' = 0.5 + 0.45 = 0.95, p = 0.905
        assertClose(s.parameters[0].values, [0.905])
        setGradients(s, [[0.25]])
        o.step(lr: 0.1)  // v = 0.7, g' = 0.25 + 0.63 = 0.88, p = 0.817
        assertClose(s.parameters[0].values, [0.817])
    }

    func testAdamBiasCorrectionAtSteps1And2() {
        let s = store([1.0], [0.5])
        let o = Adam(store: s)
        o.step(lr: 0.1)
        // m = 0.05, v = 0.00025; m̂ = 0.5, v̂ = 0.25; p = 1 − 0.1·0.5/(0.5 + 1e-8)
        assertClose(s.parameters[0].values, [1 - 0.1 * 0.5 / (0.5 + 1e-8)])
        setGradients(s, [[0.25]])
        o.step(lr: 0.1)
        // m = 0.9·0.05 + 0.1·0.25 = 0.07, v = 0.999·0.00025 + 0.001·0.0625 = 0.00031225
        // m̂ = 0.07/0.19, v̂ = 0.00031225/0.001999
        let mHat = 0.07 / (1 - 0.81)
        let vHat = 0.00031225 / (1 - 0.998001)
        assertClose(s.parameters[0].values, [1 - 0.1 * 0.5 / (0.5 + 1e-8) - 0.1 * mHat / (vHat.squareRoot() + 1e-8)], 2e-6)
    }

    func testAdamL2VersusAdamWDecoupled() {
        // Adam adds λp to the gradient: g = 0.5 + 0.1·1 = 0.6, and step 1 moves by lr·sign(g).
        let a = store([1.0], [0.5])
        Adam(store: a, weightDecay: 0.1).step(lr: 0.1)
        assertClose(a.parameters[0].values, [1 - 0.1 * 0.6 / (0.6 + 1e-8)])
        // AdamW shrinks p first: p = 1·(1 − 0.1·0.1) = 0.99, then the plain Adam step of 0.1.
        let w = store([1.0], [0.5])
        Adam(store: w, weightDecay: 0.1, decoupled: true).step(lr: 0.1)
        assertClose(w.parameters[0].values, [0.99 - 0.1 * 0.5 / (0.5 + 1e-8)])
    }

    func testStepCountAndState() {
        let s = store([1, 2, 3], [0.1, 0.2, 0.3])
        let o = Adam(store: s)
        o.step(lr: 0.01)
        o.step(lr: 0.01)
        XCTAssertEqual(o.stepCount, 2)
        XCTAssertEqual(o.state.map(\.name), ["exp_avg", "exp_avg_sq"])
        XCTAssertEqual(o.state[0].buffer.count, s.values.count, "each state buffer is laid out as the parameters")
    }

    // MARK: - Long vectors against a Double reference

    /// A weight of 20,003 elements (two chunks and a tail of 3) and a bias of 1,001 (decay skipped).
    static let sizes = [20_003, 1_001]

    func bigStore() -> ParameterStore {
        ParameterStore(layers: [
            [
                TensorDeclaration("weight", shape: [Self.sizes[0]], role: .parameter(decays: true), initial: .zeros),
                TensorDeclaration("bias", shape: [Self.sizes[1]], role: .parameter(decays: false), initial: .zeros),
            ]
        ])!
    }

    /// Runs `steps` updates of `make(store)` and of `reference` (one Double step of one element:
    /// (p, g, state, step t, decays) → p', with `state` its per-element slots), on the same random
    /// values and gradients, and compares every element.
    func checkAgainstReference(
        steps: Int = 5, lr: Float = 0.01, slots: Int, _ make: (ParameterStore) -> Optimizer,
        _ reference: (Double, Double, inout [Double], Int, Bool) -> Double,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let s = bigStore()
        let o = make(s)
        var rng = RandomGenerator(seed: 11)
        var p: [[Double]] = Self.sizes.map { n in (0..<n).map { _ in Double(rng.normal()) } }
        var state: [[[Double]]] = Self.sizes.map { n in [[Double]](repeating: [Double](repeating: 0, count: slots), count: n) }
        for (t, v) in zip(s.parameters, p) { t.set(v.map(Float.init)) }
        p = s.parameters.map { $0.values.map(Double.init) }
        var worst = 0.0
        for step in 1...steps {
            let g: [[Double]] = Self.sizes.map { n in (0..<n).map { _ in Double(rng.normal()) * 0.1 } }
            setGradients(s, g.map { $0.map(Float.init) })
            o.step(lr: lr)
            for k in 0..<2 {
                let decays = k == 0
                let got = s.parameters[k].values
                for i in 0..<Self.sizes[k] {
                    p[k][i] = reference(p[k][i], Double(Float(g[k][i])), &state[k][i], step, decays)
                    worst = max(worst, abs(Double(got[i]) - p[k][i]) / max(abs(p[k][i]), 1e-2))
                }
                // Track the Float run, so rounding does not accumulate across steps.
                p[k] = got.map(Double.init)
            }
        }
        XCTAssertLessThan(worst, 2e-6, "worst relative difference from the Double reference", file: file, line: line)
        for t in s.parameters {
            let padding = UnsafeBufferPointer(start: t.value + t.count, count: FloatBuffer.aligned(t.count) - t.count)
            XCTAssertTrue(padding.allSatisfy { $0 == 0 }, "the padding after \(t.name) stays zero", file: file, line: line)
        }
    }

    func testSGDFamilyAgainstDoubleReference() {
        let lr = 0.01
        let wd = 0.02
        let mu = 0.9
        checkAgainstReference(slots: 0, { SGD(store: $0, weightDecay: Float(wd)) }) { p, g, _, _, decays in
            p - lr * (g + (decays ? wd : 0) * p)
        }
        checkAgainstReference(slots: 1, { SGD(store: $0, momentum: Float(mu), weightDecay: Float(wd)) }) { p, g, v, _, decays in
            let gd = g + (decays ? wd : 0) * p
            v[0] = mu * v[0] + gd
            return p - lr * v[0]
        }
        checkAgainstReference(slots: 1, { SGD(store: $0, momentum: Float(mu), nesterov: true, weightDecay: Float(wd)) }) {
            p, g, v, _, decays in
            let gd = g + (decays ? wd : 0) * p
            v[0] = mu * v[0] + gd
            return p - lr * (gd + mu * v[0])
        }
    }

    func testAdamFamilyAgainstDoubleReference() {
        let lr = 0.01
        let wd = 0.05
        let b1 = 0.9
        let b2 = 0.999
        let eps = 1e-8
        for decoupled in [false, true] {
            checkAgainstReference(slots: 2, { Adam(store: $0, weightDecay: Float(wd), decoupled: decoupled) }) { p, g, mv, t, decays in
                let w = decays ? wd : 0
                let q = decoupled ? p * (1 - lr * w) : p
                let gd = decoupled ? g : g + w * p
                mv[0] = b1 * mv[0] + (1 - b1) * gd
                mv[1] = b2 * mv[1] + (1 - b2) * gd * gd
                let mHat = mv[0] / (1 - pow(b1, Double(t)))
                let vHat = mv[1] / (1 - pow(b2, Double(t)))
                return q - lr * mHat / (vHat.squareRoot() + eps)
            }
        }
    }
}
