import Formats
// The HTML reports of `mlp search` and `mlp cv` (--report): one self-contained page holding every
// trial's or fold's row, naming no URL (no network, no external script, font or image), escaped,
// written through a symbolic link as every output is; and, where Chromium is installed, a page that
// a headless browser renders without a console error, its sort script having run.
import Foundation
import XCTest

@testable import MLPCLI

final class ExperimentReportTests: XCTestCase {
    let wine = Package.path("data/tabular/wine.csv.gz")
    let iris = Package.path("data/tabular/iris.csv.gz")

    func search(_ dir: String, report: String) throws -> Run {
        try MLP.run([
            "search", "--data", wine, "--test-split", "0.2", "--validation-split", "0.25", "--lr", "3e-4..3e-2:log", "--hidden",
            "16|32,16", "--dropout", "0|0.2", "--trials", "6", "--min-epochs", "1", "--epochs", "4", "--eta", "2", "--batch-size", "32",
            "--objective", "val_accuracy", "--out-dir", dir, "--quiet", "--report", report,
        ])
    }

    /// The (trial, rung) of every leaderboard row.
    func leaderboard(_ dir: String) throws -> [(trial: Int, rung: Int)] {
        try String(contentsOfFile: dir + "/leaderboard.jsonl", encoding: .utf8).split(separator: "\n").map {
            let v = try JSONValue.parse(Array($0.utf8))
            guard case .number(let t)? = v["trial"], case .number(let r)? = v["rung"] else { throw CocoaError(.fileReadCorruptFile) }
            return (Int(t), Int(r))
        }
    }

    /// What makes a page depend on something outside it.
    func assertSelfContained(_ html: String, file: StaticString = #filePath, line: UInt = #line) {
        for outside in ["http", "src=", "@import", "url(", "<link", "//fonts"] {
            XCTAssertFalse(html.contains(outside), "the page names something outside it: \(outside)", file: file, line: line)
        }
    }

    func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    func testTheSearchReportHoldsEveryTrialAndRungAndNothingFromOutside() throws {
        let dir = try TempDir()
        let r = try search(dir.file("s"), report: dir.file("report.html"))
        XCTAssertEqual(r.status, 0, r.stderr)
        let html = try String(contentsOfFile: dir.file("report.html"), encoding: .utf8)
        let rows = try leaderboard(dir.file("s"))
        XCTAssertGreaterThan(rows.count, 6, "some trials were promoted")
        XCTAssertEqual(count("<tr class=\"row", in: html), rows.count)
        for (t, k) in rows { XCTAssertEqual(count("data-trial=\"\(t)\" data-rung=\"\(k)\"", in: html), 1, "trial \(t) rung \(k)") }
        XCTAssertEqual(count("<tr class=\"row best\"", in: html), 1, "the best row is marked")
        assertSelfContained(html)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertEqual(count("<script>", in: html), 1)
        // The objective against each of the three dimensions, and the learning curves.
        XCTAssertEqual(count("<svg ", in: html), 4)
        for heading in ["val_accuracy against lr", "val_accuracy against hidden", "val_accuracy against dropout", "Learning curves"] {
            XCTAssertTrue(html.contains(heading), heading)
        }
        XCTAssertTrue(html.contains("<polyline"), "the best trials' curves are drawn")
        XCTAssertTrue(html.contains("&quot;lr&quot;: "), "the best configuration is in the page")
    }

    func testTheCrossValidationReportHoldsEveryFoldAndIsWrittenThroughALink() throws {
        let dir = try TempDir()
        // A symbolic link at the path: the page goes where it leads, the link stays.
        try FileManager.default.createSymbolicLink(atPath: dir.file("link.html"), withDestinationPath: dir.file("page.html"))
        let r = try MLP.run([
            "cv", "--data", iris, "--target", "species", "--hidden", "8", "--epochs", "6", "--batch-size", "16", "--folds", "5",
            "--repeats", "2", "--validation-split", "0.2", "--quiet", "--report", dir.file("link.html"),
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(
            try FileManager.default.attributesOfItem(atPath: dir.file("link.html"))[.type] as? FileAttributeType, .typeSymbolicLink)
        let html = try String(contentsOfFile: dir.file("page.html"), encoding: .utf8)
        XCTAssertEqual(count("<tr class=\"row", in: html), 10)
        for repeatIndex in 1...2 {
            for fold in 1...5 { XCTAssertEqual(count("data-repeat=\"\(repeatIndex)\" data-fold=\"\(fold)\"", in: html), 1) }
        }
        assertSelfContained(html)
        // The means and deviations under the table, the spread and the curves (training and validation loss).
        XCTAssertTrue(html.contains("<tfoot>") && html.contains("<td>mean</td>") && html.contains("<td>± std</td>"), html)
        XCTAssertTrue(html.contains("The folds&apos; spread") && html.contains("macro_f1"))
        XCTAssertTrue(html.contains("repeat 2, fold 5: validation loss"))
        XCTAssertEqual(count("<svg ", in: html), 2)
        // A directory is refused before any work.
        let bad = try MLP.run(["cv", "--data", iris, "--target", "species", "--epochs", "1", "--report", dir.path])
        XCTAssertEqual(bad.status, 1, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("is a directory; --report needs a file name"), bad.stderr)
    }

    func testThePageEscapesWhatItShowsAndSortsOnlyTheBody() {
        let page = ExperimentReportHTML(
            title: "a <b> & \"c\"", facts: [("data", "</script><script>x()</script>")],
            table: .init(
                caption: "rows", headers: ["#", "name"],
                rows: [
                    .init(cells: [.number(1), .init("<img>")], attributes: [("data-trial", "0")], highlighted: true),
                    .init(cells: [.number(2), .figure(.nan)], attributes: [("data-trial", "1")], highlighted: false),
                ], footer: [[.init("mean"), .figure(0.5)]]),
            sections: [.init(heading: "plot", note: nil, charts: [SVGDocument(width: 10, height: 10).rendered])])
        let html = page.rendered
        XCTAssertTrue(html.contains("<title>a &lt;b&gt; &amp; &quot;c&quot;</title>"))
        XCTAssertTrue(html.contains("&lt;/script&gt;&lt;script&gt;x()&lt;/script&gt;"))
        XCTAssertTrue(html.contains("<td>&lt;img&gt;</td>"))
        XCTAssertEqual(count("<script>", in: html), 1)
        XCTAssertEqual(count("</script>", in: html), 1)
        XCTAssertTrue(html.contains("<td data-value=\"\"></td>"), "NaN is an empty cell that sorts last")
        XCTAssertTrue(html.contains("<tr class=\"row best\" data-trial=\"0\">"))
        XCTAssertTrue(html.contains("<tfoot>\n<tr><td>mean</td><td data-value=\"0.5\">0.5000</td></tr>"))
        XCTAssertFalse(html.contains("<?xml"), "the SVG is inline")
        assertSelfContained(html)
    }

    func testTheSearchReportRendersInHeadlessChromiumWithoutAConsoleError() throws {
        let which = try ProcessRunner.shell("command -v chromium || command -v chromium-browser")
        let browser = which.stdout.split(separator: "\n").first.map(String.init) ?? ""
        if which.status != 0 || browser.isEmpty {
            throw XCTSkip("chromium is not installed (apt-get install chromium): the report's rendering is not checked")
        }
        // Kept after the test: the page and its screenshot, for a person to look at.
        let keep = NSTemporaryDirectory() + "mlp-experiment-report"
        try? FileManager.default.removeItem(atPath: keep)
        try FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
        let dir = try TempDir()
        let r = try search(dir.file("s"), report: keep + "/report.html")
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try leaderboard(dir.file("s"))
        let profile = dir.file("profile")
        let common = [
            "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile,
            "--enable-logging=stderr", "--v=0",
        ]
        let page = "file://" + keep + "/report.html"
        let dom = try ProcessRunner.run(browser, common + ["--dump-dom", page])
        XCTAssertEqual(dom.status, 0, dom.stderr)
        for line in dom.stderr.split(separator: "\n") where line.contains("CONSOLE") || line.contains("Uncaught") {
            XCTFail("the page wrote to the console: \(line)")
        }
        // The sort script ran (it marks the table), and every row is in the DOM it left.
        XCTAssertTrue(dom.stdout.contains("data-sorted=\"# ascending\""), "the sort script did not run")
        XCTAssertTrue(dom.stdout.contains("aria-sort=\"ascending\""))
        for (t, k) in rows { XCTAssertTrue(dom.stdout.contains("data-trial=\"\(t)\" data-rung=\"\(k)\""), "trial \(t) rung \(k)") }
        let shot = try ProcessRunner.run(
            browser, common + ["--hide-scrollbars", "--window-size=1400,2400", "--screenshot=" + keep + "/report.png", page])
        XCTAssertEqual(shot.status, 0, shot.stderr)
        let png = try Data(contentsOf: URL(fileURLWithPath: keep + "/report.png"))
        XCTAssertGreaterThan(png.count, 10_000, "a screenshot with something drawn")
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        print("the report and its screenshot: \(keep)/report.html, \(keep)/report.png")
    }
}
