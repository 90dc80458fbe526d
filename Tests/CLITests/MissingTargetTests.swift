// Rows whose target is missing, end to end: train and evaluate leave them out with one line naming
// the file and how many, the figures count only the rows with a target, and --missing-target error
// keeps the refusal (exit code 1, naming the first such row's line and column).
import Foundation
import XCTest

final class MissingTargetTests: XCTestCase {
    /// 200 rows whose label is a > b; rows 3, 50, 77 and 150 have an empty label, row 120 NA.
    func table(_ dir: TempDir, _ name: String = "t.csv", regression: Bool = false) throws -> String {
        var rng = SeededGenerator(seed: 5)
        var text = "a,b,label\n"
        for i in 0..<200 {
            let a = Double.random(in: -1...1, using: &rng)
            let b = Double.random(in: -1...1, using: &rng)
            let label = [3, 50, 77, 150].contains(i) ? "" : i == 120 ? "NA" : regression ? "\(a - 2 * b)" : a > b ? "p" : "q"
            text += "\(a),\(b),\(label)\n"
        }
        try dir.write(name, Array(text.utf8))
        return dir.file(name)
    }

    func lines(_ s: String) -> [Substring] { s.split(separator: "\n") }

    func testTrainLeavesOutRowsWithoutATargetInOneLine() throws {
        let dir = try TempDir()
        let data = try table(dir)
        let r = try MLP.run(["train", "--data", data, "--epochs", "3", "--json", "--quiet", "--out", dir.file("m.safetensors")])
        XCTAssertEqual(r.status, 0, r.stderr)
        let notes = lines(r.stderr).filter { !$0.hasPrefix("epoch ") }
        XCTAssertEqual(
            notes.map(String.init),
            [
                "mlp: note: \(data): left out 5 of 200 rows, which have no target 'label' (lines 5, 52, 79, …); --missing-target error refuses them"
            ])
        // The banner counts the rows trained on.
        let loud = try MLP.run(["train", "--data", data, "--epochs", "1", "--out", dir.file("m2.safetensors")])
        XCTAssertTrue(loud.stderr.contains("\(data): 195 training rows"), loud.stderr)
        XCTAssertEqual(lines(loud.stderr).filter { $0.contains("left out") }.count, 1, loud.stderr)

        // A test split is drawn from the rows with a target.
        let split = try MLP.run([
            "train", "--data", data, "--epochs", "1", "--test-split", "0.2", "--out", dir.file("m3.safetensors"),
        ])
        XCTAssertEqual(split.status, 0, split.stderr)
        XCTAssertTrue(split.stderr.contains("\(data): 156 training rows, test 39 rows held out (--test-split)"), split.stderr)
    }

    func testMissingTargetErrorRefuses() throws {
        let dir = try TempDir()
        let data = try table(dir)
        let r = try MLP.run([
            "train", "--data", data, "--epochs", "3", "--missing-target", "error", "--out", dir.file("m.safetensors"),
        ])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderr, "error: \(data): line 5, column 'label' (3): the target is missing; every training row needs one\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("m.safetensors")))
        let bad = try MLP.run(["train", "--data", data, "--missing-target", "drop", "--out", dir.file("m.safetensors")])
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--missing-target"), bad.stderr)
    }

    func testATestFileAndARegressionLeaveThemOutToo() throws {
        let dir = try TempDir()
        let train = try table(dir, "train.csv", regression: true)
        let test = try table(dir, "test.csv", regression: true)
        let r = try MLP.run([
            "train", "--data", train, "--test-data", test, "--epochs", "2", "--json", "--quiet", "--out", dir.file("m.safetensors"),
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let notes = lines(r.stderr).filter { $0.contains("left out") }
        XCTAssertEqual(notes.count, 2, r.stderr)
        XCTAssertTrue(notes.contains { $0.contains("\(train): left out 5 of 200 rows") }, r.stderr)
        XCTAssertTrue(notes.contains { $0.contains("\(test): left out 5 of 200 rows") }, r.stderr)
    }

    func testEvaluateLeavesThemOutOrRefuses() throws {
        let dir = try TempDir()
        let data = try table(dir)
        let model = dir.file("m.safetensors")
        let t = try MLP.run(["train", "--data", data, "--epochs", "3", "--quiet", "--out", model])
        XCTAssertEqual(t.status, 0, t.stderr)

        let e = try MLP.run(["evaluate", "--model", model, "--data", data, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertEqual(
            lines(e.stderr).map(String.init),
            [
                "mlp: note: \(data): left out 5 of 200 rows, which have no target 'label' (lines 5, 52, 79, …); --missing-target error refuses them"
            ])
        XCTAssertTrue(e.stdout.contains("\"samples\":195") || e.stdout.contains("\"samples\": 195"), e.stdout)

        // --misclassified names the file's rows, though some were left out before them.
        let wrong = try MLP.run(["evaluate", "--model", model, "--data", data, "--misclassified", "50"])
        XCTAssertEqual(wrong.status, 0, wrong.stderr)
        let rows = try String(contentsOfFile: data, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).last.map(String.init) ?? "" }
        let listed = lines(wrong.stdout).drop { !$0.hasPrefix("index ") }.dropFirst(2).map { $0.split(separator: " ") }
        XCTAssertFalse(listed.isEmpty, wrong.stdout)
        for fields in listed {
            let index = try XCTUnwrap(Int(fields[0]), wrong.stdout)
            XCTAssertEqual(rows[index], String(fields[1]), "row \(index) of the file holds the listed true class: \(wrong.stdout)")
        }

        let refused = try MLP.run(["evaluate", "--model", model, "--data", data, "--missing-target", "error"])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertEqual(refused.stderr, "error: \(data): line 5, column 'label' (3): the target is missing\n")
        let bad = try MLP.run(["evaluate", "--model", model, "--data", data, "--missing-target", "maybe"])
        XCTAssertEqual(bad.status, 2, bad.stderr)
    }
}
