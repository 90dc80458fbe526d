// The decision threshold `mlp calibrate --pick-threshold` chooses: against every candidate, by brute
// force, for both rules, with and without weights and ties; stored in and read from a model's target
// description; and the metadata of a calibrated model (format 5, its temperature).
import Formats
import Model
import TestSupport
import Training
import XCTest

final class DecisionThresholdTests: XCTestCase {
    /// Weighted F1 and Youden's J of deciding positive at p ≥ t.
    func scores(_ p: [Double], _ y: [Bool], _ w: [Double]?, at t: Double) -> (f1: Double, j: Double) {
        var tp = 0.0
        var fp = 0.0
        var fn = 0.0
        var tn = 0.0
        for i in p.indices {
            let wi = w?[i] ?? 1
            switch (p[i] >= t, y[i]) {
            case (true, true): tp += wi
            case (true, false): fp += wi
            case (false, true): fn += wi
            case (false, false): tn += wi
            }
        }
        return (2 * tp / (2 * tp + fp + fn), tp / (tp + fn) - fp / (fp + tn))
    }

    func testThePickedThresholdBeatsEveryOtherCandidate() {
        var rng = SeededGenerator(seed: 11)
        for trial in 0..<40 {
            let n = 5 + rng.next(60)
            // probabilities on a coarse grid, so that ties happen
            let p = (0..<n).map { _ in Double(rng.next(21)) / 20 }
            let y = p.map { Double.random(in: 0..<1, using: &rng) < $0 * 0.8 + 0.1 }
            let w: [Double]? = trial % 2 == 0 ? nil : (0..<n).map { _ in Double(rng.next(4)) }
            for rule in DecisionThreshold.Rule.allCases {
                guard let t = DecisionThreshold.pickThreshold(probabilities: p, positives: y, weights: w, rule: rule)?.threshold else {
                    let positive = zip(y, w ?? p.map { _ in 1 }).contains { $0 && $1 > 0 }
                    let negative = zip(y, w ?? p.map { _ in 1 }).contains { !$0 && $1 > 0 }
                    XCTAssertFalse(positive && (rule == .f1 || negative), "trial \(trial): a threshold exists")
                    continue
                }
                let candidates = Set(p.indices.filter { (w?[$0] ?? 1) > 0 }.map { p[$0] })
                XCTAssertTrue(candidates.contains(t), "trial \(trial): the threshold is one of the probabilities")
                func score(_ at: Double) -> Double { rule == .f1 ? scores(p, y, w, at: at).f1 : scores(p, y, w, at: at).j }
                for c in candidates {
                    XCTAssertLessThanOrEqual(score(c), score(t) + 1e-12, "trial \(trial) \(rule): \(c) beats \(t)")
                    // ties as numpy's argmax over scikit-learn's curves: youden's the highest threshold, f1's the lowest
                    if abs(score(c) - score(t)) <= 1e-12 {
                        if rule == .youden { XCTAssertLessThanOrEqual(c, t, "trial \(trial) youden: ties go to the higher threshold") }
                    }
                }
            }
        }
    }

    func testNothingToPickFrom() {
        XCTAssertNil(DecisionThreshold.pickThreshold(probabilities: [0.2, 0.7], positives: [false, false], rule: .f1))
        XCTAssertNil(DecisionThreshold.pickThreshold(probabilities: [0.2, 0.7], positives: [true, true], rule: .youden))
        XCTAssertEqual(
            DecisionThreshold.pickThreshold(probabilities: [0.2, 0.7], positives: [true, true], rule: .f1)?.threshold, 0.2,
            "every row positive")
        XCTAssertNil(
            DecisionThreshold.pickThreshold(probabilities: [0.2, 0.7], positives: [true, false], weights: [0, 1], rule: .f1),
            "weight 0 is absent")
    }

    func testCalibrationStoresTheThresholdAndBumpsTheFormat() throws {
        let meta: [(String, String)] = [
            ("format", "mlp"), ("format_version", "2"), ("target", #"{"kind":"classes","column":"y","labels":["0","1"]}"#),
        ]
        let file = SafetensorsFile(tensors: [], metadata: meta)
        let calibrated = ModelCalibration.calibrated(
            file, temperature: 1.5, threshold: StoredThreshold(threshold: 0.375, positiveLabel: "1"))
        XCTAssertEqual(calibrated.metadataValue(for: "format_version"), "5")
        XCTAssertEqual(calibrated.metadataValue(for: "temperature"), "1.5")
        XCTAssertEqual(calibrated.metadataValue(for: StoredThreshold.thresholdKey), "0.375")
        XCTAssertEqual(calibrated.metadataValue(for: StoredThreshold.positiveKey), "1")
        // Again: one temperature and one threshold, replaced; a newer format is kept.
        var newer = calibrated
        newer.metadata = newer.metadata.map { $0.0 == "format_version" ? ($0.0, "7") : $0 }
        let twice = ModelCalibration.calibrated(newer, temperature: 0.5, threshold: StoredThreshold(threshold: 0.25, positiveLabel: "0"))
        XCTAssertEqual(twice.metadata.filter { $0.0 == "temperature" }.map(\.1), ["0.5"])
        XCTAssertEqual(twice.metadata.filter { $0.0 == StoredThreshold.thresholdKey }.map(\.1), ["0.25"])
        XCTAssertEqual(twice.metadataValue(for: StoredThreshold.positiveKey), "0")
        XCTAssertEqual(twice.metadataValue(for: "format_version"), "7")
    }
}
