// The max-norm constraint against a direct computation: rows longer than the limit end exactly on
// it, shorter ones are untouched; per-layer limits override the network's; the token round-trips.
import XCTest

@testable import Model

final class MaxNormTests: XCTestCase {
    func testRowsLongerThanTheLimitAreScaledOntoItAndOthersKept() {
        // 300 rows of 70 (eight-lane bodies, tails, several chunks of rows).
        let net = Network(
            inputs: 70, specs: [.dense(units: 300, activation: .relu), .dense(units: 3)],
            loss: SoftmaxCrossEntropy(), seed: 4)
        let d = net.layers[0] as! Dense
        var rng = RandomGenerator(seed: 9)
        let before = (0..<(300 * 70)).map { i in rng.normal() * Float(1 + (i / 70) % 5) * 0.2 }
        d.weight.set(before)
        let c: Float = 2.5
        d.applyMaxNorm(c, loops: Loops())
        let after = d.weight.values
        var scaled = 0
        var kept = 0
        for r in 0..<300 {
            let row = Array(before[(r * 70)..<((r + 1) * 70)])
            let norm = row.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            let expected = norm > Double(c) ? row.map { Double($0) * Double(c) / norm } : row.map(Double.init)
            for j in 0..<70 { XCTAssertEqual(Double(after[r * 70 + j]), expected[j], accuracy: 1e-6 * max(1, abs(expected[j]))) }
            if norm > Double(c) {
                scaled += 1
                let newNorm = (0..<70).reduce(0.0) { $0 + Double(after[r * 70 + $1]) * Double(after[r * 70 + $1]) }.squareRoot()
                XCTAssertEqual(newNorm, Double(c), accuracy: 1e-5)
            } else {
                kept += 1
            }
        }
        XCTAssertGreaterThan(scaled, 0)
        XCTAssertGreaterThan(kept, 0, "both kinds of rows are exercised")
        XCTAssertEqual(d.bias.values, [Float](repeating: 0, count: 300), "biases are not constrained")
    }

    func testTrainingStepsKeepEveryRowWithinItsLimit() throws {
        let specs = try Architecture.parse("40:relu:maxnorm=0.5,30:tanh,4")
        XCTAssertEqual(Architecture.string(specs), "40:relu:maxnorm=0.5,30:tanh,4", "the token round-trips")
        let net = Network(inputs: 12, specs: specs, loss: SoftmaxCrossEntropy(), seed: 2, maxNorm: 1.5)
        let opt = SGD(network: net, momentum: 0.9)
        var rng = RandomGenerator(seed: 3)
        let x = Matrix(rows: 16, cols: 12, values: (0..<192).map { _ in rng.normal() * 3 })
        let labels: [Int32] = (0..<16).map { Int32($0 % 4) }
        for _ in 0..<20 { labels.withUnsafeBufferPointer { _ = net.trainStep(x, labels: $0.baseAddress, optimizer: opt, lr: 0.5) } }
        for (i, limit) in [(0, 0.5), (1, 1.5), (2, 1.5)] as [(Int, Double)] {
            let d = net.layers[i] as! Dense
            let w = d.weight.values
            let cols = d.inputFeatures
            let longest = (0..<d.outputFeatures).map { r in
                (0..<cols).reduce(0.0) { $0 + Double(w[r * cols + $1] * w[r * cols + $1]) }.squareRoot()
            }.max()!
            XCTAssertLessThanOrEqual(longest, limit * (1 + 1e-5), "layer \(i): its own limit, else the network's")
            XCTAssertGreaterThan(longest, limit * 0.9, "layer \(i): a large learning rate pushes rows to the limit")
        }
        XCTAssertNil(LayerSpec.parse("40:relu:maxnorm=0"))
        XCTAssertNil(LayerSpec.parse("40:maxnorm=x"))
        XCTAssertEqual(LayerSpec.parse("40:maxnorm=2")?.token, "40:maxnorm=2.0")
    }
}
