import Formats
// Judging a model from the command line: class and row weights in `train` (and their errors), the
// classification metrics in the epoch lines and logs and under --monitor, evaluate's figures and
// gates (every one checked, each failure named, exit 3), and the decision threshold of a two-class
// model in evaluate and predict, given or stored in the model.
import Foundation
import XCTest

final class JudgingTests: XCTestCase {
    /// The two-class table of EvaluateOracleTests (x1, x2, colour, w, label: yes about one in four).
    func table(_ dir: TempDir, seed: UInt64 = 4, name: String = "rows.csv") throws -> String {
        try dir.write(name, Array(EvaluateOracleTests.table(seed: seed).utf8))
        return dir.file(name)
    }

    func train(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Run {
        let r = try MLP.run(["train"] + args)
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return r
    }

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func number(_ report: [String: Any], _ key: String) -> Double { (report[key] as? NSNumber)?.doubleValue ?? .nan }

    func testBalancedClassWeightsRaiseTheRareClassesRecall() throws {
        let dir = try TempDir()
        let rows = try table(dir)
        let test = try table(dir, seed: 9, name: "test.csv")
        var recall: [Double] = []
        for weights in [[], ["--class-weight", "balanced"], ["--class-weight", "yes:3"]] {
            let model = dir.file("m\(recall.count).safetensors")
            _ = try train(
                ["--data", rows, "--target", "label", "--hidden", "8", "--epochs", "8", "--batch-size", "32", "--quiet", "--out", model]
                    + weights)
            let e = try MLP.run(["evaluate", "--model", model, "--data", test, "--json"])
            XCTAssertEqual(e.status, 0, e.stderr)
            recall.append(number(try json(e.stdout), "recall"))
        }
        XCTAssertGreaterThan(recall[1], recall[0] + 0.05, "balanced weights find more of the rare class")
        XCTAssertGreaterThan(recall[2], recall[0] + 0.05, "so does weighing it by hand")
        // The model records how it was trained.
        let summary = try Safetensors.read(path: dir.file("m1.safetensors"))
        XCTAssertEqual(summary.metadataValue(for: "class_weight"), "balanced")
        XCTAssertNil(summary.metadataValue(for: "weight_column"))
    }

    func testTheWeightColumnIsNotAFeatureAndWeighsEvaluate() throws {
        let dir = try TempDir()
        let rows = try table(dir)
        let model = dir.file("w.safetensors")
        let t = try train([
            "--data", rows, "--test-data", rows, "--target", "label", "--weight-column", "w", "--hidden", "8", "--epochs", "2", "--quiet",
            "--out", model,
        ])
        XCTAssertFalse(t.stderr.contains("ignoring"), "the test file's weight column is not an unknown column: \(t.stderr)")
        let file = try Safetensors.read(path: model)
        XCTAssertEqual(file.metadataValue(for: "weight_column"), "w")
        XCTAssertEqual(file.metadataValue(for: "input_features"), "5", "x1, x2 and three colours; not w")
        let e = try MLP.run(["evaluate", "--model", model, "--data", rows])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertEqual(e.stderr, "")
        XCTAssertTrue(e.stdout.contains("every figure is weighted by the column 'w' (total weight "), e.stdout)
        XCTAssertTrue(e.stdout.contains("the confusion matrix counts rows"), e.stdout)
    }

    func testBadWeightsAndClassWeightsAreOneLineErrors() throws {
        let dir = try TempDir()
        func csv(_ name: String, _ text: String) throws -> String {
            try dir.write(name, Array(text.utf8))
            return dir.file(name)
        }
        let missing = try csv("missing.csv", "a,w,y\n1,1,x\n2,,z\n3,2,x\n")
        let negative = try csv("negative.csv", "a,w,y\n1,1,x\n2,-1.5,z\n3,2,x\n")
        let text = try csv("text.csv", "a,w,y\n1,1,x\n2,abc,z\n3,2,x\n")
        let zero = try csv("zero.csv", "a,w,y\n1,0,x\n2,0,z\n3,0,x\n")
        let good = try csv("good.csv", "a,w,y\n1,0,x\n2,1,z\n3,2.5,x\n4,1,z\n")
        let cases: [([String], Int32, String)] = [
            (
                ["--data", missing, "--weight-column", "w"], 1,
                "error: \(missing): line 3, column 'w' (2): the weight is missing; every row of the --weight-column needs a number of at least 0"
            ),
            (
                ["--data", negative, "--weight-column", "w"], 1,
                "error: \(negative): line 3, column 'w' (2): the weight -1.5 is negative; every row of the --weight-column needs a number of at least 0"
            ),
            (
                ["--data", text, "--weight-column", "w"], 1,
                "error: \(text): line 3, column 'w' (2): 'abc' is not a number, and this column must be numeric"
            ),
            (
                ["--data", zero, "--weight-column", "w"], 1,
                "error: \(zero): every training row has weight 0 in the --weight-column 'w'; nothing would be learnt"
            ),
            (
                ["--data", good, "--weight-column", "y", "--target", "y"], 2,
                "error: --weight-column 'y' is also named by --target; the weights are not a feature or a target"
            ),
            (
                ["--data", good, "--class-weight", "q:2"], 2,
                "error: --class-weight names class 'q', which the target does not have (its classes: x, z)"
            ),
            (["--data", good, "--class-weight", "x:2,x:1"], 2, "error: --class-weight names class 'x' twice"),
            (
                ["--data", good, "--class-weight", "x:-1"], 2,
                "error: --class-weight expects balanced, or LABEL:W pairs separated by commas with each W a number of at least 0 (e.g. '>50K:3'), got 'x:-1'"
            ),
            (
                ["--data", good, "--class-weight", "x:0,z:0"], 2,
                "error: --class-weight gives every class of the training set weight 0; nothing would be learnt"
            ),
            (
                ["--data", good, "--target", "a", "--task", "regression", "--class-weight", "balanced"], 2,
                "error: --class-weight weighs the classes of a classification; a regression or a multi-label target has none (a weight column weighs rows of any)"
            ),
            (
                ["--data", "data/mnist", "--weight-column", "w"], 2,
                "error: --weight-column applies to CSV data (--data FILE.csv); IDX data has its own test files"
            ),
        ]
        for (args, status, message) in cases {
            let r = try MLP.run(["train", "--quiet", "--epochs", "1", "--out", dir.file("m.safetensors")] + args, cwd: Package.root)
            XCTAssertEqual(r.status, status, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").first.map(String.init), message, "\(args)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("m.safetensors")), "\(args): no model is written")
        }
        // Rows of weight 0 are allowed; the weighted epoch loss is what the lines show.
        let r = try train([
            "--data", good, "--weight-column", "w", "--class-weight", "x:2", "--epochs", "1", "--quiet", "--out", dir.file("m.safetensors"),
        ])
        XCTAssertTrue(r.stdout.contains("model written"), r.stdout)
    }

    func testMetricsInTheEpochLinesAndLogsAndUnderTheMonitor() throws {
        let dir = try TempDir()
        let rows = try table(dir)
        let r = try train([
            "--data", rows, "--target", "label", "--test-split", "0.25", "--validation-split", "0.2", "--metrics", "auc,log_loss",
            "--monitor", "val_f1", "--early-stopping", "3", "--epochs", "4", "--hidden", "8", "--quiet",
            "--log", dir.file("log.jsonl"), "--log-csv", dir.file("log.csv"), "--out", dir.file("m.safetensors"),
        ])
        let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("epoch ") }
        XCTAssertFalse(lines.isEmpty, r.stderr)
        for line in lines {
            // The monitored metric is reported too, every figure in the vocabulary's order.
            XCTAssertTrue(
                line.contains("  val_acc ") && line.contains("  val_auc ") && line.contains("  val_f1 ") && line.contains("  val_log_loss ")
                    && line.contains("  test_auc ") && line.contains("  test_f1 "), String(line))
            XCTAssertLessThan(line.range(of: "val_auc")!.lowerBound, line.range(of: "val_f1")!.lowerBound)
        }
        let csv = try String(contentsOfFile: dir.file("log.csv"), encoding: .utf8)
        XCTAssertTrue(
            csv.hasPrefix(
                "epoch,step,lr,loss,accuracy,val_loss,val_accuracy,val_auc,val_f1,val_log_loss,test_loss,test_accuracy,test_auc,test_f1,test_log_loss,seconds,"
            ), csv)
        let first = try json(String(try String(contentsOfFile: dir.file("log.jsonl"), encoding: .utf8).split(separator: "\n")[0]))
        XCTAssertTrue((0...1).contains(number(first, "val_auc")), "\(first)")
        XCTAssertGreaterThan(number(first, "test_log_loss"), 0)
        // Names that do not fit the problem, or no metric at all, are usage errors.
        for (args, message) in [
            (
                ["--metrics", "top_k_accuracy"],
                "error: --metrics top_k_accuracy is a figure of more than two classes; this is a classification of 2 classes"
            ),
            (
                ["--metrics", "auc,rocauc"],
                "error: --metrics 'rocauc' is not one of auc, pr_auc, f1, f1_weighted, precision, recall, log_loss, brier, balanced_accuracy, top_k_accuracy or all"
            ),
            (
                ["--metrics", "aucc"],
                "error: --metrics 'aucc' is not one of auc, pr_auc, f1, f1_weighted, precision, recall, log_loss, brier, balanced_accuracy, top_k_accuracy or all; did you mean 'auc'?"
            ),
            (
                ["--monitor", "val_top_k_accuracy", "--validation-split", "0.2", "--early-stopping", "2"],
                "error: --monitor val_top_k_accuracy is a figure of more than two classes; this is a classification of 2 classes"
            ),
            (
                ["--monitor", "val_aucc", "--validation-split", "0.2"],
                "error: --monitor 'val_aucc' is not one of val_loss, val_accuracy, val_r2, val_auc, val_pr_auc, val_f1, val_f1_weighted, val_precision, val_recall, val_log_loss, val_brier, val_balanced_accuracy, val_top_k_accuracy"
            ),
        ] {
            let bad = try MLP.run(["train", "--data", rows, "--target", "label", "--quiet", "--out", dir.file("bad.safetensors")] + args)
            XCTAssertEqual(bad.status, 2, bad.stderr)
            XCTAssertEqual(bad.stderr.split(separator: "\n").first.map(String.init), message)
        }
        let regression = try MLP.run([
            "train", "--data", rows, "--target", "x1", "--metrics", "all", "--quiet", "--out", dir.file("bad.safetensors"),
        ])
        XCTAssertEqual(regression.status, 2)
        XCTAssertEqual(
            regression.stderr.split(separator: "\n").first.map(String.init),
            "error: --metrics all is a figure of any classification; this is a regression")
    }

    func testEveryGateIsCheckedAndEachFailureNamed() throws {
        let dir = try TempDir()
        let rows = try table(dir)
        let model = dir.file("m.safetensors")
        _ = try train(["--data", rows, "--target", "label", "--hidden", "8", "--epochs", "4", "--quiet", "--out", model])
        let all = [
            "--min-accuracy", "0.999", "--min-auc", "0.999", "--min-f1", "0.999", "--min-balanced-accuracy", "0.1",
            "--max-log-loss", "0.0001", "--min-recall", "yes:0.999", "--min-recall", "no:0.1",
        ]
        let r = try MLP.run(["evaluate", "--model", model, "--data", rows] + all)
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stdout.hasPrefix("accuracy "), "the report is printed as usual")
        let errors = r.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(
            errors.map { $0.split(separator: " ").prefix(2).joined(separator: " ") },
            ["error: accuracy", "error: auc", "error: f1", "error: log_loss", "error: recall"], r.stderr)
        XCTAssertTrue(errors[1].hasSuffix(" is below --min-auc 0.999"), errors[1])
        XCTAssertTrue(errors[3].hasSuffix(" is above --max-log-loss 0.0001"), errors[3])
        XCTAssertTrue(
            errors[4].hasPrefix("error: recall of class yes ") && errors[4].hasSuffix(" is below --min-recall yes:0.999"), errors[4])
        // Bounds the model meets: exit 0 and nothing on stderr.
        let pass = try MLP.run([
            "evaluate", "--model", model, "--data", rows, "--min-auc", "0.5", "--min-recall", "no:0.5", "--max-log-loss", "5",
        ])
        XCTAssertEqual(pass.status, 0, pass.stderr)
        XCTAssertEqual(pass.stderr, "")
        // A gate that cannot be evaluated fails: one class in the data leaves the AUC undefined.
        let onlyNo =
            EvaluateOracleTests.table(seed: 4).split(separator: "\n").filter { !$0.hasSuffix(",yes") }.joined(separator: "\n") + "\n"
        try dir.write("no.csv", Array(onlyNo.utf8))
        let undefined = try MLP.run([
            "evaluate", "--model", model, "--data", dir.file("no.csv"), "--min-auc", "0.5", "--min-recall", "yes:0.5", "--json",
        ])
        XCTAssertEqual(undefined.status, 3)
        XCTAssertTrue((try json(undefined.stdout))["auc"] is NSNull)
        XCTAssertEqual(
            undefined.stderr,
            """
            error: auc is undefined on these rows (every row with weight is of one class); --min-auc 0.5 cannot be met
            error: recall of class yes is undefined: no row of these has it; --min-recall yes:0.5 cannot be met

            """)
        // Gates that do not fit the model are usage errors.
        for (args, message) in [
            (
                ["--min-recall", "maybe:0.5"],
                "error: --min-recall names class 'maybe', which \(model) does not have (its classes: no, yes)"
            ),
            (["--min-recall", "yes"], "error: --min-recall expects LABEL:X with X between 0 and 1 (e.g. '>50K:0.6'), got 'yes'"),
            (["--min-recall", "yes:0.5", "--min-recall", "yes:0.6"], "error: --min-recall gives class 'yes' twice"),
            (["--min-auc", "1.5"], "error: --min-auc must be between 0 and 1, got 1.5"),
            (["--top-k", "2"], "error: --top-k 2 sets the k of top_k_accuracy, a figure of more than two classes; \(model) has 2"),
        ] {
            let bad = try MLP.run(["evaluate", "--model", model, "--data", rows] + args)
            XCTAssertEqual(bad.status, 2, bad.stderr)
            XCTAssertEqual(bad.stderr.split(separator: "\n").first.map(String.init), message)
        }
        let regressor = dir.file("r.safetensors")
        _ = try train(["--data", rows, "--target", "x1", "--epochs", "1", "--quiet", "--out", regressor])
        let wrong = try MLP.run(["evaluate", "--model", regressor, "--data", rows, "--min-f1", "0.5"])
        XCTAssertEqual(wrong.status, 2)
        XCTAssertEqual(
            wrong.stderr.split(separator: "\n").first.map(String.init),
            "error: --min-f1 gates a classification; \(regressor) is a regression: use --min-r2 or --max-rmse")
    }

    func testTheDecisionThresholdGivenOrStored() throws {
        let dir = try TempDir()
        let rows = try table(dir)
        let model = dir.file("m.safetensors")
        _ = try train(["--data", rows, "--target", "label", "--hidden", "8", "--epochs", "4", "--quiet", "--out", model])
        func predicted(_ args: [String], model m: String? = nil) throws -> [String] {
            let p = try MLP.run(["predict", "--model", m ?? model, "--input", rows] + args)
            XCTAssertEqual(p.status, 0, p.stderr)
            return p.stdout.split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[1]) }
        }
        func probabilityOfYes() throws -> [Double] {
            let p = try MLP.run(["predict", "--model", model, "--input", rows, "--json"])
            return try p.stdout.split(separator: "\n").map {
                ((try json(String($0))["probabilities"] as! [String: Any])["yes"] as! NSNumber).doubleValue
            }
        }
        let p = try probabilityOfYes()
        XCTAssertEqual(try predicted([]), p.map { $0 >= 0.5 ? "yes" : "no" })
        XCTAssertEqual(try predicted(["--threshold", "0.2"]), p.map { $0 >= Double(Float(0.2)) ? "yes" : "no" })
        XCTAssertEqual(try predicted(["--threshold", "0"]), p.map { _ in "yes" })
        XCTAssertEqual(try predicted(["--positive-label", "no", "--threshold", "0"]), p.map { _ in "no" })
        XCTAssertNotEqual(try predicted(["--threshold", "0.2"]), try predicted([]))

        // A threshold stored in the model: predict and evaluate use it unless told otherwise.
        var file = try Safetensors.read(path: model)
        file.metadata += [("decision_threshold", "0.2"), ("positive_label", "yes")]
        let stored = dir.file("stored.safetensors")
        try Safetensors.write(file, to: stored)
        XCTAssertEqual(try predicted([], model: stored), try predicted(["--threshold", "0.2"]))
        XCTAssertEqual(try predicted(["--threshold", "0.5"], model: stored), try predicted([]))
        let e = try MLP.run(["evaluate", "--model", stored, "--data", rows])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertTrue(e.stdout.split(separator: "\n")[1].hasPrefix("positive class yes (threshold 0.2, the model's): precision "), e.stdout)
        let given = try MLP.run(["evaluate", "--model", model, "--data", rows, "--json", "--threshold", "0.2"])
        let fromModel = try MLP.run(["evaluate", "--model", stored, "--data", rows, "--json"])
        for key in ["accuracy", "precision", "recall", "f1", "auc"] {
            XCTAssertEqual(number(try json(given.stdout), key), number(try json(fromModel.stdout), key), key)
        }
        // The other class's threshold must be given; flags that do not fit the model are refused.
        let other = try MLP.run(["predict", "--model", stored, "--input", rows, "--positive-label", "no"])
        XCTAssertEqual(other.status, 2)
        XCTAssertEqual(
            other.stderr.split(separator: "\n").first.map(String.init),
            "error: \(stored) stores the threshold 0.2 for class 'yes'; with --positive-label 'no' give --threshold too")
        let unknown = try MLP.run(["evaluate", "--model", model, "--data", rows, "--positive-label", "maybe"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertEqual(
            unknown.stderr.split(separator: "\n").first.map(String.init),
            "error: --positive-label 'maybe' is not a class of \(model) (its classes: no, yes)")
        file.metadata = file.metadata.map { $0.0 == "decision_threshold" ? ($0.0, "1.5") : $0 }
        try Safetensors.write(file, to: stored)
        let broken = try MLP.run(["predict", "--model", stored, "--input", rows])
        XCTAssertEqual(broken.status, 1)
        XCTAssertEqual(broken.stderr, "error: \(stored): metadata \"decision_threshold\" is '1.5', expected a probability from 0 to 1\n")
        XCTAssertEqual(broken.stdout, "")

        let images = try TempDir()
        try Synthetic.quadrants(images)
        let four = images.file("q.safetensors")
        _ = try train(["--data", images.path, "--epochs", "1", "--quiet", "--out", four])
        for command in [
            ["predict", "--model", four, "--images", images.file("t10k-images-idx3-ubyte")],
            ["evaluate", "--model", four, "--data", images.path],
        ] {
            let r = try MLP.run(command + ["--threshold", "0.3"])
            XCTAssertEqual(r.status, 2, r.stderr)
            XCTAssertEqual(
                r.stderr.split(separator: "\n").first.map(String.init),
                "error: --threshold decides between the two classes of a binary model; \(four) is a model of 4 classes")
        }
    }

    func testEvaluateReportsTheFiguresOfEachKindOfModel() throws {
        let dir = try TempDir()
        let rows = try table(dir)
        let model = dir.file("m.safetensors")
        _ = try train(["--data", rows, "--target", "label", "--hidden", "8", "--epochs", "2", "--quiet", "--out", model])
        let binary = try MLP.run(["evaluate", "--model", model, "--data", rows])
        let lines = binary.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[1].hasPrefix("positive class yes (threshold 0.5, the default): precision "), lines[1])
        XCTAssertTrue(
            lines[2].hasPrefix("auc 0.") && lines[2].contains("  pr_auc ") && lines[2].contains("  log_loss ")
                && lines[2].contains("  brier ")
                && lines[2].contains("  balanced_accuracy ") && lines[2].contains("  f1_weighted "), lines[2])
        let images = try TempDir()
        try Synthetic.quadrants(images)
        let four = images.file("q.safetensors")
        _ = try train(["--data", images.path, "--epochs", "1", "--quiet", "--out", four])
        let multi = try MLP.run(["evaluate", "--model", four, "--data", images.path])
        let second = multi.stdout.split(separator: "\n").map(String.init)[1]
        XCTAssertTrue(
            second.hasPrefix("f1 ") && second.contains(" (macro)  f1_weighted ") && second.contains("  auc ")
                && second.contains("  top_k_accuracy ")
                && second.hasSuffix(" (k 3)"), second)
        let j = try json(try MLP.run(["evaluate", "--model", four, "--data", images.path, "--json"]).stdout)
        for key in ["auc", "f1", "f1_weighted", "log_loss", "brier", "balanced_accuracy", "top_k_accuracy", "top_k"] {
            XCTAssertNotNil(j[key], key)
        }
        for key in ["pr_auc", "precision", "recall", "positive_label", "threshold", "weight_column"] { XCTAssertNil(j[key], key) }
    }
}
