import Formats
// `mlp importance`, end to end: on a table where one column decides the label and the others are
// noise, the deciding column ranks first and the noise is within noise of 0; a categorical column is
// one column however many indicators it has; the figures do not depend on the threads; an image
// model's pixels make a heat map; a metric that does not fit the model is refused in one line.
import Foundation
import XCTest

@testable import MLPCLI
@testable import Training

final class ImportanceTests: XCTestCase {
    func tableModel(_ dir: TempDir) throws -> (model: String, data: String) {
        try dir.write("t.csv", Array(Judging.decisiveTable().utf8))
        let model = dir.file("t.safetensors")
        let t = try MLP.run(["train", "--data", dir.file("t.csv"), "--epochs", "15", "--threads", "1", "--quiet", "--out", model])
        XCTAssertEqual(t.status, 0, t.stderr)
        return (model, dir.file("t.csv"))
    }

    func testTheDecidingColumnRanksFirstAndNoiseIsNearZero() throws {
        let dir = try TempDir()
        let (model, data) = try tableModel(dir)
        let r = try MLP.run(["importance", "--model", model, "--data", data, "--repeats", "8", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let v = try Judging.json(r.stdout)
        XCTAssertEqual(v["metric"], "accuracy")
        XCTAssertGreaterThan(Judging.number(v["baseline"]), 0.9)
        guard case .array(let columns)? = v["columns"] else { return XCTFail(r.stdout) }
        // the original columns, sorted: colour's three indicators are one column
        XCTAssertEqual(
            Set(
                columns.compactMap {
                    if case .string(let s)? = $0["column"] { return s }
                    return nil
                }), ["decisive", "noise", "colour"])
        XCTAssertEqual(columns.first?["column"], "decisive")
        XCTAssertGreaterThan(Judging.number(columns[0]["mean"]), 0.3)
        for c in columns.dropFirst() {
            let mean = Judging.number(c["mean"])
            let std = Judging.number(c["std"])
            XCTAssertLessThanOrEqual(abs(mean), max(3 * std, 0.01), "\(c): within noise of 0")
            XCTAssertEqual(Judging.numbers(c["drops"]).count, 8)
        }
        XCTAssertEqual(columns.first { $0["column"] == "colour" }?["features"], .number(3))
        // mean and standard deviation (population) of the drops
        let drops = Judging.numbers(columns[0]["drops"])
        let m = drops.reduce(0, +) / 8
        XCTAssertEqual(Judging.number(columns[0]["mean"]), m, accuracy: 1e-12)
        XCTAssertEqual(
            Judging.number(columns[0]["std"]), (drops.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 8).squareRoot(), accuracy: 1e-12)

        // The text table, sorted; a loss rises, and says so.
        let text = try MLP.run(["importance", "--model", model, "--data", data, "--metric", "log_loss"])
        XCTAssertEqual(text.status, 0, text.stderr)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(
            lines[0].hasPrefix("log_loss ")
                && lines[0].contains("its rise when each column is shuffled (mean and standard deviation over 5 repeats, seed 1)"), lines[0]
        )
        XCTAssertTrue(lines[3].contains("decisive"), text.stdout)
        XCTAssertTrue(text.stderr.contains("mlp: shuffling 3 columns 5 times each on 600 rows of \(data): 15 evaluations on"), text.stderr)
    }

    /// Each (column, repeat) draws its own permutation from the seed, so one thread and two give the
    /// same figures; another seed gives other shuffles.
    func testTheFiguresDoNotDependOnTheThreads() throws {
        let dir = try TempDir()
        let (model, data) = try tableModel(dir)
        func run(_ extra: [String]) throws -> String {
            let r = try MLP.run(["importance", "--model", model, "--data", data, "--json", "--metric", "auc"] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            let v = try Judging.json(r.stdout)
            return "\(v["columns"]!.serialized()) \(v["baseline"]!.serialized())"
        }
        let one = try run(["--threads", "1"])
        let two = try run(["--threads", "2"])
        XCTAssertEqual(one, two)
        XCTAssertNotEqual(one, try run(["--threads", "2", "--seed", "9"]))
    }

    func testAnImageModelsPixelsMakeAHeatMap() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 64)
        let model = dir.file("m.safetensors")
        let svg = dir.file("h.svg")
        XCTAssertEqual(
            try MLP.run(["train", "--data", dir.path, "--epochs", "3", "--batch-size", "8", "--quiet", "--out", model]).status, 0)
        let r = try MLP.run(["importance", "--model", model, "--data", dir.path, "--repeats", "2", "--json", "--plot", svg])
        XCTAssertEqual(r.status, 0, r.stderr)
        let v = try Judging.json(r.stdout)
        guard case .array(let pixels)? = v["pixels"] else { return XCTFail(r.stdout) }
        XCTAssertEqual(pixels.count, 16)
        XCTAssertEqual(v["samples"], .number(64))
        let plot = try String(contentsOfFile: svg, encoding: .utf8)
        XCTAssertEqual(plot.components(separatedBy: "<title>pixel (").count - 1, 16, "one cell per pixel")
        XCTAssertTrue(plot.contains("permutation importance: m.safetensors, accuracy"), plot)
        XCTAssertTrue(r.stderr.contains("importance heat map written to \(svg)"), r.stderr)
        let text = try MLP.run(["importance", "--model", model, "--data", dir.path, "--repeats", "1", "--samples", "10"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("on 10 images unshuffled"), text.stdout)
        XCTAssertEqual(text.stdout.components(separatedBy: "  pixel (").count - 1, 16, text.stdout)
    }

    func testTableChartAndRefusals() throws {
        let dir = try TempDir()
        let (model, data) = try tableModel(dir)
        let svg = dir.file("bars.svg")
        let r = try MLP.run(["importance", "--model", model, "--data", data, "--plot", svg, "--repeats", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let plot = try String(contentsOfFile: svg, encoding: .utf8)
        XCTAssertEqual(plot.components(separatedBy: ": mean drop ").count - 1, 3, "a bar per column")
        for (args, line) in [
            (["--metric", "r2"], "error: --metric r2: r2 measures a regression; \(model) is a classification"),
            (
                ["--metric", "hamming_loss"],
                "error: --metric hamming_loss: hamming_loss measures a multi-label model; \(model) is a classification"
            ),
            (["--metric", "speed"], "error: --metric 'speed' is not one of accuracy, log_loss, auc, f1, r2, rmse, mae, hamming_loss"),
        ] {
            let bad = try MLP.run(["importance", "--model", model, "--data", data] + args)
            XCTAssertEqual(bad.status, 2, bad.stderr)
            XCTAssertEqual(bad.stderr.split(separator: "\n").first.map(String.init), line)
        }
        let noData = try MLP.run(["importance", "--model", model])
        XCTAssertEqual(noData.status, 2)
        // A regression measures R² by default, in the targets' units.
        let diabetes = dir.file("d.safetensors")
        let csv = Package.path("data/tabular/diabetes.csv.gz")
        XCTAssertEqual(try MLP.run(["train", "--data", csv, "--epochs", "20", "--quiet", "--out", diabetes]).status, 0)
        let reg = try MLP.run(["importance", "--model", diabetes, "--data", csv, "--repeats", "2", "--json"])
        XCTAssertEqual(reg.status, 0, reg.stderr)
        let v = try Judging.json(reg.stdout)
        XCTAssertEqual(v["metric"], "r2")
        let e = try Judging.json(try MLP.run(["evaluate", "--model", diabetes, "--data", csv, "--json"]).stdout)
        XCTAssertEqual(Judging.number(v["baseline"]), Judging.number(e["r2"]), accuracy: 1e-5, "the unshuffled score is evaluate's")
    }
}
