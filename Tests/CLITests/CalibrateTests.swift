import Formats
// `mlp calibrate`, end to end: the temperature it fits is scipy's minimum of the held-out log-loss,
// it is stored in the model (format 5) and applied by every command that reads the model (predict,
// evaluate with its ECE and reliability diagram, quantize, export through onnxruntime), and what it
// cannot calibrate is refused in one line.
import Foundation
import XCTest

@testable import MLPCLI
@testable import Training

final class CalibrateTests: XCTestCase {
    static let cancer = Package.path("data/tabular/breast_cancer.csv.gz")

    /// An image model trained on noisy quadrants with a quarter of the training images held out
    /// (written into DIR/held-out by --save-split).
    func imageModel(_ dir: TempDir) throws -> String {
        try Judging.noisyQuadrants(dir)
        let model = dir.file("m.safetensors")
        let t = try MLP.run([
            "train", "--data", dir.path, "--validation-split", "0.25", "--save-split", dir.file("held-out"),
            "--epochs", "4", "--batch-size", "16", "--threads", "1", "--quiet", "--out", model,
        ])
        XCTAssertEqual(t.status, 0, t.stderr)
        return model
    }

    /// A binary table model (breast cancer), its held-out validation rows and its test rows.
    func tableModel(_ dir: TempDir) throws -> (model: String, validation: String, test: String) {
        let model = dir.file("cancer.safetensors")
        let t = try MLP.run([
            "train", "--data", Self.cancer, "--test-split", "0.2", "--validation-split", "0.3", "--save-split", dir.file("split"),
            "--epochs", "30", "--threads", "1", "--quiet", "--out", model,
        ])
        XCTAssertEqual(t.status, 0, t.stderr)
        return (model, dir.file("split/validation.csv"), dir.file("split/test.csv"))
    }

    func metadata(_ path: String) throws -> SafetensorsFile { try Safetensors.read(path: path) }

    func testCalibrateStoresATemperatureThatEveryCommandApplies() throws {
        let dir = try TempDir()
        let model = try imageModel(dir)
        let calibrated = dir.file("cal.safetensors")
        let images = dir.file("t10k-images-idx3-ubyte")
        let c = try MLP.run(["calibrate", "--model", model, "--data", dir.file("held-out"), "--out", calibrated])
        XCTAssertEqual(c.status, 0, c.stderr)
        XCTAssertTrue(c.stdout.hasPrefix("temperature "), c.stdout)
        XCTAssertTrue(c.stdout.contains("fitted on 100 held-out images of \(dir.file("held-out"))/validation-images-idx3-ubyte"), c.stdout)
        XCTAssertTrue(c.stdout.contains("before (T = 1)") && c.stdout.contains("after (T = "), c.stdout)
        XCTAssertTrue(c.stderr.contains("mlp: calibrated model written to \(calibrated) (format_version 5"), c.stderr)
        let file = try metadata(calibrated)
        XCTAssertEqual(file.metadataValue(for: "format_version"), "5")
        let t = try XCTUnwrap(file.metadataValue(for: "temperature").flatMap(Double.init))
        XCTAssertNotEqual(t, 1)
        // The weights are untouched, and the uncalibrated model is as it was.
        XCTAssertEqual(file.tensors, try metadata(model).tensors)
        XCTAssertNil(try metadata(model).metadataValue(for: "temperature"))

        // predict: the same classes, probabilities softmax(log p / T) of the uncalibrated ones.
        let before = try Judging.lines(try MLP.run(["predict", "--model", model, "--images", images, "--json"]))
        let after = try Judging.lines(try MLP.run(["predict", "--model", calibrated, "--images", images, "--json"]))
        XCTAssertEqual(before.count, 400)
        var worst = 0.0
        for (b, a) in zip(before, after) {
            XCTAssertEqual(b["predicted"], a["predicted"])
            let logits = Judging.numbers(b["probabilities"]).map { log($0) / t }
            let m = logits.max()!
            let s = logits.map { exp($0 - m) }.reduce(0, +)
            for (q, z) in zip(Judging.numbers(a["probabilities"]), logits) { worst = max(worst, abs(q - exp(z - m) / s)) }
        }
        XCTAssertLessThan(worst, 1e-5, "calibrated probabilities against softmax(log p / T)")

        // evaluate: the same accuracy, another loss, the temperature named.
        let e0 = try Judging.json(try MLP.run(["evaluate", "--model", model, "--data", dir.path, "--json"]).stdout)
        let e1 = try Judging.json(try MLP.run(["evaluate", "--model", calibrated, "--data", dir.path, "--json"]).stdout)
        XCTAssertEqual(e0["accuracy"], e1["accuracy"])
        XCTAssertNotEqual(e0["loss"], e1["loss"])
        XCTAssertEqual(e0["temperature"], .null)
        XCTAssertEqual(Judging.number(e1["temperature"]), t, accuracy: 1e-6)
        XCTAssertEqual(e1["ece_bins"], .number(15))
        let text = try MLP.run(["evaluate", "--model", calibrated, "--data", dir.path])
        XCTAssertTrue(text.stdout.contains("ece ") && text.stdout.contains("temperature \(Float(t)) applied (mlp calibrate)"), text.stdout)
        XCTAssertTrue(try MLP.run(["summary", calibrated]).stdout.contains("calibrated: temperature \(Float(t)) (mlp calibrate)"))

        // Calibrating again, in place, fits from the raw logits: the same temperature, said to replace the stored one.
        let again = try MLP.run(["calibrate", "--model", calibrated, "--data", dir.file("held-out"), "--out", calibrated, "--json"])
        XCTAssertEqual(again.status, 0, again.stderr)
        let v = try Judging.json(again.stdout)
        XCTAssertEqual(Judging.number(v["temperature"]), t, accuracy: 1e-6)
        XCTAssertEqual(Judging.number(v["replaced_temperature"]), t, accuracy: 1e-6)
        XCTAssertLessThanOrEqual(Judging.number(v["log_loss_after"]), Judging.number(v["log_loss_before"]))
    }

    /// The temperature is scipy's minimum of the held-out log-loss (on the logits log p, which the
    /// softmax reads as the model's own: it ignores a constant per row), and evaluate's ECE is the
    /// oracle's numpy implementation on predict's probabilities.
    func testTheTemperatureIsScipysMinimumAndTheECEIsTheReferences() throws {
        let dir = try TempDir()
        let (model, validation, test) = try tableModel(dir)
        let calibrated = dir.file("cal.safetensors")
        let c = try MLP.run(["calibrate", "--model", model, "--data", validation, "--out", calibrated, "--json"])
        XCTAssertEqual(c.status, 0, c.stderr)
        let fit = try Judging.json(c.stdout)
        func probabilities(_ m: String, _ rows: String) throws -> [[Double]] {
            try Judging.lines(try MLP.run(["predict", "--model", m, "--input", rows, "--json"])).map {
                Judging.numbers($0["probabilities"])
            }
        }
        func labels(_ rows: String) throws -> [Int] {
            // the target is the last column, 0 or 1 (the classes' order)
            try String(contentsOfFile: rows, encoding: .utf8).split(separator: "\n").dropFirst().map {
                Int($0.split(separator: ",").last!)!
            }
        }
        let held = try probabilities(model, validation)
        let heldLabels = try labels(validation)
        let logits = held.map { row in row.map { log(max($0, 1e-300)) } }
        let testRows = try probabilities(calibrated, test)
        let testLabels = try labels(test)
        let cases =
            "[{\"kind\":\"temperature\",\"logits\":[\(logits.map(Judging.text).joined(separator: ","))],\"labels\":\(heldLabels),\"weights\":null,\"range\":[0.01,100]},"
            + "{\"kind\":\"calibration\",\"probabilities\":[\(testRows.map(Judging.text).joined(separator: ","))],\"labels\":\(testLabels),\"weights\":null,\"bins\":15}]"
        let oracle = try Judging.run(oracle: cases)
        let scipy = try XCTUnwrap(oracle[0]["temperature"] as? Double)
        // the file stores T as a float, and predict prints float probabilities
        XCTAssertEqual(Judging.number(fit["temperature"]), scipy, accuracy: 1e-4 * scipy, "calibrate against scipy's minimize_scalar")
        let e = try Judging.json(try MLP.run(["evaluate", "--model", calibrated, "--data", test, "--json"]).stdout)
        XCTAssertEqual(
            Judging.number(e["ece"]), try XCTUnwrap(oracle[1]["ece"] as? Double), accuracy: 1e-9, "evaluate's ECE against the reference")
    }

    /// --pick-threshold f1 stores the threshold that maximizes the positive class's F1 on the held-out
    /// rows' calibrated probabilities: no other candidate does better.
    func testPickThresholdStoresTheBestF1Threshold() throws {
        let dir = try TempDir()
        let (model, validation, _) = try tableModel(dir)
        let calibrated = dir.file("cal.safetensors")
        let c = try MLP.run(["calibrate", "--model", model, "--data", validation, "--out", calibrated, "--pick-threshold", "f1", "--json"])
        XCTAssertEqual(c.status, 0, c.stderr)
        let v = try Judging.json(c.stdout)
        let t = Judging.number(v["threshold"])
        XCTAssertEqual(v["threshold_rule"], "f1")
        XCTAssertEqual(try metadata(calibrated).metadataValue(for: "decision_threshold").flatMap(Double.init), t)
        XCTAssertEqual(try metadata(calibrated).metadataValue(for: "positive_label"), "1")
        XCTAssertEqual(try metadata(calibrated).metadataValue(for: "format_version"), "5")
        let rows = try Judging.lines(try MLP.run(["predict", "--model", calibrated, "--input", validation, "--json"]))
        // predict prints float probabilities; the threshold is one of them, exactly
        let p = rows.map { Double(Float(Judging.number($0["probabilities"]?["1"]))) }
        let y = try String(contentsOfFile: validation, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.hasSuffix(",1") }
        func f1(_ at: Double) -> Double {
            let tp = zip(p, y).filter { $0.0 >= at && $0.1 }.count
            let fp = zip(p, y).filter { $0.0 >= at && !$0.1 }.count
            let fn = zip(p, y).filter { $0.0 < at && $0.1 }.count
            return 2 * Double(tp) / Double(2 * tp + fp + fn)
        }
        let best = f1(t)
        for candidate in Set(p) { XCTAssertLessThanOrEqual(f1(candidate), best + 1e-12, "threshold \(candidate) beats \(t)") }
        XCTAssertEqual(Judging.number(v["f1_at_threshold"]), best, accuracy: 1e-6)
        XCTAssertEqual(Judging.number(v["f1_at_0.5"]), f1(0.5), accuracy: 1e-6)
        XCTAssertTrue(try MLP.run(["summary", calibrated]).stdout.contains("decision threshold"))
    }

    func testCalibrateRefusesWhatItCannotCalibrateInOneLine() throws {
        let dir = try TempDir()
        let diabetes = dir.file("d.safetensors")
        let iris = dir.file("iris.safetensors")
        let mse = dir.file("mse.safetensors")
        let image = try imageModel(dir)
        XCTAssertEqual(
            try MLP.run(["train", "--data", Package.path("data/tabular/diabetes.csv.gz"), "--epochs", "1", "--quiet", "--out", diabetes])
                .status, 0)
        XCTAssertEqual(
            try MLP.run(["train", "--data", Package.path("data/tabular/iris.csv.gz"), "--epochs", "1", "--quiet", "--out", iris]).status, 0)
        XCTAssertEqual(try MLP.run(["train", "--data", dir.path, "--loss", "mse", "--epochs", "1", "--quiet", "--out", mse]).status, 0)
        let out = dir.file("out.safetensors")
        let cases: [([String], Int32, String)] = [
            (
                ["--model", diabetes, "--data", Package.path("data/tabular/diabetes.csv.gz")], 2,
                "error: mlp calibrate fits a classifier's temperature; \(diabetes) is a regression (its outputs are values, not probabilities)"
            ),
            (
                ["--model", mse, "--data", dir.file("held-out")], 2,
                "error: \(mse) was trained with --loss mse: its outputs are not logits that a temperature calibrates (cross_entropy or bce are)"
            ),
            (
                ["--model", image, "--data", dir.path], 1,
                "error: \(dir.path): has no validation-images-idx3-ubyte (train --validation-split F --save-split DIR writes the held-out images there); or name them with --validation-images and --validation-labels"
            ),
            (
                ["--model", image, "--data", dir.file("held-out"), "--pick-threshold", "f1"], 2,
                "error: --pick-threshold f1 chooses a binary model's decision threshold; \(image) is a model of 4 classes"
            ),
            (
                ["--model", iris, "--data", Package.path("data/tabular/iris.csv.gz"), "--pick-threshold", "youden"], 2,
                "error: --pick-threshold youden chooses a binary model's decision threshold; \(iris) is a model of 3 classes"
            ),
            (
                ["--model", image, "--data", dir.file("held-out"), "--pick-threshold", "best"], 2,
                "error: --pick-threshold 'best' is not one of f1, youden"
            ),
        ]
        for (args, status, line) in cases {
            let r = try MLP.run(["calibrate"] + args + ["--out", out])
            XCTAssertEqual(r.status, status, r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").first.map(String.init), line)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing is written")
        }
        let noOut = try MLP.run(["calibrate", "--model", image, "--data", dir.file("held-out")])
        XCTAssertEqual(noOut.status, 2)
        XCTAssertTrue(noOut.stderr.hasPrefix("error: missing required flag --out"), noOut.stderr)
    }

    /// quantize keeps the temperature in the INT8 file; export divides the logits by it (a Div node
    /// before the softmax), and onnxruntime's probabilities are predict's within 1e-5.
    func testQuantizeKeepsAndExportAppliesTheTemperature() throws {
        let dir = try TempDir()
        let model = try imageModel(dir)
        let calibrated = dir.file("cal.safetensors")
        let int8 = dir.file("int8.safetensors")
        XCTAssertEqual(try MLP.run(["calibrate", "--model", model, "--data", dir.file("held-out"), "--out", calibrated]).status, 0)
        let t = try XCTUnwrap(try metadata(calibrated).metadataValue(for: "temperature"))
        let q = try MLP.run(["quantize", "--model", calibrated, "--out", int8])
        XCTAssertEqual(q.status, 0, q.stderr)
        XCTAssertEqual(try metadata(int8).metadataValue(for: "temperature"), t)
        XCTAssertEqual(try metadata(int8).metadataValue(for: "format_version"), "5")
        let e = try Judging.json(try MLP.run(["evaluate", "--model", int8, "--data", dir.path, "--json"]).stdout)
        XCTAssertEqual(Judging.number(e["temperature"]), Double(t)!, accuracy: 1e-6)

        let onnx = dir.file("m.onnx")
        XCTAssertEqual(try MLP.run(["export", "--model", calibrated, "--out", onnx]).status, 0)
        let images = dir.file("t10k-images-idx3-ubyte")
        let ort = try ProcessRunner.run("/usr/bin/env", ["python3", Package.path("Scripts/onnx_check.py"), onnx, images])
        if ort.status == 3 { throw XCTSkip("onnx/onnxruntime not importable: \(ort.stderr)") }
        XCTAssertEqual(ort.status, 0, ort.stderr)
        let v = try Judging.json(ort.stdout)
        guard case .array(let rows)? = v["outputs"] else { return XCTFail("no outputs") }
        let predicted = try Judging.lines(try MLP.run(["predict", "--model", calibrated, "--images", images, "--json"]))
        XCTAssertEqual(rows.count, predicted.count)
        var worst = 0.0
        for (o, p) in zip(rows, predicted) {
            for (a, b) in zip(Judging.numbers(o), Judging.numbers(p["probabilities"])) { worst = max(worst, abs(a - b)) }
        }
        XCTAssertLessThan(worst, 1e-5, "onnxruntime against mlp predict on the calibrated model")
        let uncalibrated = dir.file("raw.onnx")
        XCTAssertEqual(try MLP.run(["export", "--model", model, "--out", uncalibrated]).status, 0)
        let graph = try String(decoding: Data(contentsOf: URL(fileURLWithPath: onnx)), as: UTF8.self)
        XCTAssertTrue(graph.contains("output.temperature"), "the graph divides by the temperature")
        XCTAssertFalse(
            try String(decoding: Data(contentsOf: URL(fileURLWithPath: uncalibrated)), as: UTF8.self).contains("output.temperature"))
    }

    func testEvaluatePlotsTheReliabilityDiagram() throws {
        let dir = try TempDir()
        let model = try imageModel(dir)
        let svg = dir.file("r.svg")
        let e = try MLP.run(["evaluate", "--model", model, "--data", dir.path, "--plot-calibration", svg, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertTrue(e.stderr.contains("reliability diagram written to \(svg)"), e.stderr)
        let text = try String(contentsOfFile: svg, encoding: .utf8)
        let ece = Judging.number(try Judging.json(e.stdout)["ece"])
        XCTAssertTrue(text.hasPrefix("<?xml") && text.hasSuffix("</svg>\n"))
        XCTAssertTrue(text.contains("reliability: m.safetensors, ECE \(fixed(ece, 4)) on 400 images"), text)
        XCTAssertTrue(text.contains("stroke-dasharray=\"6 4\""), "the diagonal")
        // a tooltip per non-empty bin (on its accuracy bar, its gap and its count)
        XCTAssertGreaterThan(text.components(separatedBy: "<title>confidence (").count - 1, 2)
        // to standard output, with the report on stderr
        let out = try MLP.run(["evaluate", "--model", model, "--data", dir.path, "--plot-calibration", "-"])
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertTrue(out.stdout.hasPrefix("<?xml"), out.stdout)
        XCTAssertTrue(out.stderr.contains("ece "), out.stderr)
        let both = try MLP.run(["evaluate", "--model", model, "--data", dir.path, "--plot-calibration", "-", "--json"])
        XCTAssertEqual(both.status, 2)
        let diabetes = dir.file("d.safetensors")
        XCTAssertEqual(
            try MLP.run(["train", "--data", Package.path("data/tabular/diabetes.csv.gz"), "--epochs", "1", "--quiet", "--out", diabetes])
                .status, 0)
        let r = try MLP.run([
            "evaluate", "--model", diabetes, "--data", Package.path("data/tabular/diabetes.csv.gz"), "--plot-calibration", svg,
        ])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(
            r.stderr.hasPrefix(
                "error: --plot-calibration draws how a classifier's confidence matches its accuracy; \(diabetes) is a regression"), r.stderr
        )
    }
}
