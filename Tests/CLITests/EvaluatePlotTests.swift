// `mlp evaluate --plot` end to end: the SVG the binary writes for a classification (the confusion
// matrix, named by the labels evaluate prints) and for a regression (predicted against actual, and
// the residuals), parsed as XML.
import Foundation
import Formats
import XCTest
@testable import MLPCLI

final class EvaluatePlotTests: XCTestCase {
    /// Three penguin species told apart by two measurements; the file lists them in another order
    /// than the model's (labels sorted as text).
    func writePenguins(_ dir: TempDir) throws -> String {
        var state: UInt64 = 5
        func noise() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 40) / Double(1 << 24) - 0.5 }
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
        let data = try writePenguins(dir), model = dir.file("p.safetensors"), svg = dir.file("p.svg")
        let t = try MLP.run(["train", "--data", data, "--epochs", "10", "--threads", "1", "--out", model, "--quiet"])
        XCTAssertEqual(t.status, 0, t.stderr)
        let e = try MLP.run(["evaluate", "--model", model, "--data", data, "--plot", svg])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertEqual(e.stderr, "confusion matrix written to \(svg)\n")
        let header = e.stdout.split(separator: "\n").first { $0.hasPrefix("true\\pred") }.map { $0.split(separator: " ").dropFirst().map(String.init) }
        XCTAssertEqual(header, ["Adelie", "Chinstrap", "Gentoo"], e.stdout)
        let (probe, ok, error) = SVGProbe.parse(try String(contentsOfFile: svg, encoding: .utf8))
        XCTAssertTrue(ok, error)
        let species = Set(header ?? [])
        XCTAssertEqual(probe.texts.filter(species.contains), (header ?? []) + (header ?? []), "rows then columns, in evaluate's order")
        XCTAssertFalse(probe.texts.contains("0"), "no class indices: \(probe.texts)")
    }
}
