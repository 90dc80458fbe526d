// The weighted losses: each gradient against central finite differences of a Double reference written
// from the formulas (Loss.swift: Σ w·ℓ / Σ w), and the weighted mean's meaning: integer weights are
// repeated rows, uniform weights change nothing, a row of weight 0 is absent.
import XCTest

@testable import Model

final class WeightedLossTests: XCTestCase {
    /// The weighted mean loss of `token` over outputs z (rows), in Double, straight from the formulas.
    static func reference(
        _ token: String, _ z: [[Double]], labels: [Int], targets: [[Double]]?, weights: [Double],
        labelWeights: LabelWeights? = nil
    ) -> Double {
        let parts = token.split(separator: ":")
        let c = z[0].count
        var total = 0.0
        var weight = 0.0
        for (r, row) in z.enumerated() {
            let t: [Double] = targets?[r] ?? (0..<c).map { $0 == labels[r] ? 1 : 0 }
            let w = weights[r]
            switch parts[0] {
            case "cross_entropy":
                let eps = parts.count > 1 ? Double(parts[1])! : 0
                let q = targets?[r] ?? t.map { (1 - eps) * $0 + eps / Double(c) }
                let lse = log(row.map { exp($0) }.reduce(0, +))
                total += w * -zip(q, row).map { $0 * ($1 - lse) }.reduce(0, +)
                weight += w
            case "bce":
                for k in 0..<c {
                    let e = w * (labelWeights.map { t[k] * Double($0.positive[k]) + (1 - t[k]) * Double($0.negative[k]) } ?? 1)
                    let s = 1 / (1 + exp(-row[k]))
                    total += e * -(t[k] * log(s) + (1 - t[k]) * log(1 - s))
                    weight += e
                }
            default:
                for k in 0..<c {
                    let d = row[k] - t[k]
                    let term: Double
                    switch parts[0] {
                    case "mse": term = d * d
                    case "mae": term = abs(d)
                    default:
                        let delta = parts.count > 1 ? Double(parts[1])! : 1
                        term = abs(d) <= delta ? 0.5 * d * d : delta * (abs(d) - 0.5 * delta)
                    }
                    total += w * term
                    weight += w
                }
            }
        }
        return weight > 0 ? total / weight : 0
    }

    /// Runs the Float loss with weights on z, and checks its value against the reference and its
    /// gradient against central differences of the reference.
    func check(
        _ token: String, rows: Int = 6, classes: Int = 4, targets: [[Double]]? = nil, weights: [Double],
        labelWeights: LabelWeights? = nil, seed: UInt64 = 3, file: StaticString = #filePath, line: UInt = #line
    ) {
        let loss = LossKind.make(token)!
        if let labelWeights { (loss as! SigmoidBinaryCrossEntropy).labelWeights = labelWeights }
        var rng = RandomGenerator(seed: seed)
        let z: [[Double]] = (0..<rows).map { _ in (0..<classes).map { _ in Double(Float(2 * rng.normal())) } }
        let labels = (0..<rows).map { ($0 * 7 + 1) % classes }
        let out = Matrix(rows: rows, cols: classes, values: z.flatMap { $0.map(Float.init) })
        let tm = targets.map { Matrix(rows: rows, cols: classes, values: $0.flatMap { $0.map(Float.init) }) }
        let w = weights.map(Float.init)
        let lab = labels.map(Int32.init)
        let value = lab.withUnsafeBufferPointer { l in
            w.withUnsafeBufferPointer {
                loss.forward(out, labels: l.baseAddress, targets: tm, weights: $0.baseAddress, computeGradient: true)
            }
        }
        let analytic = loss.gradient.values
        let ref = Self.reference(token, z, labels: labels, targets: targets, weights: weights, labelWeights: labelWeights)
        XCTAssertLessThan(relativeError(Double(value), ref), 1e-5, "\(token): loss \(value) against \(ref)", file: file, line: line)
        let h = 1e-5
        var worst = 0.0
        var worstAt = ""
        for r in 0..<rows {
            for k in 0..<classes {
                var zp = z
                var zm = z
                zp[r][k] += h
                zm[r][k] -= h
                let numeric =
                    (Self.reference(token, zp, labels: labels, targets: targets, weights: weights, labelWeights: labelWeights)
                        - Self.reference(token, zm, labels: labels, targets: targets, weights: weights, labelWeights: labelWeights))
                    / (2 * h)
                let e = relativeError(Double(analytic[r * classes + k]), numeric)
                if e > worst {
                    worst = e
                    worstAt = "[\(r),\(k)] analytic \(analytic[r * classes + k]) numeric \(numeric)"
                }
            }
        }
        XCTAssertLessThan(worst, 2e-3, "\(token): worst gradient \(worstAt)", file: file, line: line)
    }

    let weights = [0.5, 2, 0, 1.25, 3, 0.75]
    /// Regression targets clear of MAE's kink at 0 and Huber's at ±δ.
    var regressionTargets: [[Double]] {
        var t: [[Double]] = []
        for r in 0..<6 {
            var row: [Double] = []
            for k in 0..<4 { row.append(Double((r * 5 + k * 3) % 7) - 3.2) }
            t.append(row)
        }
        return t
    }

    func testWeightedSoftmaxCrossEntropyGradient() {
        check("cross_entropy", weights: weights)
        check("cross_entropy:0.1", weights: weights)
        let soft: [[Double]] = (0..<6).map { r in r % 2 == 0 ? [0.1, 0.2, 0.3, 0.4] : [0.4, 0.3, 0.2, 0.1] }
        check("cross_entropy", targets: soft, weights: weights)
    }

    func testWeightedSigmoidBinaryCrossEntropyGradient() {
        check("bce", weights: weights)
        let soft: [[Double]] = (0..<6).map { r in (0..<4).map { k in Double((r + k) % 3) / 2 } }
        check("bce", targets: soft, weights: weights)
        let lw = LabelWeights(positive: [3, 1, 0.5, 2], negative: [0.5, 1, 2, 0])
        check("bce", targets: soft, weights: weights, labelWeights: lw)
        check("bce", weights: [1, 1, 1, 1, 1, 1], labelWeights: lw)
    }

    func testWeightedRegressionLossesGradient() {
        check("mse", targets: regressionTargets, weights: weights)
        check("mae", targets: regressionTargets, weights: weights)
        check("huber", targets: regressionTargets, weights: weights)
        check("huber:0.5", targets: regressionTargets, weights: weights)
        check("mse", weights: weights)  // one-hot of the labels
    }

    /// Runs `loss` with weights (nil: unweighted) on rows; returns the value and gradient.
    func run(_ loss: Loss, _ z: [Float], rows: Int, cols: Int, labels: [Int32], targets: [Float]?, weights: [Float]?) -> (Float, [Float]) {
        let out = Matrix(rows: rows, cols: cols, values: z)
        let tm = targets.map { Matrix(rows: rows, cols: cols, values: $0) }
        let v = labels.withUnsafeBufferPointer { l in
            if let weights {
                return weights.withUnsafeBufferPointer {
                    loss.forward(out, labels: l.baseAddress, targets: tm, weights: $0.baseAddress, computeGradient: true)
                }
            }
            return loss.forward(out, labels: l.baseAddress, targets: tm, computeGradient: true)
        }
        return (v, loss.gradient.values)
    }

    /// Weight 2 is the row twice: the loss is that of the repeated rows, and the weighted row's gradient
    /// is the sum of its copies' gradients.
    func testIntegerWeightsAreRepeatedRows() {
        let counts = [2, 1, 0, 3]
        var rng = RandomGenerator(seed: 9)
        for token in ["cross_entropy", "cross_entropy:0.2", "bce", "mse", "mae", "huber"] {
            let c = 3
            let z = (0..<(4 * c)).map { _ in rng.normal() }
            let labels: [Int32] = [0, 2, 1, 1]
            let targets: [Float]? = ["mae", "huber"].contains(token) ? (0..<(4 * c)).map { _ in 3 * rng.normal() } : nil
            let (weighted, g) = run(
                LossKind.make(token)!, z, rows: 4, cols: c, labels: labels, targets: targets, weights: counts.map(Float.init))
            var rz = [Float]()
            var rl = [Int32]()
            var rt = [Float]()
            var origin = [Int]()
            for (r, n) in counts.enumerated() {
                for _ in 0..<n {
                    rz += z[(r * c)..<((r + 1) * c)]
                    rl.append(labels[r])
                    if let targets { rt += targets[(r * c)..<((r + 1) * c)] }
                    origin.append(r)
                }
            }
            let (repeated, rg) = run(
                LossKind.make(token)!, rz, rows: rl.count, cols: c, labels: rl, targets: targets == nil ? nil : rt, weights: nil)
            XCTAssertEqual(weighted, repeated, accuracy: 1e-6 * max(1, abs(repeated)), token)
            for r in 0..<4 {
                for k in 0..<c {
                    let sum = origin.indices.filter { origin[$0] == r }.reduce(Float(0)) { $0 + rg[$1 * c + k] }
                    XCTAssertEqual(g[r * c + k], sum, accuracy: 1e-6, "\(token) [\(r),\(k)]")
                }
            }
        }
    }

    /// The same weight on every row changes neither the loss nor its gradient (beyond rounding).
    func testUniformWeightsAreTheUnweightedLoss() {
        var rng = RandomGenerator(seed: 4)
        for token in ["cross_entropy:0.1", "bce", "mse", "huber:0.7"] {
            let z = (0..<15).map { _ in rng.normal() }
            let labels: [Int32] = [0, 1, 2, 1, 0]
            let (u, ug) = run(LossKind.make(token)!, z, rows: 5, cols: 3, labels: labels, targets: nil, weights: nil)
            let (w, wg) = run(LossKind.make(token)!, z, rows: 5, cols: 3, labels: labels, targets: nil, weights: [0.3, 0.3, 0.3, 0.3, 0.3])
            XCTAssertEqual(u, w, accuracy: 1e-6, token)
            for i in ug.indices { XCTAssertEqual(ug[i], wg[i], accuracy: 1e-7, token) }
        }
    }

    /// A row of weight 0 is absent, even when its outputs are not numbers; a batch that weighs nothing
    /// has loss 0 and a zero gradient.
    func testZeroWeights() {
        for token in ["cross_entropy", "cross_entropy:0.1", "bce", "mse", "mae", "huber"] {
            var z: [Float] = [0.5, -1, 2, 0.1, 0.2, 0.3]
            let labels: [Int32] = [2, 0]
            let (alone, ag) = run(LossKind.make(token)!, Array(z[0..<3]), rows: 1, cols: 3, labels: [2], targets: nil, weights: nil)
            z[3] = .nan
            z[4] = .infinity
            let (v, g) = run(LossKind.make(token)!, z, rows: 2, cols: 3, labels: labels, targets: nil, weights: [1.5, 0])
            XCTAssertEqual(v, alone, accuracy: 1e-6, token)
            XCTAssertEqual(Array(g[0..<3]).map { Double($0) }, ag.map { Double($0) }, accuracy: 1e-6, token)
            XCTAssertEqual(Array(g[3..<6]), [0, 0, 0], token)
            let (none, ng) = run(
                LossKind.make(token)!, [0.5, -1, 2, 0.1, 0.2, 0.3], rows: 2, cols: 3, labels: labels, targets: nil, weights: [0, 0])
            XCTAssertEqual(none, 0, token)
            XCTAssertEqual(ng, [Float](repeating: 0, count: 6), token)
        }
    }

    /// BCE's label weights: a label whose positives weigh 3 counts them three times.
    func testLabelWeightsCountPositives() {
        let loss = SigmoidBinaryCrossEntropy()
        loss.labelWeights = LabelWeights(positive: [3, 1], negative: [1, 1])
        let z: [Float] = [0.3, -0.2, 1.1, 0.4]
        let t: [Float] = [1, 0, 0, 1]
        let (v, _) = run(loss, z, rows: 2, cols: 2, labels: [0, 0], targets: t, weights: nil)
        func bce(_ z: Double, _ t: Double) -> Double {
            let s = 1 / (1 + exp(-z))
            return -(t * log(s) + (1 - t) * log(1 - s))
        }
        let expected = (3 * bce(0.3, 1) + bce(-0.2, 0) + bce(1.1, 0) + bce(0.4, 1)) / 6
        XCTAssertEqual(Double(v), expected, accuracy: 1e-6)
    }

    func testBalancedClassWeightsAreScikitLearns() {
        // n = 10, three classes present: 10/(3·6), 10/(3·3), 10/(3·1); the absent class 0.
        let w = ClassWeights.balanced(counts: [6, 3, 1, 0])
        XCTAssertEqual(w, [10.0 / 18, 10.0 / 9, 10.0 / 3, 0], accuracy: 1e-15)
        let labels: [Int32] = [0, 0, 0, 0, 0, 0, 1, 1, 1, 2]
        XCTAssertEqual(ClassWeights.balanced(labels: labels, classes: 4), w)
        // Each present class then carries the same total weight, and the weights average to 1.
        let ex = ClassWeights.exampleWeights(labels: labels, classWeights: w.map(Float.init), sampleWeights: nil)
        XCTAssertEqual(Double(ex.reduce(0, +)) / 10, 1, accuracy: 1e-6)
        XCTAssertEqual(ClassWeights.exampleWeights(labels: [1, 0], classWeights: [2, 3], sampleWeights: [0.5, 4]), [1.5, 8])
        let lw = LabelWeights.balanced(targets: [1, 1, 0, 1, 0, 1, 0, 0], labels: 2)
        // label 0: 1 on of 4 → 4/2, 4/6; label 1: 3 on → 4/6, 4/2
        XCTAssertEqual(lw.positive.map(Double.init), [2, 4.0 / 6], accuracy: 1e-6)
        XCTAssertEqual(lw.negative.map(Double.init), [4.0 / 6, 2], accuracy: 1e-6)
        let always = LabelWeights.balanced(targets: [1, 1, 1], labels: 1)
        XCTAssertEqual(always.positive, [1])
        XCTAssertEqual(always.negative, [0])
    }
}

func XCTAssertEqual(
    _ a: [Double], _ b: [Double], accuracy: Double, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(a.count, b.count, message, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, message, file: file, line: line) }
}
