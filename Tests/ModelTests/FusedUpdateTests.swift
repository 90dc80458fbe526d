// SGD's weight update taken inside the weight-gradient GEMM (FusedWeightGradient) against the plain
// order (gradient, then the update pass): the same values within roundings (OpenBLAS forms
// beta·C + alpha·AB with its own rounding, the pass rounds each term), for momentum with and without
// decay and for plain SGD; Nesterov and plain SGD with decay are not fused and give the same bits.
import XCTest

@testable import Model

final class FusedUpdateTests: XCTestCase {
    /// 30 → 2,200 (66,000 weights and 88,000 in the next layer: large enough to keep μ·v) → 40 → 5.
    func network() -> Network {
        Network(
            inputs: 30,
            specs: [
                .dense(units: 2200, activation: .relu), .dense(units: 40, activation: .tanh),
                .dense(units: 5),
            ], loss: SoftmaxCrossEntropy(), seed: 8)
    }

    func weights(fused: Bool, momentum: Float, weightDecay: Float, nesterov: Bool = false) -> [Float] {
        run(fused: { _ in fused }, momentum: momentum, weightDecay: weightDecay, nesterov: nesterov).weights
    }

    /// Three steps, fused or not as `fused(step)` says: the weights and the momentum buffer after.
    func run(
        fused: (Int) -> Bool, momentum: Float, weightDecay: Float, nesterov: Bool = false,
        steps: Int = 3
    ) -> (weights: [Float], buffer: [Float], scaled: Bool) {
        let net = network()
        let opt = SGD(network: net, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay)
        var rng = RandomGenerator(seed: 1)
        let x = Matrix(rows: 33, cols: 30, values: (0..<990).map { _ in rng.normal() })
        let labels: [Int32] = (0..<33).map { Int32($0 % 5) }
        for step in 0..<steps {
            net.allowsFusedUpdate = fused(step)
            labels.withUnsafeBufferPointer {
                _ = net.trainStep(x, labels: $0.baseAddress, optimizer: opt, lr: 0.05 + 0.01 * Float(step % 3))
            }
        }
        return (net.store.values.buffer.map { $0 }, opt.state.first?.buffer.buffer.map { $0 } ?? [], opt.momentumBufferScaled)
    }

    func assertClose(_ a: [Float], _ b: [Float], _ what: String) {
        let worst = zip(a, b).map { abs($0 - $1) / max(abs($1), 1e-2) }.max()!
        XCTAssertLessThan(worst, 1e-5, what)
    }

    func testMomentumFusedMatchesWithinRoundings() {
        for wd: Float in [0, 0.01] {
            assertClose(
                weights(fused: true, momentum: 0.9, weightDecay: wd), weights(fused: false, momentum: 0.9, weightDecay: wd),
                "momentum, weight decay \(wd)")
        }
    }

    func testPlainSGDFusedMatchesWithinRoundings() {
        let a = weights(fused: true, momentum: 0, weightDecay: 0)
        let b = weights(fused: false, momentum: 0, weightDecay: 0)
        XCTAssertNotEqual(a, weights(fused: true, momentum: 0.9, weightDecay: 0))
        assertClose(a, b, "plain SGD")
        // Nesterov and plain SGD with decay are not fused: the same bits either way.
        XCTAssertEqual(
            weights(fused: true, momentum: 0.9, weightDecay: 0, nesterov: true),
            weights(fused: false, momentum: 0.9, weightDecay: 0, nesterov: true))
        XCTAssertEqual(weights(fused: true, momentum: 0, weightDecay: 0.01), weights(fused: false, momentum: 0, weightDecay: 0.01))
    }

    /// A fused step leaves μ·v in the large weights' buffers (the next GEMM adds to them with beta
    /// 1) and v in the others; a plain step after it takes the buffers back to v. Fused and plain
    /// steps in any order give the plain order's weights, and a buffer that is μ times the plain one on
    /// the large weights and equal elsewhere.
    func testFusedAndPlainStepsInAnyOrder() {
        let store = network().store
        let large = store.parameters.filter { $0.offset < store.decayedEnd && $0.count >= SGD.scaledFrom }
        XCTAssertEqual(large.map(\.count), [66_000, 88_000])
        XCTAssertTrue(store.parameters.contains { $0.offset < store.decayedEnd && $0.count < SGD.scaledFrom }, "a small weight too")
        func isLarge(_ i: Int) -> Bool { large.contains { $0.offset <= i && i < $0.offset + $0.count } }
        for wd: Float in [0, 0.01] {
            let plain = run(fused: { _ in false }, momentum: 0.9, weightDecay: wd, steps: 5)
            XCTAssertFalse(plain.scaled)
            for (name, pattern) in [("all fused", { (_: Int) in true }), ("alternating", { $0 % 2 == 0 }), ("plain first", { $0 >= 2 })] {
                let r = run(fused: pattern, momentum: 0.9, weightDecay: wd, steps: 5)
                assertClose(r.weights, plain.weights, "\(name), weight decay \(wd)")
                XCTAssertEqual(r.scaled, pattern(4), name)
                let expected = plain.buffer.enumerated().map { r.scaled && isLarge($0.offset) ? 0.9 * $0.element : $0.element }
                assertClose(r.buffer, expected, "\(name): momentum buffer, weight decay \(wd)")
            }
        }
    }
}
