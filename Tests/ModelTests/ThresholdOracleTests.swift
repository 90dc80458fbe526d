// The decision threshold picked by F1 and by Youden's J, and the weighted regression figures, against
// scikit-learn on random seeded cases (with and without weights, zeros among them, with tied scores).
import Foundation
import XCTest

@testable import Model

final class ThresholdOracleTests: XCTestCase {
    var rng = RandomGenerator(seed: 77)

    func uniform() -> Double { Double(rng.next() >> 11) * 0x1p-53 }

    func weights(_ n: Int, _ kind: Int) -> [Double]? {
        switch kind {
        case 0: return nil
        case 1: return (0..<n).map { _ in uniform() < 1.0 / 6 ? 0 : 3 * uniform() }
        default: return (0..<n).map { _ in Double(1 + rng.below(3)) }
        }
    }

    func testPickedThresholdsAgreeWithScikitLearn() throws {
        try MetricsOracle.require()
        struct Case {
            let p: [Double]
            let y: [Bool]
            let w: [Double]?
            let rule: DecisionThreshold.Rule
        }
        var cases: [Case] = []
        for n in [1, 2, 7, 150, 1200] {
            for wk in 0..<3 {
                for tied in [false, true] {
                    for rule in DecisionThreshold.Rule.allCases {
                        let prevalence = [0.3, 0.5, 0.1][cases.count % 3]
                        let y = (0..<n).map { _ in uniform() < prevalence }
                        let p = y.map { yi in tied ? Double(rng.below(11)) / 10 : min(1, max(0, uniform() * 0.7 + (yi ? 0.3 : 0))) }
                        cases.append(Case(p: p, y: y, w: weights(n, wk), rule: rule))
                    }
                }
            }
        }
        // One class only, every positive of weight 0, a perfect ranking, all scores tied.
        for rule in DecisionThreshold.Rule.allCases {
            cases.append(Case(p: [0.2, 0.7, 0.5], y: [false, false, false], w: nil, rule: rule))
            cases.append(Case(p: [0.2, 0.7, 0.5], y: [true, true, true], w: nil, rule: rule))
            cases.append(Case(p: [0.2, 0.7, 0.5, 0.1], y: [true, false, true, false], w: [0, 2, 0, 1], rule: rule))
            cases.append(Case(p: [0.1, 0.2, 0.8, 0.9], y: [false, false, true, true], w: nil, rule: rule))
            cases.append(Case(p: [0.5, 0.5, 0.5, 0.5], y: [false, true, false, true], w: nil, rule: rule))
        }
        let results = try MetricsOracle.run(
            cases.map { c in
                .object([
                    ("kind", .string("threshold")), ("probabilities", .numbers(c.p)), ("positives", .flags(c.y)),
                    ("weights", .weights(c.w)), ("rule", .string(c.rule.rawValue)),
                ])
            })
        var picked = 0
        for (i, (c, r)) in zip(cases, results).enumerated() {
            let pick = DecisionThreshold.pickThreshold(probabilities: c.p, positives: c.y, weights: c.w, rule: c.rule)
            let at = "case \(i) (\(c.p.count) rows, \(c.rule))"
            if r["undefined"] != nil {
                XCTAssertNil(pick, "\(at): undefined in scikit-learn")
                continue
            }
            guard let pick else {
                XCTFail("\(at): undefined, scikit-learn's is not")
                continue
            }
            // The same score (to the precision the JSON parser reads it back).
            assertAgrees(pick.threshold, r["threshold"], "\(at) threshold", tolerance: 1e-12)
            assertAgrees(pick.value, r["value"], "\(at) value")
            picked += 1
        }
        XCTAssertGreaterThan(picked, 40)
    }

    func testTiesGoToTheHighestThresholdForYoudenAndTheLowestForF1() throws {
        // J = 0.5 at 0.8 and at 0.35: the higher one. F1 = 0.8 at 0.35 only here.
        let p = [0.1, 0.4, 0.35, 0.8]
        let y = [false, false, true, true]
        XCTAssertEqual(DecisionThreshold.pickThreshold(probabilities: p, positives: y, rule: .youden)?.threshold, 0.8)
        XCTAssertEqual(DecisionThreshold.pickThreshold(probabilities: p, positives: y, rule: .f1)?.threshold, 0.35)
        // F1 ties: 2/3 at 0.9 (TP 1, FN 1) and at 0.5 (TP 2, FP 2): the lower one.
        let q = [0.9, 0.7, 0.6, 0.5]
        let z = [true, false, false, true]
        let f1 = try XCTUnwrap(DecisionThreshold.pickThreshold(probabilities: q, positives: z, rule: .f1))
        XCTAssertEqual(f1.threshold, 0.5)
        XCTAssertEqual(f1.value, 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(f1.recall, 1)
        XCTAssertEqual(f1.precision, 0.5)
        // Without a negative row Youden's J is undefined; F1 is not.
        XCTAssertNil(DecisionThreshold.pickThreshold(probabilities: [0.3, 0.6], positives: [true, true], rule: .youden))
        XCTAssertEqual(DecisionThreshold.pickThreshold(probabilities: [0.3, 0.6], positives: [true, true], rule: .f1)?.threshold, 0.3)
    }

    func testWeightedRegressionFiguresAgreeWithScikitLearn() throws {
        try MetricsOracle.require()
        struct Case {
            let yhat: [Double]
            let y: [Double]
            let width: Int
            let w: [Double]?
        }
        var cases: [Case] = []
        for width in [1, 3] {
            for n in [2, 5, 300] {
                for wk in 0..<3 {
                    let y = (0..<(n * width)).map { _ in 10 * uniform() - 3 }
                    let yhat = y.map { $0 + Double(rng.normal()) }
                    cases.append(Case(yhat: yhat, y: y, width: width, w: weights(n, wk)))
                }
            }
        }
        cases.append(Case(yhat: [2, 2, 2], y: [2, 2, 2], width: 1, w: nil))  // constant target, exact: R² 1
        cases.append(Case(yhat: [1, 2, 3], y: [2, 2, 2], width: 1, w: [1, 2, 1]))  // constant target, missed: R² 0
        cases.append(Case(yhat: [1, 2], y: [3, 4], width: 1, w: [0, 0]))  // no weight
        let results = try MetricsOracle.run(
            cases.map { c in
                .object([
                    ("kind", .string("regression")), ("predictions", .rows(c.yhat, width: c.width)), ("truth", .rows(c.y, width: c.width)),
                    ("weights", .weights(c.w)),
                ])
            })
        for (i, (c, r)) in zip(cases, results).enumerated() {
            let m = RegressionMetrics.compute(predictions: c.yhat, truth: c.y, width: c.width, weights: c.w)
            if r["undefined"] != nil {
                XCTAssertNil(m, "case \(i): weights sum to 0")
                continue
            }
            guard let m else {
                XCTFail("case \(i): undefined, scikit-learn's is not")
                continue
            }
            let mse = r["mse"] as! [Any]
            let mae = r["mae"] as! [Any]
            let r2 = r["r2"] as! [Any]
            for j in 0..<c.width {
                assertAgrees(m.targets[j].meanSquaredError, mse[j], "case \(i) MSE of target \(j)")
                assertAgrees(m.targets[j].meanAbsoluteError, mae[j], "case \(i) MAE of target \(j)")
                assertAgrees(m.targets[j].r2, r2[j], "case \(i) R² of target \(j)")
            }
        }
    }
}
