// Batch norm folded into the dense layer before it gives the same outputs as the two in sequence.
import Model
import Quantized
import XCTest

final class BatchNormFoldingTests: XCTestCase {
    func testFoldedLayerMatchesDenseThenBatchNorm() {
        var rng = RandomGenerator(seed: 12)
        let (k, n) = (6, 4)
        let w = (0..<k * n).map { _ in rng.normal() }
        let b = (0..<n).map { _ in rng.normal() }
        let gamma = (0..<n).map { _ in rng.uniform(0.5, 2) }
        let beta = (0..<n).map { _ in rng.normal() }
        let mean = (0..<n).map { _ in rng.normal() }
        let variance = (0..<n).map { _ in rng.uniform(0.1, 3) }
        let folded = BatchNormFolding.fold(weight: w, bias: b, gamma: gamma, beta: beta, runningMean: mean, runningVar: variance)
        let x = (0..<k).map { _ in Double(rng.normal()) }
        for j in 0..<n {
            var z = Double(b[j])
            var zf = Double(folded.bias[j])
            for i in 0..<k {
                z += Double(w[j * k + i]) * x[i]
                zf += Double(folded.weight[j * k + i]) * x[i]
            }
            let bn = Double(gamma[j]) * (z - Double(mean[j])) / (Double(variance[j]) + 1e-5).squareRoot() + Double(beta[j])
            XCTAssertEqual(zf, bn, accuracy: 1e-5 * max(1, abs(bn)))
        }
    }
}
