// The metrics' conventions on small hand-made cases: ties, undefined areas, rows of weight 0, log-loss
// clipping, top-k ties, calibration bins and temperature scaling's limits.
import XCTest

@testable import Model

final class MetricsTests: XCTestCase {
    func testROCAndAveragePrecisionOnScikitLearnsExample() {
        // roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75; average_precision_score = 0.8333…
        let s = [0.1, 0.4, 0.35, 0.8]
        let y = [false, false, true, true]
        XCTAssertEqual(BinaryMetrics.rocAUC(scores: s, positives: y)!, 0.75, accuracy: 1e-15)
        XCTAssertEqual(BinaryMetrics.averagePrecision(scores: s, positives: y)!, 5.0 / 6, accuracy: 1e-15)
    }

    func testTiedScoresGetHalfCredit() {
        // every positive-negative pair tied: 0.5; one tied pair among four pairs: (3 + 0.5)/4
        XCTAssertEqual(BinaryMetrics.rocAUC(scores: [0.3, 0.3], positives: [true, false])!, 0.5)
        XCTAssertEqual(BinaryMetrics.rocAUC(scores: [0.9, 0.5, 0.5, 0.1], positives: [true, true, false, false])!, 0.875)
        // a tied group is one step of the precision-recall curve: precision 1/2 at recall 1
        XCTAssertEqual(BinaryMetrics.averagePrecision(scores: [0.3, 0.3], positives: [true, false])!, 0.5)
    }

    func testAreasAreUndefinedWithOneClass() {
        XCTAssertNil(BinaryMetrics.rocAUC(scores: [0.1, 0.9], positives: [false, false]))
        XCTAssertNil(BinaryMetrics.averagePrecision(scores: [0.1, 0.9], positives: [false, false]))
        XCTAssertNil(BinaryMetrics.rocAUC(scores: [0.1, 0.9], positives: [true, true]))
        XCTAssertEqual(BinaryMetrics.averagePrecision(scores: [0.1, 0.9], positives: [true, true]), 1)
        // the positives weigh nothing: as if there were none
        let m = BinaryMetrics.compute(probabilities: [0.2, 0.8, 0.6], positives: [true, false, false], weights: [0, 1, 1])!
        XCTAssertNil(m.rocAUC)
        XCTAssertNil(m.averagePrecision)
        XCTAssertEqual(m.recall, 0)
        XCTAssertEqual(m.balancedAccuracy, 0, "only the negative class has weight: its recall alone")
        // a class absent: its one-vs-rest area is undefined and left out of the macro mean
        let mc = MulticlassMetrics.compute(probabilities: [0.7, 0.2, 0.1, 0.2, 0.7, 0.1, 0.6, 0.3, 0.1], classes: 3, labels: [0, 1, 0])!
        XCTAssertNil(mc.perClass[2].rocAUC)
        XCTAssertEqual(mc.rocAUCClasses, 2)
        XCTAssertEqual(mc.macroRocAUC!, 1)
        XCTAssertNil(MulticlassMetrics.compute(probabilities: [0.7, 0.3, 0.6, 0.4], classes: 2, labels: [0, 0])!.macroRocAUC)
    }

    func testWeightsThatSumToZeroLeaveEverythingUndefined() {
        XCTAssertNil(BinaryMetrics.compute(probabilities: [0.2, 0.8], positives: [true, false], weights: [0, 0]))
        XCTAssertNil(BinaryMetrics.compute(probabilities: [], positives: []))
        XCTAssertNil(MulticlassMetrics.compute(probabilities: [0.5, 0.5], classes: 2, labels: [1], weights: [0]))
        XCTAssertNil(MultilabelMetrics.compute(probabilities: [0.5, 0.5], labels: 2, truth: [true, false], weights: [0]))
        XCTAssertNil(Calibration.topClass(probabilities: [0.5, 0.5], classes: 2, labels: [1], weights: [0]))
        XCTAssertNil(TemperatureScaling.fitSoftmax(logits: [1, 2], classes: 2, labels: [1], weights: [0]))
    }

    /// A row of weight 0 is the row left out, in every figure.
    func testZeroWeightRowsAreAbsent() {
        var rng = RandomGenerator(seed: 8)
        let n = 40
        let c = 4
        var p = [Double]()
        var labels = [Int32]()
        var w = [Double]()
        for i in 0..<n {
            let z = (0..<c).map { _ in Double(rng.normal()) }
            let e = z.map { exp($0) }
            let s = e.reduce(0, +)
            p += e.map { $0 / s }
            labels.append(Int32(rng.below(c)))
            w.append(i % 3 == 0 ? 0 : Double(1 + rng.below(3)))
        }
        let keep = (0..<n).filter { w[$0] > 0 }
        let kp = keep.flatMap { p[($0 * c)..<(($0 + 1) * c)] }
        let kl = keep.map { labels[$0] }
        let kw = keep.map { w[$0] }
        XCTAssertEqual(
            MulticlassMetrics.compute(probabilities: p, classes: c, labels: labels, weights: w)!.withoutRowCount,
            MulticlassMetrics.compute(probabilities: kp, classes: c, labels: kl, weights: kw)!.withoutRowCount)
        let bp = (0..<n).map { p[$0 * c] }
        let by = labels.map { $0 == 0 }
        let a = BinaryMetrics.compute(probabilities: bp, positives: by, weights: w)!
        let b = BinaryMetrics.compute(probabilities: keep.map { bp[$0] }, positives: keep.map { by[$0] }, weights: kw)!
        XCTAssertEqual(a.rocAUC, b.rocAUC)
        XCTAssertEqual(a.averagePrecision, b.averagePrecision)
        XCTAssertEqual(a.logLoss, b.logLoss)
        XCTAssertEqual(a.f1, b.f1)
        XCTAssertEqual(
            Calibration.topClass(probabilities: p, classes: c, labels: labels, weights: w)!.expectedCalibrationError,
            Calibration.topClass(probabilities: kp, classes: c, labels: kl, weights: kw)!.expectedCalibrationError)
    }

    func testLogLossClipsAtMachineEpsilon() {
        // a certain, wrong prediction costs −log(2.2e-16) = 36.04…, not infinity
        let m = BinaryMetrics.compute(probabilities: [0, 1], positives: [true, true])!
        XCTAssertEqual(m.logLoss, -log(Double.ulpOfOne) / 2, accuracy: 1e-12)
        let mc = MulticlassMetrics.compute(probabilities: [1, 0, 0, 0, 0, 1], classes: 3, labels: [1, 2])!
        XCTAssertEqual(mc.logLoss, -log(Double.ulpOfOne) / 2, accuracy: 1e-12)
    }

    func testTopKTiesRankTheLargerClassFirst() {
        // [0.4, 0.4, 0.2]: class 1 ranks above class 0 on the tie, as scikit-learn's reversed stable argsort
        let p: [Double] = [0.4, 0.4, 0.2]
        XCTAssertEqual(MulticlassMetrics.compute(probabilities: p, classes: 3, labels: [1], k: 1)!.topKAccuracy, 1)
        XCTAssertEqual(MulticlassMetrics.compute(probabilities: p, classes: 3, labels: [0], k: 1)!.topKAccuracy, 0)
        XCTAssertEqual(MulticlassMetrics.compute(probabilities: p, classes: 3, labels: [0], k: 2)!.topKAccuracy, 1)
        XCTAssertEqual(MulticlassMetrics.compute(probabilities: p, classes: 3, labels: [2], k: 2)!.topKAccuracy, 0)
        // while the predicted class (accuracy, F1) is the first of the tied: class 0
        XCTAssertEqual(MulticlassMetrics.compute(probabilities: p, classes: 3, labels: [0], k: 1)!.accuracy, 1)
    }

    func testF1AndBalancedAccuracyOnACountedCase() {
        // predicted at 0.5: TP 2 (0.9, 0.6), FP 1 (0.7), FN 1 (0.2), TN 2
        let m = BinaryMetrics.compute(probabilities: [0.9, 0.6, 0.7, 0.2, 0.1, 0.3], positives: [true, true, false, true, false, false])!
        XCTAssertEqual(m.precision, 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(m.recall, 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(m.f1, 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(m.balancedAccuracy, 2.0 / 3, accuracy: 1e-15)
        // a higher threshold trades recall for precision
        let strict = BinaryMetrics.compute(
            probabilities: [0.9, 0.6, 0.7, 0.2, 0.1, 0.3], positives: [true, true, false, true, false, false],
            threshold: 0.8)!
        XCTAssertEqual(strict.precision, 1)
        XCTAssertEqual(strict.recall, 1.0 / 3, accuracy: 1e-15)
    }

    func testCalibrationBinsPutEdgesInTheLowerBin() {
        for k in 1...15 {
            let c = Double(k) / 15
            if c * 15 == Double(k) { XCTAssertEqual(Calibration.bin(of: c, bins: 15), k - 1, "\(k)/15 closes bin \(k - 1)") }
            if k < 15 { XCTAssertEqual(Calibration.bin(of: c.nextUp.nextUp, bins: 15), k, "just above \(k)/15 opens bin \(k)") }
        }
        XCTAssertEqual(Calibration.bin(of: 1, bins: 15), 14)
        XCTAssertEqual(Calibration.bin(of: 0, bins: 15), 0)
        // four rows at confidence 0.75, three right: perfectly calibrated; all right: ECE 0.25
        let cal = Calibration.reliability(confidences: [0.75, 0.75, 0.75, 0.75], correct: [true, true, true, false])!
        XCTAssertEqual(cal.expectedCalibrationError, 0, accuracy: 1e-15)
        let over = Calibration.reliability(confidences: [0.75, 0.75, 0.95, 0.95], correct: [true, true, false, false])!
        XCTAssertEqual(over.expectedCalibrationError, 0.5 * 0.25 + 0.5 * 0.95, accuracy: 1e-15)
        XCTAssertEqual(over.maximumCalibrationError, 0.95, accuracy: 1e-15)
        XCTAssertEqual(over.bins.filter { !$0.isEmpty }.map(\.count), [2, 2])
        XCTAssertEqual(over.bins[11].lower, 11.0 / 15)
        // a sigmoid output: the confidence is max(p, 1 − p)
        let b = Calibration.binary(probabilities: [0.1, 0.8], positives: [false, false])!
        XCTAssertEqual(b.bins.filter { !$0.isEmpty }.map(\.confidence), [0.8, 0.9])
        XCTAssertEqual(b.bins.filter { !$0.isEmpty }.map(\.accuracy), [0, 1])
    }

    func testTemperatureLimits() {
        // every row ranks its label first by a margin: the loss falls as T → 0, so T is the range's floor
        let separable = TemperatureScaling.fitSoftmax(logits: [3, 0, 0, 2, 1, 5], classes: 2, labels: [0, 1, 1])!
        XCTAssertEqual(separable.temperature, 0.01, accuracy: 1e-12)
        XCTAssertLessThan(separable.logLossAfter, separable.logLossBefore)
        // logits that say nothing: the loss does not depend on T, so the model is left as it is
        let flat = TemperatureScaling.fitSoftmax(logits: [1, 1, 1, -2, -2, -2], classes: 3, labels: [0, 2])!
        XCTAssertEqual(flat.temperature, 1)
        // random labels: the best probabilities are uniform, T at the range's ceiling
        let noise = TemperatureScaling.fitSoftmax(logits: [2, 0, 2, 0, 0, 2, 0, 2], classes: 2, labels: [0, 1, 0, 1])!
        XCTAssertEqual(noise.temperature, 100, accuracy: 1e-9)
        // labels drawn from softmax(z) and logits 2z: T near 2
        var rng = RandomGenerator(seed: 12)
        var logits = [Double]()
        var labels = [Int32]()
        for _ in 0..<20000 {
            let z = (0..<3).map { _ in Double(rng.normal()) }
            let e = z.map { exp($0) }
            let s = e.reduce(0, +)
            var u = Double(rng.uniform()) * s
            var y = 0
            while y < 2 && u > e[y] {
                u -= e[y]
                y += 1
            }
            labels.append(Int32(y))
            logits += z.map { 2 * $0 }
        }
        let fit = TemperatureScaling.fitSoftmax(logits: logits, classes: 3, labels: labels)!
        XCTAssertEqual(fit.temperature, 2, accuracy: 0.15)
        XCTAssertEqual(
            TemperatureScaling.softmaxLogLoss(logits: logits, classes: 3, labels: labels, temperature: fit.temperature), fit.logLossAfter)
    }

    func testInputChecksFindTheFirstBadValue() {
        XCTAssertEqual(MetricInputs.firstInvalidProbability([0.2, 1, .nan, 2]), 2)
        XCTAssertEqual(MetricInputs.firstInvalidProbability([0.2, 1.0000001]), 1)
        XCTAssertNil(MetricInputs.firstInvalidProbability([0, 1, 0.5]))
        XCTAssertEqual(MetricInputs.firstInvalidWeight([1, 0, -0.5]), 2)
        XCTAssertEqual(MetricInputs.firstInvalidWeight([.infinity]), 0)
        XCTAssertEqual(MetricInputs.firstNonFinite([1, -3, .nan]), 2)
    }
}

extension MulticlassMetrics {
    /// Everything but the row count (which counts rows of weight 0 too).
    var withoutRowCount: String {
        "\(accuracy) \(balancedAccuracy) \(macroF1) \(weightedF1) \(logLoss) \(brierScore) \(topKAccuracy) \(String(describing: macroRocAUC)) \(perClass)"
    }
}
