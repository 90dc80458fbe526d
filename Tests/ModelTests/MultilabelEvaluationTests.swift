// A multi-label network's evaluation over a dataset, against the same figures computed directly:
// the mean binary cross-entropy, σ of every output, and the rows with every label right, the same
// whatever the batch size and over a range of rows.
import XCTest

@testable import Model

final class MultilabelEvaluationTests: XCTestCase {
    func testLossProbabilitiesAndExactRowsAreTheDirectOnes() {
        var rng = RandomGenerator(seed: 3)
        let n = 37
        let features = 5
        let labels = 3
        let x = (0..<(n * features)).map { _ in rng.normal() }
        let t = (0..<(n * labels)).map { _ in Float(rng.below(2)) }
        let data = Dataset(count: n, features: features, storage: .floats(x), targets: .values(t, width: labels))
        let net = Network(
            inputs: features, specs: [.dense(units: 8, activation: .tanh), .dense(units: labels, activation: .linear)],
            loss: SigmoidBinaryCrossEntropy(), seed: 4)
        // Directly, one row at a time, in Double.
        let m = Matrix(rows: n, cols: features, values: x)
        let z = net.forward(m, training: false)
        var loss = 0.0
        var exact = 0
        var p = [Double]()
        for r in 0..<n {
            var right = true
            for k in 0..<labels {
                let v = Double(z.data[r * labels + k])
                let y = Double(t[r * labels + k])
                loss += max(v, 0) - v * y + log(1 + exp(-abs(v)))
                let q = 1 / (1 + exp(-v))
                p.append(q)
                if (q >= 0.5) != (y == 1) { right = false }
            }
            if right { exact += 1 }
        }
        for batch in [1, 8, 1000] {
            let ev = MultilabelEvaluation.run(net, on: data, batchSize: batch)
            XCTAssertEqual(Double(ev.loss), loss / Double(n * labels), accuracy: 1e-5, "batch \(batch)")
            XCTAssertEqual(ev.exact, exact, "batch \(batch)")
            XCTAssertEqual(ev.samples, n)
            for (a, b) in zip(ev.probabilities, p) { XCTAssertEqual(Double(a), b, accuracy: 1e-6) }
        }
        // A range of rows: those rows' figures, and their truth.
        let part = MultilabelEvaluation.run(net, on: data, rows: 10..<20, batchSize: 4)
        XCTAssertEqual(part.samples, 10)
        for (a, b) in zip(part.probabilities, p[(10 * labels)..<(20 * labels)]) { XCTAssertEqual(Double(a), b, accuracy: 1e-6) }
        XCTAssertEqual(MultilabelEvaluation.truth(data, rows: 10..<20), t[(10 * labels)..<(20 * labels)].map { $0 == 1 })
    }
}
