// What `mlp search` and `mlp cv` show while they run: on a terminal a status line redrawn in place
// (done, running, the best so far, elapsed and time left) under one line per finished rung or
// fold; in a pipe, those lines alone, plain.
import Foundation
import XCTest

final class ExperimentProgressTests: XCTestCase {
    let wine = Package.path("data/tabular/wine.csv.gz")

    func search(_ dir: TempDir, out: String = "s") -> [String] {
        [
            "search", "--data", wine, "--validation-split", "0.25", "--lr", "3e-4..3e-2:log", "--hidden", "16|32", "--trials", "6",
            "--min-epochs", "1", "--epochs", "3", "--objective", "val_accuracy", "--out-dir", dir.file(out),
        ]
    }

    func testOnATerminalTheStatusLineIsRedrawnInPlaceAndFits() throws {
        let dir = try TempDir()
        let r = try Terminal.run(search(dir), columns: 120)
        XCTAssertEqual(r.status, 0, r.screen)
        let status = r.redraws.map(\.text).filter { $0.contains("trials done") }
        XCTAssertFalse(status.isEmpty, r.screen.debugDescription)
        for s in status {
            XCTAssertLessThan(s.count, 120, s)
            XCTAssertTrue(s.contains(" running") && s.contains(" elapsed"), s)
        }
        XCTAssertTrue(status.contains { $0.contains("best val_accuracy ") }, "the best so far: \(status)")
        XCTAssertTrue(status.contains { $0.contains(" left") }, "the time left: \(status)")
        // No status line is left behind: each line ends as a finished line, a report line or empty.
        let shown = r.screen.components(separatedBy: "\r\n").map {
            $0.components(separatedBy: "\r").last!.replacingOccurrences(of: "\u{1B}[2K", with: "")
        }
        XCTAssertEqual(shown.filter { $0.contains("trials done") }, [])
        XCTAssertTrue(shown.contains { $0.hasPrefix("mlp: trial 0 ") && $0.contains("rung 0: val_accuracy ") }, r.screen)
    }

    func testInAPipeTheLinesArePlain() throws {
        let dir = try TempDir()
        let r = try MLP.run(search(dir))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stderr.contains("\r") || r.stderr.contains("\u{1B}"), r.stderr)
        XCTAssertTrue(r.stderr.contains("mlp: trial 5 "), r.stderr)
        XCTAssertFalse(r.stderr.contains("trials done"))
        let silent = try MLP.run(search(dir, out: "quiet") + ["--silent"])
        XCTAssertEqual(silent.stderr, "")
    }
}
