import Formats
// `mlp evaluate --plot` end to end: the SVG the binary writes for a classification (the confusion
// matrix, named by the labels evaluate prints) and for a regression (predicted against actual, and
// the residuals), parsed as XML.
import Foundation
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

final class EvaluatePlotTests: XCTestCase {
    /// Three penguin species told apart by two measurements; the file lists them in another order
    /// than the model's (labels sorted as text).
    func writePenguins(_ dir: TempDir) throws -> String {
        var rng = SeededGenerator(seed: 5)
        func noise() -> Double { Double(rng.next() >> 40) / Double(1 << 24) - 0.5 }
        var text = "bill_length,bill_depth,species\n"
        let centres = [("Gentoo", 47.0, 15.0), ("Adelie", 39.0, 18.0), ("Chinstrap", 49.0, 18.5)]
        for i in 0..<90 {
            let (name, length, depth) = centres[i % 3]
            text += "\(fixed(length + 2 * noise(), 1)),\(fixed(depth + noise(), 1)),\(name)\n"
        }
        try dir.write("penguins.csv", Array(text.utf8))
        return dir.file("penguins.csv")
    }

    func testConfusionPlotOfATableModelNamesTheClassesAsEvaluatePrintsThem() throws {
        let dir = try TempDir()
        let data = try writePenguins(dir)
        let model = dir.file("p.safetensors")
        let svg = dir.file("p.svg")
        let t = try MLP.run(["train", "--data", data, "--epochs", "10", "--threads", "1", "--out", model, "--quiet"])
        XCTAssertEqual(t.status, 0, t.stderr)
        let e = try MLP.run(["evaluate", "--model", model, "--data", data, "--plot", svg])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertEqual(e.stderr, "confusion matrix written to \(svg)\n")
        let header = e.stdout.split(separator: "\n").first { $0.hasPrefix("true\\pred") }.map {
            $0.split(separator: " ").dropFirst().map(String.init)
        }
        XCTAssertEqual(header, ["Adelie", "Chinstrap", "Gentoo"], e.stdout)
        let (probe, ok, error) = SVGProbe.parse(try String(contentsOfFile: svg, encoding: .utf8))
        XCTAssertTrue(ok, error)
        let species = Set(header ?? [])
        XCTAssertEqual(probe.texts.filter(species.contains), (header ?? []) + (header ?? []), "rows then columns, in evaluate's order")
        XCTAssertFalse(probe.texts.contains("0"), "no class indices: \(probe.texts)")
    }

    func testRegressionPlotDrawsPredictedAgainstActualAndResiduals() throws {
        let dir = try TempDir()
        let data = TabularTests.data + "/diabetes.csv.gz"
        let model = dir.file("d.safetensors")
        let svg = dir.file("d.svg")
        let t = try MLP.run(["train", "--data", data, "--epochs", "20", "--batch-size", "16", "--threads", "1", "--out", model, "--quiet"])
        XCTAssertEqual(t.status, 0, t.stderr)
        let plain = try MLP.run(["evaluate", "--model", model, "--data", data])
        let e = try MLP.run(["evaluate", "--model", model, "--data", data, "--plot", svg])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertEqual(e.stdout, plain.stdout, "the report is the same with a plot")
        XCTAssertEqual(e.stderr, "predicted against actual values written to \(svg)\n")
        let (probe, ok, error) = SVGProbe.parse(try String(contentsOfFile: svg, encoding: .utf8))
        XCTAssertTrue(ok, error)
        XCTAssertEqual(probe.counts["circle"], 2 * 442, "each of the 442 rows in both panels")
        for text in ["progression: predicted against actual", "progression: residuals", "actual progression", "predicted progression"] {
            XCTAssertTrue(probe.texts.contains(text), text)
        }
        XCTAssertTrue(
            probe.texts.contains { $0.hasPrefix("regression: d.safetensors, R² ") && $0.hasSuffix(" on 442 rows") },
            "\(probe.texts.first ?? "")")
        // The actual values (25 to 346) lie within the first panel's x axis.
        let xTicks = zip(probe.texts, probe.textAttributes).compactMap { text, a -> Double? in
            guard a["text-anchor"] == "middle", let x = Double(a["x"] ?? ""), x < RegressionPlotSVG.panelWidth, Double(text) != nil,
                let y = Double(a["y"] ?? ""), y > 300
            else { return nil }
            return Double(text)
        }
        XCTAssertLessThanOrEqual(xTicks.min() ?? .infinity, 25, "\(xTicks)")
        XCTAssertGreaterThanOrEqual(xTicks.max() ?? -.infinity, 346, "\(xTicks)")

        // With --json and a gate: one JSON object, the plot written, then the gate's exit code.
        try FileManager.default.removeItem(atPath: svg)
        let gated = try MLP.run(["evaluate", "--model", model, "--data", data, "--plot", svg, "--json", "--min-r2", "0.99"])
        XCTAssertEqual(gated.status, 3, gated.stderr)
        XCTAssertNoThrow(try JSONValue.parse(Array(gated.stdout.utf8)))
        XCTAssertTrue(FileManager.default.fileExists(atPath: svg))
        let bad = try MLP.run(["evaluate", "--model", model, "--data", data, "--plot", "/nonexistent/d.svg"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderr, "error: /nonexistent/d.svg: directory /nonexistent does not exist\n")
    }

    func testRegressionPlotOfManyTargetsAndRowsIsCapped() throws {
        let dir = try TempDir()
        var text = "a,b,t1,t2,t3,t4,t5\n"
        for i in 0..<2500 {
            let a = Double(i % 50) / 10
            let b = Double(i % 37) / 10
            text += "\(a),\(b),\(a + b),\(a - b),\(2 * a),\(b * b),\(a * b)\n"
        }
        try dir.write("five.csv", Array(text.utf8))
        let data = dir.file("five.csv")
        let model = dir.file("f.safetensors")
        let svg = dir.file("f.svg")
        let t = try MLP.run([
            "train", "--data", data, "--target", "t1,t2,t3,t4,t5", "--epochs", "1", "--hidden", "8", "--threads", "1",
            "--out", model, "--quiet",
        ])
        XCTAssertEqual(t.status, 0, t.stderr)
        let e = try MLP.run(["evaluate", "--model", model, "--data", data, "--plot", svg])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertEqual(e.stderr, "predicted against actual values written to \(svg) (the first 4 of 5 targets, 2000 of 2500 rows drawn)\n")
        let (probe, ok, error) = SVGProbe.parse(try String(contentsOfFile: svg, encoding: .utf8))
        XCTAssertTrue(ok, error)
        XCTAssertEqual(probe.counts["circle"], 4 * 2 * 2000)
        XCTAssertTrue(
            probe.texts.contains("points: 2000 of 2500 rows, evenly spaced through the file; the first 4 of 5 targets"),
            "\(probe.texts.prefix(2))")
        XCTAssertEqual(
            probe.texts.filter { $0.hasSuffix(": residuals") }, ["t1: residuals", "t2: residuals", "t3: residuals", "t4: residuals"])
    }
}
