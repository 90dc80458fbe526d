// Choosing the columns a table model reads, end to end: --ignore and --features, a model that
// remembers its columns (evaluate and predict read files with more or fewer of the others), the
// one-line refusal of an ID-like text column and --categorical to encode it anyway, and conflicting
// column flags as usage errors (exit code 2).
import Foundation
import XCTest

final class ColumnSelectionTests: XCTestCase {
    /// 400 rows: a unique ID, two numbers whose sum decides the label, a colour (noise), the label.
    func table(_ dir: TempDir) throws -> String {
        var rng = SeededGenerator(seed: 11)
        var text = "id,x,y,colour,label\n"
        for i in 0..<400 {
            let x = Double.random(in: -1...1, using: &rng)
            let y = Double.random(in: -1...1, using: &rng)
            let id = "user-" + String(repeating: "0", count: 4 - "\(i)".count) + "\(i)"
            text += "\(id),\(x),\(y),\(["red", "green", "blue"][rng.next(3)]),\(x + y > 0 ? "yes" : "no")\n"
        }
        try dir.write("t.csv", Array(text.utf8))
        return dir.file("t.csv")
    }

    /// `path`'s rows with their fields at `keep` (in that order) and, when given, one more column.
    func rewrite(_ path: String, to out: String, keep: [Int], extra: String? = nil) throws {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        var text = ""
        for (i, line) in lines.enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            var row = keep.map { fields[$0] }
            if let extra { row.append(i == 0 ? extra : "note \(i)") }
            text += row.joined(separator: ",") + "\n"
        }
        try text.write(toFile: out, atomically: true, encoding: .utf8)
    }

    func lines(_ s: String) -> [Substring] { s.split(separator: "\n") }

    func testAnIDColumnIsRefusedInOneLineNamingItsCountAndIgnore() throws {
        let dir = try TempDir()
        let data = try table(dir)
        let r = try MLP.run(["train", "--data", data, "--target", "label", "--epochs", "2", "--out", dir.file("m.safetensors")])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(
            r.stderr,
            "error: \(data): column 'id' holds 400 distinct values in 400 training rows, too many for one-hot encoding to generalize (an ID or a name?); leave it out with --ignore id, or encode it anyway with --categorical id\n"
        )
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("m.safetensors")))
        // With a test split the count is the training rows'.
        let split = try MLP.run(["train", "--data", data, "--target", "label", "--test-split", "0.25", "--out", dir.file("m.safetensors")])
        XCTAssertEqual(split.status, 1, split.stderr)
        XCTAssertTrue(split.stderr.contains("column 'id' holds 300 distinct values in 300 training rows"), split.stderr)
        // The rule is in --help.
        let help = try MLP.run(["train", "--help"])
        XCTAssertTrue(help.stdout.contains("at least 20 distinct values that number more than half of its training rows"), help.stdout)
    }

    func testCategoricalEncodesAnIDColumnAnyway() throws {
        let dir = try TempDir()
        let data = try table(dir)
        let r = try MLP.run([
            "train", "--data", data, "--target", "label", "--categorical", "id", "--epochs", "2", "--out", dir.file("m.safetensors"),
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        // 400 one-hot inputs for the IDs, 2 numbers, 3 colours.
        XCTAssertTrue(r.stderr.contains("4 feature columns (2 numeric, 2 categorical) → 405 inputs"), r.stderr)
    }

    func testIgnoreAndFeaturesMakeTheSameModelThatRemembersItsColumns() throws {
        let dir = try TempDir()
        let data = try table(dir)
        let common = ["--target", "label", "--epochs", "30", "--threads", "1", "--json", "--quiet"]
        let ignored = try MLP.run(["train", "--data", data, "--ignore", "id,colour", "--out", dir.file("i.safetensors")] + common)
        XCTAssertEqual(ignored.status, 0, ignored.stderr)
        let listed = try MLP.run(["train", "--data", data, "--features", "x,y", "--out", dir.file("f.safetensors")] + common)
        XCTAssertEqual(listed.status, 0, listed.stderr)
        let viaIgnore = try MLP.run(["predict", "--model", dir.file("i.safetensors"), "--input", data])
        let viaFeatures = try MLP.run(["predict", "--model", dir.file("f.safetensors"), "--input", data])
        XCTAssertEqual(viaIgnore.status, 0, viaIgnore.stderr)
        XCTAssertEqual(viaIgnore.stdout, viaFeatures.stdout, "--ignore id,colour and --features x,y choose the same two columns")
        let summary = try MLP.run(["summary", dir.file("i.safetensors")])
        XCTAssertEqual(summary.status, 0, summary.stderr)
        XCTAssertFalse(summary.stdout.contains("colour"), summary.stdout)
        XCTAssertFalse(summary.stdout.contains("user-"), summary.stdout)

        // evaluate: the same figures on the file, on a file with one more column and on one without
        // the ignored columns; each unread column named once.
        let model = dir.file("i.safetensors")
        let extra = dir.file("extra.csv")
        let fewer = dir.file("fewer.csv")
        let noLabel = dir.file("nolabel.csv")
        try rewrite(data, to: extra, keep: [0, 1, 2, 3, 4], extra: "note")
        try rewrite(data, to: fewer, keep: [4, 2, 1])
        try rewrite(data, to: noLabel, keep: [2, 1])
        var accuracies: [String] = []
        for file in [data, extra, fewer] {
            let e = try MLP.run(["evaluate", "--model", model, "--data", file])
            XCTAssertEqual(e.status, 0, e.stderr)
            accuracies.append(String(lines(e.stdout).first ?? ""))
            let notes = lines(e.stderr).filter { $0.contains("which the model does not read") }
            XCTAssertEqual(notes.count, file == fewer ? 0 : 1, e.stderr)
        }
        XCTAssertEqual(Set(accuracies).count, 1, "\(accuracies)")
        XCTAssertTrue(accuracies[0].hasPrefix("accuracy "), accuracies[0])
        let e = try MLP.run(["evaluate", "--model", model, "--data", extra])
        XCTAssertTrue(e.stderr.contains("ignoring 3 columns 'id', 'colour', 'note', which the model does not read"), e.stderr)

        // predict: the same labels from the full file and from one with only the model's columns.
        let full = try MLP.run(["predict", "--model", model, "--input", data])
        let bare = try MLP.run(["predict", "--model", model, "--input", noLabel])
        XCTAssertEqual(full.status, 0, full.stderr)
        XCTAssertEqual(bare.status, 0, bare.stderr)
        XCTAssertEqual(full.stdout, bare.stdout)
        XCTAssertEqual(lines(full.stdout).count, 401, "a header and a line per row")

        // A file without one of the model's columns is an error naming it.
        try rewrite(data, to: dir.file("nox.csv"), keep: [2, 4])
        let missing = try MLP.run(["evaluate", "--model", model, "--data", dir.file("nox.csv")])
        XCTAssertEqual(missing.status, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("'x'"), missing.stderr)
    }

    func testConflictingColumnFlagsAreUsageErrors() throws {
        let dir = try TempDir()
        let data = try table(dir)
        let out = ["--out", dir.file("m.safetensors"), "--epochs", "1"]
        let cases: [([String], String)] = [
            (
                ["--target", "label", "--ignore", "label"],
                "error: --ignore and --target both name column 'label'; a column is a target, a feature or ignored"
            ),
            (["--ignore", "label"], "error: --ignore and --target both name column 'label'; a column is a target, a feature or ignored"),
            (
                ["--target", "label", "--features", "x,label"],
                "error: --features and --target both name column 'label'; a column is a target, a feature or ignored"
            ),
            (
                ["--target", "label", "--ignore", "id", "--features", "x"],
                "error: --ignore and --features both choose the columns to learn from; give one of them"
            ),
            (
                ["--target", "label", "--ignore", "id", "--categorical", "id"],
                "error: --categorical names column 'id', which --ignore leaves out"
            ),
            (
                ["--target", "label", "--features", "x,y", "--categorical", "colour"],
                "error: --categorical names column 'colour', which --features leaves out"
            ),
        ]
        for (flags, message) in cases {
            let r = try MLP.run(["train", "--data", data] + flags + out)
            XCTAssertEqual(r.status, 2, "\(flags): \(r.stderr)")
            let l = lines(r.stderr)
            XCTAssertEqual(l.first.map(String.init), message, "\(flags)")
            XCTAssertEqual(l.count, 2, "the error and the usage line: \(r.stderr)")
            XCTAssertTrue(l.last?.hasPrefix("usage: mlp train") ?? false, r.stderr)
        }
    }

    func testAnUnknownColumnNamesTheFlag() throws {
        let dir = try TempDir()
        let data = try table(dir)
        for (flag, value) in [("--ignore", "idd"), ("--features", "x,yy")] {
            let r = try MLP.run(["train", "--data", data, "--target", "label", flag, value, "--out", dir.file("m.safetensors")])
            XCTAssertEqual(r.status, 1, r.stderr)
            let wrong = flag == "--ignore" ? "idd" : "yy"
            let near = flag == "--ignore" ? "id" : "y"
            XCTAssertEqual(
                r.stderr,
                "error: \(data): has no column '\(wrong)' for \(flag) (its columns: id, x, y, colour, label); did you mean '\(near)'?\n")
        }
    }
}
