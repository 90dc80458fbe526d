// The first dense layer's products over the batch's nonzero input columns (ActiveColumns.swift)
// against the plain products over every column: the same training within roundings (OpenBLAS sums
// a shorter K in another order) for every optimizer path, fused into the GEMM or not.
import XCTest
@testable import Model

final class ActiveColumnsTests: XCTestCase {
    /// 40 inputs, of which every third column and column 7 are zero in every row; column 8 is
    /// nonzero in one row only.
    func batch() -> Matrix {
        var rng = RandomGenerator(seed: 3)
        var v = [Float](repeating: 0, count: 33 * 40)
        for r in 0..<33 {
            for j in 0..<40 where j % 3 != 0 && j != 7 && (j != 8 || r == 20) { v[r * 40 + j] = rng.normal() }
        }
        return Matrix(rows: 33, cols: 40, values: v)
    }

    /// Weights after three steps, with the first layer gathering its columns or not.
    func weights(gathering: Bool, _ makeOptimizer: (Network) -> Optimizer, dropout: Bool = false) -> (values: [Float], gathered: Int?) {
        let specs: [LayerSpec] = (dropout ? [.dropout(rate: 0.25)] : []) +
            [.dense(units: 50, activation: .relu), .dense(units: 20, activation: .tanh), .dense(units: 5)]
        let net = Network(inputs: 40, specs: specs, loss: SoftmaxCrossEntropy(), seed: 8)
        let first = net.layers.compactMap { $0 as? Dense }[0]
        first.skipsZeroInputColumns = gathering
        let opt = makeOptimizer(net)
        let x = batch()
        let labels: [Int32] = (0..<33).map { Int32($0 % 5) }
        for step in 0..<3 {
            labels.withUnsafeBufferPointer { _ = net.trainStep(x, labels: $0.baseAddress, optimizer: opt, lr: 0.05 + 0.01 * Float(step)) }
        }
        return (net.store.values.buffer.map { $0 }, first.gatheredColumns)
    }

    func assertSameTraining(_ what: String, dropout: Bool = false, _ makeOptimizer: (Network) -> Optimizer) {
        let a = weights(gathering: true, makeOptimizer, dropout: dropout), b = weights(gathering: false, makeOptimizer, dropout: dropout)
        // 40 columns less the 14 multiples of 3 and column 7 (dropout may zero column 8's one value).
        if dropout { XCTAssertTrue(a.gathered == 25 || a.gathered == 24, what) } else { XCTAssertEqual(a.gathered, 25, what) }
        XCTAssertNil(b.gathered, what)
        let worst = zip(a.values, b.values).map { abs($0 - $1) / max(abs($1), 1e-2) }.max()!
        XCTAssertLessThan(worst, 1e-5, what)
    }

    func testEveryOptimizerPathTrainsAlike() {
        assertSameTraining("plain SGD (fused: W ← W − lr·dW in the GEMM)") { SGD(network: $0, momentum: 0) }
        assertSameTraining("momentum (fused: v ← μv + dW)") { SGD(network: $0, momentum: 0.9) }
        assertSameTraining("momentum with decay") { SGD(network: $0, momentum: 0.9, weightDecay: 0.01) }
        assertSameTraining("Nesterov (not fused: the gradient buffer)") { SGD(network: $0, momentum: 0.9, nesterov: true) }
        assertSameTraining("plain SGD with decay (not fused)") { SGD(network: $0, momentum: 0, weightDecay: 0.01) }
        assertSameTraining("Adam") { Adam(network: $0) }
        assertSameTraining("input dropout", dropout: true) { SGD(network: $0, momentum: 0.9) }
    }

    func testColumnsZeroInEveryRowKeepTheirWeightsUnderPlainSGD() {
        let net = Network(inputs: 40, specs: [.dense(units: 50, activation: .relu), .dense(units: 5)],
                          loss: SoftmaxCrossEntropy(), seed: 8)
        let before = net.store.parameters[0].values
        let labels: [Int32] = (0..<33).map { Int32($0 % 5) }
        labels.withUnsafeBufferPointer { _ = net.trainStep(batch(), labels: $0.baseAddress, optimizer: SGD(network: net), lr: 0.1) }
        let after = net.store.parameters[0].values
        for o in 0..<50 {
            for j in 0..<40 {
                if j % 3 == 0 || j == 7 { XCTAssertEqual(after[o * 40 + j], before[o * 40 + j]) }
            }
        }
        XCTAssertNotEqual(after, before)
    }

    func testDenseBatchesAndEvaluationUseEveryColumn() {
        let net = Network(inputs: 40, specs: [.dense(units: 50, activation: .relu), .dense(units: 5)],
                          loss: SoftmaxCrossEntropy(), seed: 8)
        let first = net.layers[0] as! Dense
        var rng = RandomGenerator(seed: 5)
        let dense = Matrix(rows: 8, cols: 40, values: (0..<320).map { _ in rng.normal() })
        _ = net.forward(dense, training: true)
        XCTAssertNil(first.gatheredColumns, "no zero columns: nothing to gather")
        // Evaluation on the sparse batch gathers too, and gives the plain product's outputs.
        let sparse = batch()
        let gathered = net.forward(sparse, training: false).values
        XCTAssertEqual(first.gatheredColumns, 25)
        first.skipsZeroInputColumns = false
        let plain = net.forward(sparse, training: false).values
        for (a, b) in zip(gathered, plain) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b))) }
        // A batch of zeros has no columns to run on: the plain product (Z = b).
        first.skipsZeroInputColumns = true
        _ = net.forward(Matrix(rows: 4, cols: 40), training: false)
        XCTAssertNil(first.gatheredColumns)
    }
}
