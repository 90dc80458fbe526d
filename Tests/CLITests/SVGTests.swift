import Formats
// The SVG the project writes: well-formed XML (checked by Foundation's parser), with the elements
// each plot promises, and text escaped.
import Foundation
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Counts elements and collects text while parsing; records the first parse error.
final class SVGProbe: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    var texts: [String] = []
    /// Every <text> element's attributes, in document order (parallel to `texts`).
    var textAttributes: [[String: String]] = []
    /// Every tooltip (<title>), in document order.
    var titles: [String] = []
    /// Every element's attributes by element name, in document order.
    var elements: [String: [[String: String]]] = [:]
    var root: String?
    private var current = ""

    static func parse(_ svg: String) -> (probe: SVGProbe, ok: Bool, error: String) {
        let parser = XMLParser(data: Data(svg.utf8))
        let probe = SVGProbe()
        parser.delegate = probe
        let ok = parser.parse()
        return (probe, ok, parser.parserError.map { "\($0)" } ?? "")
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if root == nil { root = name }
        counts[name, default: 0] += 1
        elements[name, default: []].append(attributes)
        if name == "text" { textAttributes.append(attributes) }
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(current) }
        if name == "title" { titles.append(current) }
        current = ""
    }
}

final class SVGTests: XCTestCase {
    func testConfusionHeatMapIsWellFormedWithOneCellPerPair() {
        let confusion = [[5, 1, 0], [0, 7, 2], [1, 0, 9]]
        let svg = ConfusionMatrixSVG.render(confusion: confusion, title: "model <a & b> \"quoted\"")
        let (probe, ok, error) = SVGProbe.parse(svg)
        XCTAssertTrue(ok, error)
        XCTAssertEqual(probe.root, "svg")
        XCTAssertEqual(probe.counts["rect"], 1 + 9, "background plus one cell per (true, predicted) pair")
        XCTAssertEqual(probe.counts["title"], 9, "every cell has a tooltip")
        XCTAssertTrue(probe.texts.contains("model <a & b> \"quoted\""), "the title survives escaping: \(probe.texts)")
        XCTAssertTrue(svg.contains("&lt;a &amp; b&gt; &quot;quoted&quot;"))
        for label in ["predicted class", "true class", "5", "7", "9"] { XCTAssertTrue(probe.texts.contains(label), label) }
        XCTAssertEqual(probe.texts.filter { $0 == "0" }.count, 2, "\"0\" only as the class labels: empty cells carry no count")
    }

    func testConfusionHeatMapNamesTheClassesByTheirLabelsInTheModelsOrder() {
        let labels = ["Gentoo", "Adelie", "Chinstrap"]
        let svg = ConfusionMatrixSVG.render(confusion: [[5, 1, 0], [0, 7, 2], [1, 0, 9]], labels: labels, title: "penguins")
        let (probe, ok, error) = SVGProbe.parse(svg)
        XCTAssertTrue(ok, error)
        XCTAssertEqual(probe.texts.filter(labels.contains), labels + labels, "rows, then columns, each in the model's order")
        XCTAssertFalse(probe.texts.contains("0"), "no class indices (empty cells carry no count): \(probe.texts)")
        XCTAssertTrue(probe.titles.contains("true Adelie, predicted Chinstrap: 2 (22.2% of class Adelie)"), "\(probe.titles)")
        // The row labels go down the left side in order, the column labels along the top.
        let rows = labels.map { l in probe.textAttributes[probe.texts.firstIndex(of: l)!] }
        let ys = rows.compactMap { Double($0["y"] ?? "") }
        XCTAssertEqual(ys, ys.sorted(), "rows top to bottom in class order")
        XCTAssertEqual(Set(rows.map { $0["x"] }).count, 1, "one column of row labels")
    }

    func testLongLabelsAreShortenedWithTheWholeLabelAsTooltip() {
        let long = "Pygoscelis adeliae (Adélie penguin), Torgersen colony"
        let labels = [long, "short"]
        let svg = ConfusionMatrixSVG.render(confusion: [[3, 1], [0, 4]], labels: labels, title: "t")
        let (probe, ok, error) = SVGProbe.parse(svg)
        XCTAssertTrue(ok, error)
        let shown = SVGDocument.shortened(long, limit: ConfusionMatrixSVG.labelLimit)
        XCTAssertEqual(shown.count, ConfusionMatrixSVG.labelLimit)
        XCTAssertEqual(shown, "Pygoscelis adelia…")
        XCTAssertEqual(SVGDocument.shortened("Pygoscelis papua", limit: 12), "Pygoscelis…", "no space before the ellipsis")
        XCTAssertEqual(probe.texts.filter { $0 == shown }.count, 2, "row and column label, shortened")
        XCTAssertFalse(probe.texts.contains(long), "the whole label is not drawn")
        XCTAssertEqual(probe.titles.filter { $0 == long }.count, 2, "the whole label is each shortened label's tooltip")
        XCTAssertFalse(probe.titles.contains("short"), "a label shown whole needs no tooltip")
        // Column labels that do not fit a cell run upwards; nothing starts left of the picture or above it.
        let column = probe.textAttributes.filter { $0["transform"]?.hasPrefix("rotate(-90") == true && $0["text-anchor"] == "start" }
        XCTAssertEqual(column.count, 2, "both column labels are vertical")
        let rowLabel = probe.textAttributes[probe.texts.firstIndex(of: shown)!]
        let x = Double(rowLabel["x"]!)!
        let width = SVGDocument.textWidth(shown, size: Double(rowLabel["font-size"]!)!)
        XCTAssertGreaterThan(x - width, 30, "the right-aligned row label fits left of the grid, beside the axis title")
        let top = column.compactMap { Double($0["y"]!) }.min()!
        XCTAssertGreaterThan(top - width, 50, "the vertical label ends below the axis title")
    }

    func testManyClassesKeepTheirOrderAndTheFileStaysSmall() {
        // Labels as a text target sorts them: "0", "1", "10", "100", "11", ...: row 7 is not class "7".
        let labels = (0..<101).map { "\($0)" }.sorted()
        let k = labels.count
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        for i in 0..<k {
            confusion[i][i] = 10 + i
            confusion[i][(i + 1) % k] = 1
        }
        let svg = ConfusionMatrixSVG.render(confusion: confusion, labels: labels, title: "hundred")
        let (probe, ok, error) = SVGProbe.parse(svg)
        XCTAssertTrue(ok, error)
        let rowLabels = zip(probe.texts, probe.textAttributes).filter { $0.1["text-anchor"] == "end" }.map(\.0)
        XCTAssertEqual(rowLabels, labels, "every row labelled, in the model's order")
        XCTAssertEqual(rowLabels[7], labels[7])
        XCTAssertEqual(probe.counts["rect"], 1 + 2 * k, "only the cells that hold examples are drawn")
        XCTAssertTrue(
            probe.titles.contains("true \(labels[7]), predicted \(labels[8]): 1 (\(fixed(100 / Double(11 + 7), 1))% of class \(labels[7]))")
        )
        XCTAssertLessThan(svg.utf8.count, 200_000, "a few hundred bytes a class, not a cell")
        let hundred = ConfusionMatrixSVG.render(
            confusion: Array(confusion.prefix(100).map { Array($0.prefix(100)) }),
            labels: Array(labels.prefix(100)), title: "t")
        XCTAssertTrue(SVGProbe.parse(hundred).probe.texts.contains("17"), "up to 100 classes each cell shows its count")
    }

    /// A target whose predictions miss by a known amount: actual 10·i/n − 3, predicted actual + a wave.
    func regressionTarget(_ name: String, rows n: Int, scale: Double = 1) -> RegressionPlotSVG.Target {
        let actual = (0..<n).map { scale * (10 * Double($0) / Double(n) - 3) }
        let predicted = actual.enumerated().map { $0.element + scale * 0.8 * sin(Double($0.offset)) }
        return RegressionPlotSVG.Target(name: name, actual: actual, predicted: predicted, rmse: 0.5, r2: 0.97)
    }

    /// The numbers drawn as tick labels in the region x0..<x1 with the given anchor.
    func ticks(_ probe: SVGProbe, anchor: String, x0: Double, x1: Double) -> [Double] {
        zip(probe.texts, probe.textAttributes).compactMap { text, a in
            guard a["text-anchor"] == anchor, a["transform"] == nil, let x = Double(a["x"] ?? ""), x >= x0, x < x1 else { return nil }
            return Double(text)
        }
    }

    func testRegressionPlotDrawsEveryRowInTwoPanelsWithAxesAroundTheData() {
        let t = regressionTarget("price <usd>", rows: 300, scale: 1000)
        let svg = RegressionPlotSVG.render(targets: [t], title: "regression & more")
        let (probe, ok, error) = SVGProbe.parse(svg)
        XCTAssertTrue(ok, error)
        XCTAssertEqual(probe.counts["circle"], 600, "every row once in each panel")
        for heading in [
            "price <usd>: predicted against actual", "price <usd>: residuals", "actual price <usd>", "predicted price <usd>",
            "residual", "R² 0.9700, RMSE 0.5000", "residual = actual − predicted",
        ] {
            XCTAssertTrue(probe.texts.contains(heading), heading)
        }
        let w = RegressionPlotSVG.panelWidth
        // Left panel: both axes cover actual and predicted values.
        let values = t.actual + t.predicted
        for (axis, ticks) in [("x", ticks(probe, anchor: "middle", x0: 60, x1: w)), ("y", ticks(probe, anchor: "end", x0: 0, x1: 80))] {
            XCTAssertLessThanOrEqual(ticks.min() ?? .infinity, values.min()!, "\(axis): \(ticks)")
            XCTAssertGreaterThanOrEqual(ticks.max() ?? -.infinity, values.max()!, "\(axis): \(ticks)")
            XCTAssertGreaterThanOrEqual(ticks.count, 3, axis)
        }
        // Right panel: residuals on a y axis symmetric about 0 that holds them all.
        let residuals = zip(t.actual, t.predicted).map { $0 - $1 }
        let rTicks = ticks(probe, anchor: "end", x0: w, x1: w + 80)
        XCTAssertTrue(rTicks.contains(0), "\(rTicks)")
        XCTAssertEqual(rTicks.min()!, -rTicks.max()!)
        XCTAssertGreaterThanOrEqual(rTicks.max()!, residuals.map(abs).max()!)
        let pTicks = ticks(probe, anchor: "middle", x0: w + 60, x1: 2 * w)
        XCTAssertLessThanOrEqual(pTicks.min()!, t.predicted.min()!)
        XCTAssertGreaterThanOrEqual(pTicks.max()!, t.predicted.max()!)
        // Every point lies inside its panel's axes.
        let lines = probe.elements["line"] ?? []
        let axisX = lines.filter { $0["stroke"] == "#444444" && $0["x1"] == $0["x2"] && $0["y1"] != nil }
            .compactMap { Double($0["x1"]!) }.filter { [70, w + 70].contains($0) }
        XCTAssertEqual(Set(axisX), [70, w + 70], "a y axis at each panel's left edge")
        for c in probe.elements["circle"] ?? [] {
            let x = Double(c["cx"]!)!
            let y = Double(c["cy"]!)!
            let panel = x < w ? 0.0 : w
            XCTAssertTrue(x >= panel + 70 - 0.05 && x <= panel + w - 20 + 0.05, "cx \(x)")
            XCTAssertTrue(y >= 34 + 44 - 0.05 && y <= 34 + RegressionPlotSVG.panelHeight - 50 + 0.05, "cy \(y)")
        }
        XCTAssertEqual((probe.elements["line"] ?? []).filter { $0["stroke-dasharray"] != nil }.count, 2, "y = x and y = 0")
    }

    func testRegressionPlotSamplesLargeSetsAndCapsTheTargets() {
        let n = 10_000
        let targets = (1...6).map { regressionTarget("t\($0)", rows: n, scale: Double($0)) }
        let svg = RegressionPlotSVG.render(targets: targets, title: "many")
        let (probe, ok, error) = SVGProbe.parse(svg)
        XCTAssertTrue(ok, error)
        let cap = RegressionPlotSVG.maxPoints
        let shown = RegressionPlotSVG.maxTargets
        XCTAssertEqual(probe.counts["circle"], 2 * cap * shown)
        XCTAssertEqual(
            probe.texts.filter { $0.hasSuffix(": predicted against actual") }, (1...shown).map { "t\($0): predicted against actual" })
        XCTAssertTrue(
            probe.texts.contains("points: \(cap) of \(n) rows, evenly spaced through the file; the first \(shown) of 6 targets"),
            "\(probe.texts.prefix(3))")
        XCTAssertLessThan(svg.utf8.count, 50 * 2 * cap * shown, "about 40 bytes a point")
        // The rows drawn: evenly spaced from the first, distinct, the same every time.
        let rows = RegressionPlotSVG.sample(count: n)
        XCTAssertEqual(rows.count, cap)
        XCTAssertEqual(rows.first, 0)
        XCTAssertEqual(Set(rows).count, cap)
        XCTAssertEqual(rows, rows.sorted())
        XCTAssertTrue(zip(rows, rows.dropFirst()).allSatisfy { $1 - $0 == n / cap }, "every fifth row")
        XCTAssertEqual(RegressionPlotSVG.sample(count: 7), Array(0..<7))
        XCTAssertEqual(svg, RegressionPlotSVG.render(targets: targets, title: "many"), "deterministic")
    }

    func testRegressionPlotSkipsValuesThatAreNotFinite() {
        var t = regressionTarget("y", rows: 20)
        t = RegressionPlotSVG.Target(
            name: "y", actual: t.actual, predicted: [.nan, .infinity] + t.predicted.dropFirst(2), rmse: .nan, r2: 0)
        let svg = RegressionPlotSVG.render(targets: [t], title: "t")
        let (probe, ok, error) = SVGProbe.parse(svg)
        XCTAssertTrue(ok, error)
        XCTAssertEqual(probe.counts["circle"], 2 * 18)
        XCTAssertFalse(svg.contains("nan") || svg.contains("inf"))
    }

    func testTrainingCurvesHaveTwoPanelsAxesAndLegend() {
        let history = (1...5).map { e in
            EpochRecord(
                epoch: e, trainLoss: 1 / Double(e), trainAccuracy: 0.8 + 0.03 * Double(e),
                validationLoss: 1.1 / Double(e), validationAccuracy: 0.78 + 0.03 * Double(e), testAccuracy: nil)
        }
        let svg = TrainingCurvesSVG.render(history: history)
        let (probe, ok, error) = SVGProbe.parse(svg)
        XCTAssertTrue(ok, error)
        XCTAssertEqual(probe.counts["polyline"], 4, "train and validation, loss and accuracy")
        XCTAssertEqual(probe.counts["circle"], 20, "a marker per point")
        for label in ["loss", "accuracy", "epoch", "train loss", "validation loss", "train accuracy", "validation accuracy"] {
            XCTAssertTrue(probe.texts.contains(label), label)
        }
        XCTAssertFalse(probe.texts.contains("test accuracy"), "no test series, no legend entry")
        for tick in ["1", "2", "3", "4", "5"] { XCTAssertTrue(probe.texts.contains(tick), "epoch tick \(tick)") }
    }

    func testCurvesSurviveNaNEmptyAndSingleEpochHistories() {
        let diverged = [
            EpochRecord(epoch: 1, trainLoss: 2, trainAccuracy: 0.5, testAccuracy: 0.5),
            EpochRecord(epoch: 2, trainLoss: .nan, trainAccuracy: 0.1, testAccuracy: 0.1),
            EpochRecord(epoch: 3, trainLoss: 1, trainAccuracy: 0.6, testAccuracy: 0.6),
        ]
        for (name, history) in [("diverged", diverged), ("empty", []), ("single", [diverged[0]])] {
            let svg = TrainingCurvesSVG.render(history: history, title: "run & <more>")
            let (_, ok, error) = SVGProbe.parse(svg)
            XCTAssertTrue(ok, "\(name): \(error)")
            XCTAssertFalse(svg.contains("nan") || svg.contains("inf"), name)
        }
        let (probe, _, _) = SVGProbe.parse(TrainingCurvesSVG.render(history: diverged))
        XCTAssertEqual(probe.counts["circle"], 8, "the NaN loss is left out, the line broken around it")
    }

    func testEscapingDropsCharactersXMLForbids() {
        XCTAssertEqual(SVGDocument.escape("a\u{1}b<'"), "ab&lt;&apos;")
    }

    func testAxisTicksAreNice() {
        let s = AxisScale(lo: 0.013, hi: 0.94)
        XCTAssertEqual(s.ticks.first, 0)
        XCTAssertEqual(s.ticks.last, 1)
        XCTAssertEqual(s.ticks.map(s.label), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let flat = AxisScale(lo: 3, hi: 3)
        XCTAssertLessThan(flat.lo, 3)
        XCTAssertGreaterThan(flat.hi, 3)
    }
}
