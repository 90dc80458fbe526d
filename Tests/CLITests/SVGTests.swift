// The SVG the project writes: well-formed XML (checked by Foundation's parser), with the elements
// each plot promises, and text escaped.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import MLPCLI
import XCTest

/// Counts elements and collects text while parsing; records the first parse error.
final class SVGProbe: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    var texts: [String] = []
    var root: String?
    private var current = ""

    static func parse(_ svg: String) -> (probe: SVGProbe, ok: Bool, error: String) {
        let parser = XMLParser(data: Data(svg.utf8))
        let probe = SVGProbe()
        parser.delegate = probe
        let ok = parser.parse()
        return (probe, ok, parser.parserError.map { "\($0)" } ?? "")
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if root == nil { root = name }
        counts[name, default: 0] += 1
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(current) }
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

    func testTrainingCurvesHaveTwoPanelsAxesAndLegend() {
        let history = (1...5).map { e in
            EpochRecord(epoch: e, trainLoss: 1 / Double(e), trainAccuracy: 0.8 + 0.03 * Double(e),
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
        let diverged = [EpochRecord(epoch: 1, trainLoss: 2, trainAccuracy: 0.5, testAccuracy: 0.5),
                        EpochRecord(epoch: 2, trainLoss: .nan, trainAccuracy: 0.1, testAccuracy: 0.1),
                        EpochRecord(epoch: 3, trainLoss: 1, trainAccuracy: 0.6, testAccuracy: 0.6)]
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
