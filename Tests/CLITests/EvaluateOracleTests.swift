// evaluate's figures against scikit-learn's on the same predictions, end to end: `mlp predict --json`
// gives every row's probabilities (floats), Scripts/metrics_oracle.py computes sklearn.metrics on
// them (rounded to float32, so both sides start from the same numbers), and every figure of
// `mlp evaluate --json` must agree to 1e-6: a two-class table with and without its weight column,
// at the default and at another threshold and positive class, and a four-class image model.
// Skipped, saying so, where python3 cannot import scikit-learn.
import Foundation
import XCTest

final class EvaluateOracleTests: XCTestCase {
    static let script = Package.path("Scripts/metrics_oracle.py")

    func requireOracle() throws {
        try XCTSkipUnless(
            ProcessRunner.pythonCanImport(["numpy", "scipy", "sklearn"]),
            "python3 cannot import numpy, scipy and scikit-learn (python3 -m pip install scikit-learn): evaluate's figures are not checked against scikit-learn"
        )
    }

    /// scikit-learn's figures for each case (JSON objects as text), in order.
    func oracle(_ dir: TempDir, _ cases: [String]) throws -> [[String: Any]] {
        try dir.write("cases.json", Array(("[" + cases.joined(separator: ",") + "]").utf8))
        let r = try ProcessRunner.run("/usr/bin/env", ["python3", Self.script, dir.file("cases.json")])
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any])
        let results = try XCTUnwrap(report["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, cases.count)
        return results
    }

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    /// A number as the oracle reads it back exactly: the float's shortest form.
    func float(_ x: Any?) -> String { "\(Float((x as! NSNumber).doubleValue))" }

    func agrees(_ ours: Any?, _ theirs: Any?, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let a = (ours as? NSNumber)?.doubleValue, let b = (theirs as? NSNumber)?.doubleValue else {
            return XCTAssertTrue(
                ours is NSNull && theirs is NSNull,
                "\(what): ours \(String(describing: ours)), scikit-learn's \(String(describing: theirs))", file: file, line: line)
        }
        XCTAssertLessThanOrEqual(abs(a - b), 1e-6 * max(1, abs(b)), "\(what): ours \(a), scikit-learn's \(b)", file: file, line: line)
    }

    /// 600 rows: two numbers, a category, a weight w (0, 0.5, 1, 2 or 3) and a label (yes about one
    /// in four, decided by the features with noise).
    static func table(seed: UInt64, weights: Bool = true) -> String {
        var rng = SeededGenerator(seed: seed)
        func u() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
        var text = "x1,x2,colour,\(weights ? "w," : "")label\n"
        for _ in 0..<600 {
            let x1 = u() * 4 - 2
            let x2 = u() * 4 - 2
            let colour = ["red", "green", "blue"][Int(u() * 3)]
            let score = x1 + 0.5 * x2 + (colour == "red" ? 0.7 : 0) + (u() - 0.5) * 2.5
            let w = [0, 0.5, 1, 2, 3][Int(u() * 5)]
            text += "\(x1),\(x2),\(colour),\(weights ? "\(w)," : "")\(score > 1.1 ? "yes" : "no")\n"
        }
        return text
    }

    func testBinaryFiguresAgreeWithScikitLearnWeightedAndNot() throws {
        try requireOracle()
        let dir = try TempDir()
        let text = Self.table(seed: 4)
        try dir.write("rows.csv", Array(text.utf8))
        // The same rows without the weight column: unweighted figures.
        let unweighted =
            text.split(separator: "\n").map { line -> String in
                var f = line.split(separator: ",", omittingEmptySubsequences: false)
                f.remove(at: 3)
                return f.joined(separator: ",")
            }.joined(separator: "\n") + "\n"
        try dir.write("plain.csv", Array(unweighted.utf8))
        let model = dir.file("m.safetensors")
        let t = try MLP.run([
            "train", "--data", dir.file("rows.csv"), "--target", "label", "--weight-column", "w", "--hidden", "8",
            "--epochs", "4", "--batch-size", "32", "--quiet", "--out", model,
        ])
        XCTAssertEqual(t.status, 0, t.stderr)

        // Every row's probabilities, the labels and the weights, as the file has them.
        let p = try MLP.run(["predict", "--model", model, "--input", dir.file("rows.csv"), "--json"])
        XCTAssertEqual(p.status, 0, p.stderr)
        let rows = try p.stdout.split(separator: "\n").map { try json(String($0)) }
        XCTAssertEqual(rows.count, 600)
        let lines = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        let labels = lines.map { String($0[4]) }
        let weights = lines.map { String($0[3]) }

        struct Run {
            let args: [String]
            let positive: String
            let threshold: String
            let weighted: Bool
        }
        let runs = [
            Run(args: [], positive: "yes", threshold: "0.5", weighted: true),
            Run(args: ["--threshold", "0.3"], positive: "yes", threshold: "0.3", weighted: true),
            Run(args: ["--positive-label", "no", "--threshold", "0.65"], positive: "no", threshold: "0.65", weighted: true),
            Run(args: [], positive: "yes", threshold: "0.5", weighted: false),
        ]
        var cases: [String] = []
        var reports: [[String: Any]] = []
        for run in runs {
            let data = dir.file(run.weighted ? "rows.csv" : "plain.csv")
            let e = try MLP.run(["evaluate", "--model", model, "--data", data, "--json"] + run.args)
            XCTAssertEqual(e.status, 0, e.stderr)
            let report = try json(e.stdout)
            XCTAssertEqual(report["positive_label"] as? String, run.positive)
            XCTAssertEqual((report["threshold"] as? NSNumber)?.doubleValue, Double(run.threshold))
            XCTAssertEqual(report["weight_column"] as? String, run.weighted ? "w" : nil)
            reports.append(report)
            let probabilities = rows.map { float(($0["probabilities"] as! [String: Any])[run.positive]) }
            let positives = labels.map { $0 == run.positive ? "1" : "0" }
            cases.append(
                "{\"kind\":\"binary\",\"float32\":true,\"probabilities\":[\(probabilities.joined(separator: ","))],"
                    + "\"positives\":[\(positives.joined(separator: ","))],"
                    + "\"weights\":\(run.weighted ? "[" + weights.joined(separator: ",") + "]" : "null"),\"threshold\":\(run.threshold)}")
        }
        let sklearn = try oracle(dir, cases)
        for (i, (ours, theirs)) in zip(reports, sklearn).enumerated() {
            let at = "run \(i) \(runs[i].args)\(runs[i].weighted ? " weighted" : "")"
            for (name, key) in [
                ("auc", "roc_auc"), ("pr_auc", "average_precision"), ("precision", "precision"), ("recall", "recall"),
                ("f1", "f1"), ("f1_weighted", "f1_weighted"), ("accuracy", "accuracy"),
                ("balanced_accuracy", "balanced_accuracy"), ("log_loss", "log_loss"), ("brier", "brier"),
            ] {
                agrees(ours[name], theirs[key], "\(at): \(name)")
            }
        }
        // The weights change the figures, and the threshold the decisions.
        XCTAssertNotEqual((reports[0]["auc"] as! NSNumber).doubleValue, (reports[3]["auc"] as! NSNumber).doubleValue)
        XCTAssertNotEqual((reports[0]["recall"] as! NSNumber).doubleValue, (reports[1]["recall"] as! NSNumber).doubleValue)
    }

    func testImageModelsGetTheFiguresOfSeveralClasses() throws {
        try requireOracle()
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 400)
        let model = dir.file("q.safetensors")
        // A few epochs of a small network: right often, but not always.
        let t = try MLP.run([
            "train", "--data", dir.path, "--hidden", "4", "--epochs", "1", "--batch-size", "64", "--lr", "0.02", "--quiet", "--out", model,
        ])
        XCTAssertEqual(t.status, 0, t.stderr)
        let p = try MLP.run(["predict", "--model", model, "--images", dir.file("t10k-images-idx3-ubyte"), "--json"])
        XCTAssertEqual(p.status, 0, p.stderr)
        let probabilities = try p.stdout.split(separator: "\n").map { line -> String in
            "[" + (try json(String(line))["probabilities"] as! [Any]).map(float).joined(separator: ",") + "]"
        }
        let labels = (0..<400).map { "\($0 % 4)" }
        var cases: [String] = []
        var reports: [[String: Any]] = []
        for k in [nil, 2] as [Int?] {
            let e = try MLP.run(["evaluate", "--model", model, "--data", dir.path, "--json"] + (k.map { ["--top-k", "\($0)"] } ?? []))
            XCTAssertEqual(e.status, 0, e.stderr)
            let report = try json(e.stdout)
            XCTAssertEqual(report["top_k"] as? Int, k ?? 3, "k is one less than the four classes by default")
            XCTAssertNil(report["pr_auc"], "a figure of two classes")
            reports.append(report)
            cases.append(
                "{\"kind\":\"multiclass\",\"float32\":true,\"probabilities\":[\(probabilities.joined(separator: ","))],"
                    + "\"labels\":[\(labels.joined(separator: ","))],\"weights\":null,\"k\":\(k ?? 3)}")
        }
        let sklearn = try oracle(dir, cases)
        for (i, (ours, theirs)) in zip(reports, sklearn).enumerated() {
            for (name, key) in [
                ("auc", "roc_auc_ovr_macro"), ("f1", "f1_macro"), ("f1_weighted", "f1_weighted"), ("accuracy", "accuracy"),
                ("balanced_accuracy", "balanced_accuracy"), ("log_loss", "log_loss"), ("brier", "brier"),
                ("top_k_accuracy", "top_k"),
            ] {
                agrees(ours[name], theirs[key], "case \(i): \(name)")
            }
        }
    }
}
