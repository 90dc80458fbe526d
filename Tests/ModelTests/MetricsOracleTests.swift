// Every metric against scikit-learn on random seeded cases: binary, several classes, multi-label,
// with and without weights (zeros among them), with tied scores, and the undefined cases.
import XCTest

@testable import Model

final class MetricsOracleTests: XCTestCase {
    var rng = RandomGenerator(seed: 2024)

    func uniform() -> Double { Double(rng.next() >> 11) * 0x1p-53 }

    /// Weights in [0, 3) with about one in six exactly 0, or nil.
    func weights(_ n: Int, _ kind: Int) -> [Double]? {
        switch kind {
        case 0: return nil
        case 1: return (0..<n).map { _ in uniform() < 1.0 / 6 ? 0 : 3 * uniform() }
        default: return (0..<n).map { _ in Double(1 + rng.below(3)) }  // integer weights
        }
    }

    /// Probabilities: continuous, or on a coarse grid (many ties, some at exactly 0, 0.5 and 1).
    func probability(tied: Bool) -> Double { tied ? Double(rng.below(21)) / 20 : uniform() }

    func softmaxRows(_ n: Int, _ c: Int, labels: [Int32], tied: Bool) -> [Double] {
        var p = [Double]()
        for i in 0..<n {
            if tied {
                // small integer counts: ties inside rows and across them
                var counts = (0..<c).map { _ in Double(rng.below(4)) }
                if rng.below(2) == 0 { counts[Int(labels[i])] += 2 }
                if counts.allSatisfy({ $0 == 0 }) { counts[0] = 1 }
                let s = counts.reduce(0, +)
                p += counts.map { $0 / s }
            } else {
                let z = (0..<c).map { j in 2 * Double(rng.normal()) + (j == Int(labels[i]) ? 1.5 : 0) }
                let m = z.max()!
                let e = z.map { exp($0 - m) }
                let s = e.reduce(0, +)
                p += e.map { $0 / s }
            }
        }
        return p
    }

    func testBinaryMetricsAgreeWithScikitLearn() throws {
        try MetricsOracle.require()
        struct Case {
            let p: [Double]
            let y: [Bool]
            let w: [Double]?
            let t: Double
        }
        var cases: [Case] = []
        for n in [1, 2, 9, 200, 1500] {
            for wk in 0..<3 {
                for tied in [false, true] {
                    let prevalence = [0.3, 0.5, 0.05][cases.count % 3]
                    let y = (0..<n).map { _ in uniform() < prevalence }
                    // scores that carry some signal, so the areas are not all near 0.5
                    let p = y.map { yi in tied ? probability(tied: true) : min(1, max(0, uniform() * 0.8 + (yi ? 0.2 : 0))) }
                    cases.append(Case(p: p, y: y, w: weights(n, wk), t: [0.5, 0.3, 0.65][cases.count % 3]))
                }
            }
        }
        // Undefined and edge cases: one class, positives all of weight 0, no weight at all, p at 0 and 1.
        cases.append(Case(p: [0.2, 0.7, 0.5], y: [false, false, false], w: nil, t: 0.5))
        cases.append(Case(p: [0.2, 0.7, 0.5], y: [true, true, true], w: [1, 2, 3], t: 0.5))
        cases.append(Case(p: [0.2, 0.7, 0.5, 0.1], y: [true, false, true, false], w: [0, 2, 0, 1], t: 0.5))
        cases.append(Case(p: [0.2, 0.7], y: [true, false], w: [0, 0], t: 0.5))
        cases.append(Case(p: [0, 1, 1, 0, 0.5], y: [true, true, false, false, true], w: nil, t: 0.5))
        let results = try MetricsOracle.run(
            cases.map { c in
                .object([
                    ("kind", .string("binary")), ("probabilities", .numbers(c.p)), ("positives", .flags(c.y)),
                    ("weights", .weights(c.w)), ("threshold", .number(c.t)),
                ])
            })
        for (i, (c, r)) in zip(cases, results).enumerated() {
            let m = BinaryMetrics.compute(probabilities: c.p, positives: c.y, weights: c.w, threshold: c.t)
            if r["undefined"] != nil {
                XCTAssertNil(m, "case \(i): weights sum to 0")
                continue
            }
            guard let m else {
                XCTFail("case \(i): undefined, scikit-learn's is not")
                continue
            }
            let at = "case \(i) (\(c.p.count) rows)"
            assertAgrees(m.rocAUC, r["roc_auc"], "\(at) ROC AUC")
            assertAgrees(m.averagePrecision, r["average_precision"], "\(at) average precision")
            assertAgrees(m.precision, r["precision"], "\(at) precision")
            assertAgrees(m.recall, r["recall"], "\(at) recall")
            assertAgrees(m.f1, r["f1"], "\(at) F1")
            assertAgrees(m.accuracy, r["accuracy"], "\(at) accuracy")
            assertAgrees(m.balancedAccuracy, r["balanced_accuracy"], "\(at) balanced accuracy")
            assertAgrees(m.logLoss, r["log_loss"], "\(at) log-loss")
            assertAgrees(m.brierScore, r["brier"], "\(at) Brier score")
            // The single functions agree with `compute`.
            XCTAssertEqual(BinaryMetrics.rocAUC(scores: c.p, positives: c.y, weights: c.w), m.rocAUC)
            XCTAssertEqual(BinaryMetrics.averagePrecision(scores: c.p, positives: c.y, weights: c.w), m.averagePrecision)
        }
    }

    func testMulticlassMetricsAgreeWithScikitLearn() throws {
        try MetricsOracle.require()
        struct Case {
            let p: [Double]
            let c: Int
            let y: [Int32]
            let w: [Double]?
            let k: Int
        }
        var cases: [Case] = []
        for c in [2, 3, 5, 10] {
            for n in [3, 60, 800] {
                for wk in 0..<3 {
                    for tied in [false, true] {
                        // sometimes a class never occurs
                        let missing = cases.count % 4 == 0 ? c - 1 : -1
                        let y = (0..<n).map { _ in Int32({ (v: Int) in v == missing ? 0 : v }(rng.below(c))) }
                        cases.append(
                            Case(p: softmaxRows(n, c, labels: y, tied: tied), c: c, y: y, w: weights(n, wk), k: 1 + cases.count % 3))
                    }
                }
            }
        }
        cases.append(Case(p: [0.5, 0.3, 0.2, 0.2, 0.5, 0.3], c: 3, y: [0, 0], w: nil, k: 2))  // one class present: no AUC
        cases.append(Case(p: [0.5, 0.3, 0.2, 0.2, 0.5, 0.3], c: 3, y: [0, 1], w: [0, 0], k: 2))  // no weight
        let results = try MetricsOracle.run(
            cases.map { c in
                .object([
                    ("kind", .string("multiclass")), ("probabilities", .rows(c.p, width: c.c)),
                    ("labels", .array(c.y.map { .integer(Int($0)) })),
                    ("weights", .weights(c.w)), ("k", .integer(c.k)),
                ])
            })
        for (i, (c, r)) in zip(cases, results).enumerated() {
            let m = MulticlassMetrics.compute(probabilities: c.p, classes: c.c, labels: c.y, weights: c.w, k: c.k)
            if r["undefined"] != nil {
                XCTAssertNil(m, "case \(i): weights sum to 0")
                continue
            }
            guard let m else {
                XCTFail("case \(i): undefined, scikit-learn's is not")
                continue
            }
            let at = "case \(i) (\(c.y.count) rows, \(c.c) classes)"
            assertAgrees(m.accuracy, r["accuracy"], "\(at) accuracy")
            assertAgrees(m.balancedAccuracy, r["balanced_accuracy"], "\(at) balanced accuracy")
            assertAgrees(m.macroF1, r["f1_macro"], "\(at) macro F1")
            assertAgrees(m.weightedF1, r["f1_weighted"], "\(at) weighted F1")
            assertAgrees(m.logLoss, r["log_loss"], "\(at) log-loss")
            assertAgrees(m.brierScore, r["brier"], "\(at) Brier score")
            assertAgrees(m.topKAccuracy, r["top_k"], "\(at) top-\(c.k) accuracy")
            assertAgrees(m.macroRocAUC, r["roc_auc_ovr_macro"], "\(at) one-vs-rest macro ROC AUC")
            let f1 = r["f1"] as! [Any]
            let auc = r["roc_auc"] as! [Any]
            for j in 0..<c.c {
                assertAgrees(m.perClass[j].f1, f1[j], "\(at) F1 of class \(j)")
                assertAgrees(m.perClass[j].rocAUC, auc[j] is NSNull ? nil : auc[j], "\(at) ROC AUC of class \(j)")
            }
        }
    }

    func testMultilabelMetricsAgreeWithScikitLearn() throws {
        try MetricsOracle.require()
        struct Case {
            let p: [Double]
            let l: Int
            let t: [Bool]
            let w: [Double]?
            let threshold: Double
        }
        var cases: [Case] = []
        for l in [1, 3, 6] {
            for n in [2, 50, 700] {
                for wk in 0..<3 {
                    for tied in [false, true] {
                        let rates = (0..<l).map { k in [0.1, 0.5, 0.3, 0.8, 0.02, 0.6][k] }
                        var t = [Bool]()
                        var p = [Double]()
                        for _ in 0..<n {
                            for k in 0..<l {
                                let on = uniform() < rates[k]
                                t.append(on)
                                p.append(tied ? probability(tied: true) : min(1, uniform() * 0.7 + (on ? 0.3 : 0)))
                            }
                        }
                        cases.append(Case(p: p, l: l, t: t, w: weights(n, wk), threshold: [0.5, 0.4][cases.count % 2]))
                    }
                }
            }
        }
        cases.append(Case(p: [0.9, 0.1, 0.2, 0.3], l: 2, t: [false, false, false, false], w: nil, threshold: 0.5))  // no label ever on
        let results = try MetricsOracle.run(
            cases.map { c in
                .object([
                    ("kind", .string("multilabel")), ("probabilities", .rows(c.p, width: c.l)), ("truth", .flagRows(c.t, width: c.l)),
                    ("weights", .weights(c.w)), ("threshold", .number(c.threshold)),
                ])
            })
        for (i, (c, r)) in zip(cases, results).enumerated() {
            guard let m = MultilabelMetrics.compute(probabilities: c.p, labels: c.l, truth: c.t, weights: c.w, threshold: c.threshold)
            else {
                XCTAssertNotNil(r["undefined"], "case \(i): undefined, scikit-learn's is not")
                continue
            }
            let at = "case \(i) (\(c.t.count / c.l) rows, \(c.l) labels)"
            assertAgrees(m.subsetAccuracy, r["subset_accuracy"], "\(at) subset accuracy")
            assertAgrees(m.hammingLoss, r["hamming_loss"], "\(at) Hamming loss")
            assertAgrees(m.microF1, r["f1_micro"], "\(at) micro F1")
            assertAgrees(m.macroF1, r["f1_macro"], "\(at) macro F1")
            assertAgrees(m.microPrecision, r["precision_micro"], "\(at) micro precision")
            assertAgrees(m.microRecall, r["recall_micro"], "\(at) micro recall")
            let f1 = r["f1"] as! [Any]
            for k in 0..<c.l { assertAgrees(m.perLabel[k].f1, f1[k], "\(at) F1 of label \(k)") }
        }
    }

    func testCalibrationAgreesWithTheReference() throws {
        try MetricsOracle.require()
        struct Case {
            let p: [Double]
            let c: Int
            let y: [Int32]
            let w: [Double]?
            let bins: Int
        }
        var cases: [Case] = []
        for c in [2, 4, 10] {
            for wk in 0..<3 {
                for tied in [false, true] {
                    let n = 400
                    let y = (0..<n).map { _ in Int32(rng.below(c)) }
                    cases.append(
                        Case(p: softmaxRows(n, c, labels: y, tied: tied), c: c, y: y, w: weights(n, wk), bins: [15, 10][cases.count % 2]))
                }
            }
        }
        // confidences exactly on the edges k/15
        cases.append(
            Case(
                p: (0...15).flatMap { k in [Double(k) / 15, 1 - Double(k) / 15] }, c: 2, y: (0...15).map { Int32($0 % 2) },
                w: nil, bins: 15))
        let results = try MetricsOracle.run(
            cases.map { c in
                .object([
                    ("kind", .string("calibration")), ("probabilities", .rows(c.p, width: c.c)),
                    ("labels", .array(c.y.map { .integer(Int($0)) })),
                    ("weights", .weights(c.w)), ("bins", .integer(c.bins)),
                ])
            })
        for (i, (c, r)) in zip(cases, results).enumerated() {
            let m = try XCTUnwrap(Calibration.topClass(probabilities: c.p, classes: c.c, labels: c.y, weights: c.w, bins: c.bins))
            assertAgrees(m.expectedCalibrationError, r["ece"], "case \(i) ECE", tolerance: 1e-12)
            assertAgrees(m.maximumCalibrationError, r["mce"], "case \(i) MCE", tolerance: 1e-12)
            let bins = r["bins"] as! [[NSNumber]]
            XCTAssertEqual(m.bins.count, bins.count)
            for (b, ref) in zip(m.bins, bins) {
                XCTAssertEqual(b.count, ref[0].intValue, "case \(i) bin (\(b.lower), \(b.upper)] count")
                assertAgrees(b.weight, ref[1], "case \(i) bin weight", tolerance: 1e-12)
                assertAgrees(b.confidence, ref[2], "case \(i) bin confidence", tolerance: 1e-12)
                assertAgrees(b.accuracy, ref[3], "case \(i) bin accuracy", tolerance: 1e-12)
            }
        }
    }

    func testTemperatureAgreesWithScipysMinimization() throws {
        try MetricsOracle.require()
        var cases: [OracleJSON] = []
        var fits: [TemperatureScaling.Fit] = []
        for (i, (c, scale)) in [(3, 3.0), (10, 0.4), (4, 1.0), (2, 6.0)].enumerated() {
            let n = 300
            // logits too confident (scale > 1) or too timid (scale < 1) for labels drawn from softmax(z)
            var logits = [Double]()
            var labels = [Int32]()
            for _ in 0..<n {
                let z = (0..<c).map { _ in Double(rng.normal()) * 1.5 }
                let e = z.map { exp($0) }
                let s = e.reduce(0, +)
                var u = uniform() * s
                var y = 0
                while y < c - 1 && u > e[y] {
                    u -= e[y]
                    y += 1
                }
                labels.append(Int32(y))
                logits += z.map { $0 * scale }
            }
            let w = weights(n, i % 3)
            cases.append(
                .object([
                    ("kind", .string("temperature")), ("logits", .rows(logits, width: c)),
                    ("labels", .array(labels.map { .integer(Int($0)) })), ("weights", .weights(w)),
                ]))
            fits.append(try XCTUnwrap(TemperatureScaling.fitSoftmax(logits: logits, classes: c, labels: labels, weights: w)))
        }
        for (i, (l, scale)) in [(1, 4.0), (5, 0.5)].enumerated() {
            let n = 300
            var logits = [Double]()
            var targets = [Bool]()
            for _ in 0..<(n * l) {
                let z = Double(rng.normal()) * 2
                targets.append(uniform() < 1 / (1 + exp(-z)))
                logits.append(z * scale)
            }
            let w = weights(n, i + 1)
            cases.append(
                .object([
                    ("kind", .string("temperature")), ("sigmoid", .bool(true)), ("logits", .rows(logits, width: l)),
                    ("targets", .flagRows(targets, width: l)), ("weights", .weights(w)),
                ]))
            fits.append(try XCTUnwrap(TemperatureScaling.fitSigmoid(logits: logits, outputs: l, targets: targets, weights: w)))
        }
        let results = try MetricsOracle.run(cases)
        for (i, (fit, r)) in zip(fits, results).enumerated() {
            let t = (r["temperature"] as! NSNumber).doubleValue
            XCTAssertEqual(fit.temperature, t, accuracy: 1e-6 * t, "case \(i): T \(fit.temperature), scipy's \(t)")
            assertAgrees(fit.logLossAfter, r["log_loss"], "case \(i) log-loss at the fitted T", tolerance: 1e-10)
            assertAgrees(fit.logLossBefore, r["log_loss_at_1"], "case \(i) log-loss at T = 1", tolerance: 1e-10)
            XCTAssertLessThanOrEqual(fit.logLossAfter, (r["log_loss"] as! NSNumber).doubleValue + 1e-12, "case \(i): no worse than scipy's")
            XCTAssertLessThan(fit.iterations, 40, "case \(i): Newton converges in a few steps")
        }
        XCTAssertGreaterThan(fits[0].temperature, 1.5, "over-confident logits are cooled")
        XCTAssertLessThan(fits[1].temperature, 1, "timid logits are sharpened")
    }

    func testBalancedClassWeightsAgreeWithScikitLearn() throws {
        try MetricsOracle.require()
        let labelSets: [[Int32]] = [(0..<97).map { _ in Int32(rng.below(4)) }, [0, 0, 0, 2, 2, 5], [1]]
        let results = try MetricsOracle.run(
            labelSets.map { y in
                .object([
                    ("kind", .string("class_weight")), ("labels", .array(y.map { .integer(Int($0)) })),
                    ("classes", .integer(Int(y.max()!) + 1)),
                ])
            })
        for (y, r) in zip(labelSets, results) {
            let ours = ClassWeights.balanced(labels: y, classes: Int(y.max()!) + 1)
            let theirs = r["weights"] as! [NSNumber]
            XCTAssertEqual(ours, theirs.map(\.doubleValue), accuracy: 1e-12)
        }
    }
}
