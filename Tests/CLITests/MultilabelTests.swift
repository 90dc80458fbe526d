import Formats
// Multi-label targets end to end: several target columns of two values each are labels (inferred
// and said, or --task multilabel), one sigmoid output each trained with binary cross-entropy;
// predict gives each label's probability and the labels on; evaluate's subset accuracy, Hamming loss
// and F1s agree with scikit-learn on predict's probabilities; the model file, export, calibrate and
// resume handle them; bad label columns are one-line errors.
import Foundation
import XCTest

@testable import MLPCLI
@testable import Training

final class MultilabelTests: XCTestCase {
    func table(_ dir: TempDir) throws -> String {
        try dir.write("ml.csv", Array(Judging.multilabelTable().utf8))
        return dir.file("ml.csv")
    }

    func train(_ dir: TempDir, _ extra: [String] = []) throws -> (model: String, run: Run) {
        let model = dir.file("ml.safetensors")
        let r = try MLP.run(
            ["train", "--data", try table(dir), "--target", "a,b,c", "--epochs", "12", "--threads", "1", "--out", model] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        return (model, r)
    }

    func testSeveralTwoValuedColumnsAreLabels() throws {
        let dir = try TempDir()
        let (model, r) = try train(dir, ["--test-split", "0.25", "--json"])
        XCTAssertTrue(
            r.stderr.contains(
                "mlp: targets a, b, c: multilabel (3 target columns of two values each; --task regression to predict them as numbers), one sigmoid output per label\n"
            ), r.stderr)
        XCTAssertTrue(r.stderr.contains("loss bce"), r.stderr)
        let v = try Judging.json(r.stdout)
        XCTAssertEqual(v["task"], "multilabel")
        XCTAssertGreaterThan(Judging.number(v["test_accuracy"]), 0.6, "the subset accuracy: \(r.stdout)")
        let file = try Safetensors.read(path: model)
        XCTAssertEqual(file.metadataValue(for: "format_version"), "5", "an earlier mlp refuses a multi-label model")
        let target = try Judging.json(try XCTUnwrap(file.metadataValue(for: "target")))
        XCTAssertEqual(
            target, .object([("kind", "labels"), ("columns", ["a", "b", "c"]), ("values", [["0", "1"], ["no", "yes"], ["0", "1"]])]))
        XCTAssertEqual(file.metadataValue(for: "loss"), "bce")
        let s = try MLP.run(["summary", model])
        XCTAssertTrue(
            s.stdout.contains("multi-label of 3 labels: a (1 on, 0 off), b (yes on, no off), c (1 on, 0 off), loss bce"), s.stdout)
        XCTAssertEqual(try Judging.json(try MLP.run(["summary", model, "--json"]).stdout)["task"], "multilabel")
        // Numbers-only columns may still be a regression when asked.
        let reg = try MLP.run([
            "train", "--data", try table(dir), "--target", "a,c", "--task", "regression", "--epochs", "1", "--out",
            dir.file("r.safetensors"),
        ])
        XCTAssertEqual(reg.status, 0, reg.stderr)
        XCTAssertTrue(reg.stderr.contains("regression (--task regression)"), reg.stderr)
        // A column of more than two values makes several columns a regression, as before.
        let more = try MLP.run([
            "train", "--data", try table(dir), "--target", "a,x1", "--epochs", "1", "--out", dir.file("r2.safetensors"),
        ])
        XCTAssertTrue(more.stderr.contains("regression (2 target columns)"), more.stderr)
    }

    func testPredictAndEvaluateAgreeWithScikitLearn() throws {
        let dir = try TempDir()
        let (model, _) = try train(dir, ["--quiet"])
        let csv = try table(dir)
        let p = try MLP.run(["predict", "--model", model, "--input", csv, "--json"])
        XCTAssertEqual(p.status, 0, p.stderr)
        let rows = try Judging.lines(p)
        XCTAssertEqual(rows.count, 400)
        let truth: [[Int]] = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: ",")
            return [Int(f[3])!, f[4] == "yes" ? 1 : 0, Int(f[5])!]
        }
        var probabilities: [[Double]] = []
        for row in rows {
            guard case .object(let members)? = row["probabilities"] else { return XCTFail("\(row)") }
            XCTAssertEqual(members.map(\.0), ["a", "b", "c"])
            let q = members.map { Judging.number($0.1) }
            probabilities.append(q)
            let on = zip(["a", "b", "c"], q).filter { $0.1 >= 0.5 }.map { JSONValue($0.0) }
            XCTAssertEqual(row["labels"], .array(on))
            XCTAssertEqual(row["predicted"]?["b"], q[1] >= 0.5 ? "yes" : "no", "each label's value as the file writes it")
        }
        let e = try MLP.run(["evaluate", "--model", model, "--data", csv, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let ours = try Judging.json(e.stdout)
        let cases =
            "[{\"kind\":\"multilabel\",\"probabilities\":[\(probabilities.map(Judging.text).joined(separator: ","))],\"truth\":\(truth),\"weights\":null,\"threshold\":0.5}]"
        let sk = try Judging.run(oracle: cases)[0]
        func agree(_ a: Double, _ key: String) { XCTAssertEqual(a, (sk[key] as? Double) ?? .nan, accuracy: 1e-6, key) }
        agree(Judging.number(ours["subset_accuracy"]), "subset_accuracy")
        agree(Judging.number(ours["hamming_loss"]), "hamming_loss")
        agree(Judging.number(ours["micro"]?["f1"]), "f1_micro")
        agree(Judging.number(ours["macro_f1"]), "f1_macro")
        agree(Judging.number(ours["micro"]?["precision"]), "precision_micro")
        agree(Judging.number(ours["micro"]?["recall"]), "recall_micro")
        guard case .array(let per)? = ours["per_label"], let f1 = sk["f1"] as? [Double] else { return XCTFail(e.stdout) }
        for (label, ref) in zip(per, f1) { XCTAssertEqual(Judging.number(label["f1"]), ref, accuracy: 1e-6) }
        XCTAssertEqual(per.map { $0["support"] }, [0, 1, 2].map { k in JSONValue(truth.filter { $0[k] == 1 }.count) })

        // The text report, CSV predictions, and --min-accuracy gating the subset accuracy.
        let text = try MLP.run(["evaluate", "--model", model, "--data", csv])
        XCTAssertTrue(
            text.stdout.hasPrefix("subset accuracy \(fixed(Judging.number(ours["subset_accuracy"]), 4))  hamming loss "), text.stdout)
        XCTAssertTrue(text.stdout.contains("micro avg") && text.stdout.contains("macro avg") && text.stdout.contains("ece "), text.stdout)
        let rowsCSV = try MLP.run(["predict", "--model", model, "--input", csv, "--limit", "3"])
        let lines = rowsCSV.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "index,labels,a,b,c")
        XCTAssertEqual(lines.count, 4)
        let gate = try MLP.run(["evaluate", "--model", model, "--data", csv, "--min-accuracy", "0.9999"])
        XCTAssertEqual(gate.status, 3)
        XCTAssertTrue(gate.stderr.hasPrefix("error: subset accuracy "), gate.stderr)
    }

    func testBadLabelColumnsAndSettingsAreOneLineErrors() throws {
        let dir = try TempDir()
        let csv = try table(dir)
        let out = dir.file("x.safetensors")
        let cases: [([String], Int32, String)] = [
            (
                ["--target", "a,colour", "--task", "multilabel"], 1,
                "error: \(csv): the target column 'colour' holds 3 values ('blue', 'green', 'red'); a multi-label target needs two in each column, such as 0/1 or no/yes (or choose another --task)"
            ),
            (
                ["--target", "a,b", "--loss", "cross_entropy"], 2,
                "error: --loss cross_entropy does not fit a multi-label target; it takes bce (a sigmoid and binary cross-entropy per label)"
            ),
            (
                ["--target", "a,b", "--validation-split", "0.2", "--early-stopping", "2", "--monitor", "val_r2"], 2,
                "error: --monitor val_r2 watches a regression; a multi-label model has val_loss and val_accuracy (every label right)"
            ),
        ]
        for (args, status, line) in cases {
            let r = try MLP.run(["train", "--data", csv, "--epochs", "1", "--quiet", "--out", out] + args)
            XCTAssertEqual(r.status, status, r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").first.map(String.init), line)
        }
        let (model, _) = try train(dir, ["--quiet"])
        var text = try String(contentsOfFile: csv, encoding: .utf8)
        text = text.replacingOccurrences(of: ",no,", with: ",maybe,", options: [], range: text.range(of: ",no,"))
        try dir.write("odd.csv", Array(text.utf8))
        let e = try MLP.run(["evaluate", "--model", model, "--data", dir.file("odd.csv")])
        XCTAssertEqual(e.status, 1)
        XCTAssertTrue(e.stderr.hasPrefix("error: \(dir.file("odd.csv")): line "), e.stderr)
        XCTAssertTrue(e.stderr.contains("'maybe' in 'b' is neither 'no' nor 'yes', the two values the model was trained with"), e.stderr)
        let k = try MLP.run(["predict", "--model", model, "--input", csv, "--top-k", "2"])
        XCTAssertEqual(k.status, 2)
        XCTAssertTrue(
            k.stderr.hasPrefix("error: --top-k 2 ranks classes; \(model) is a multi-label model (every label's probability is printed)"),
            k.stderr)
    }

    /// Export gives a sigmoid per label (onnxruntime against predict within 1e-5), calibrate fits one
    /// temperature for every label, and a resumed run ends with the weights of a run straight through.
    func testExportCalibrateAndResume() throws {
        let dir = try TempDir()
        let (model, _) = try train(dir, ["--quiet", "--validation-split", "0.25", "--save-split", dir.file("split")])
        let csv = try table(dir)
        let c = try MLP.run([
            "calibrate", "--model", model, "--data", dir.file("split/validation.csv"), "--out", dir.file("cal.safetensors"), "--json",
        ])
        XCTAssertEqual(c.status, 0, c.stderr)
        XCTAssertLessThanOrEqual(
            Judging.number(try Judging.json(c.stdout)["log_loss_after"]), Judging.number(try Judging.json(c.stdout)["log_loss_before"]))

        let onnx = dir.file("ml.onnx")
        XCTAssertEqual(try MLP.run(["export", "--model", dir.file("cal.safetensors"), "--out", onnx]).status, 0)
        // The graph takes the raw CSV rows (one input per column) and gives a sigmoid per label.
        let ort = try ProcessRunner.run(
            "/usr/bin/env", ["python3", Package.path("Scripts/onnx_check.py"), onnx, "--csv", csv, "--threads", "1"])
        if ort.status != 3 {
            XCTAssertEqual(ort.status, 0, ort.stderr)
            guard case .array(let rows)? = try Judging.json(ort.stdout)["outputs"]?["probabilities"] else { return XCTFail(ort.stdout) }
            let predicted = try Judging.lines(try MLP.run(["predict", "--model", dir.file("cal.safetensors"), "--input", csv, "--json"]))
            XCTAssertEqual(rows.count, predicted.count)
            var worst = 0.0
            for (o, p) in zip(rows, predicted) {
                for (a, b) in zip(Judging.numbers(o), Judging.numbers(p["probabilities"])) { worst = max(worst, abs(a - b)) }
            }
            XCTAssertLessThan(worst, 1e-5)
        }

        // A checkpointed run of 2 epochs, resumed to 4, ends as a run of 4 (constant learning rate).
        let common = ["--data", csv, "--target", "a,b,c", "--schedule", "constant", "--threads", "1", "--quiet"]
        let straight = dir.file("straight.safetensors")
        let resumed = dir.file("resumed.safetensors")
        let ckpt = dir.file("run.ckpt")
        XCTAssertEqual(try MLP.run(["train", "--epochs", "4", "--out", straight] + common).status, 0)
        XCTAssertEqual(try MLP.run(["train", "--epochs", "2", "--checkpoint", ckpt, "--out", resumed] + common).status, 0)
        let r = try MLP.run(["train", "--resume", ckpt, "--epochs", "4", "--data", csv, "--out", resumed, "--threads", "1", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Safetensors.read(path: straight).tensors, try Safetensors.read(path: resumed).tensors)
        XCTAssertTrue(try MLP.run(["summary", ckpt]).stdout.contains("multi-label of 3 labels"))
    }

    /// --threshold X decides every label of a multi-label model in predict and evaluate (a label is
    /// on at a probability of X or more); --positive-label, a binary model's, is refused.
    func testTheThresholdDecidesEveryLabel() throws {
        let dir = try TempDir()
        let (model, _) = try train(dir, ["--quiet"])
        let csv = try table(dir)
        let at = Double(Float(0.3))
        let p = try MLP.run(["predict", "--model", model, "--input", csv, "--json", "--threshold", "0.3"])
        XCTAssertEqual(p.status, 0, p.stderr)
        let truth: [[Bool]] = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: ",")
            return [f[3] == "1", f[4] == "yes", f[5] == "1"]
        }
        var right = (at: 0, half: 0)
        for (row, t) in zip(try Judging.lines(p), truth) {
            let q = Judging.numbers(row["probabilities"])
            XCTAssertEqual(row["labels"], .array(zip(["a", "b", "c"], q).filter { $0.1 >= at }.map { JSONValue($0.0) }), "\(row)")
            XCTAssertEqual(row["predicted"]?["b"], q[1] >= at ? "yes" : "no")
            if q.map({ $0 >= at }) == t { right.at += 1 }
            if q.map({ $0 >= 0.5 }) == t { right.half += 1 }
        }
        XCTAssertNotEqual(right.at, right.half, "0.3 decides some rows otherwise than 0.5 does")
        let e = try MLP.run(["evaluate", "--model", model, "--data", csv, "--json", "--threshold", "0.3"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let v = try Judging.json(e.stdout)
        XCTAssertEqual(v["threshold"], 0.3)
        XCTAssertEqual(Judging.number(v["subset_accuracy"]), Double(right.at) / Double(truth.count), accuracy: 1e-6)
        let text = try MLP.run(["evaluate", "--model", model, "--data", csv, "--threshold", "0.3"])
        XCTAssertTrue(text.stdout.contains("(a label is on at probability ≥ 0.3)\n"), text.stdout)
        for command in [["evaluate", "--data", csv], ["predict", "--input", csv]] {
            let r = try MLP.run(command + ["--model", model, "--positive-label", "a"])
            XCTAssertEqual(r.status, 2, r.stderr)
            XCTAssertTrue(
                r.stderr.hasPrefix("error: --positive-label names the positive class of a binary model; \(model) is multi-label"), r.stderr)
        }
    }
}
