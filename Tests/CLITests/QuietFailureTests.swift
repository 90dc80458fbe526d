// Runs that fail quietly say so, end to end: a learning rate that blows the loss up without NaN, a
// classifier whose accuracy stays at chance, and IDX labels that leave most classes empty each give
// one warning line on stderr (also with --quiet and --silent, and in --json's "warnings"), and
// training still exits 0; a run that learns gives none.
import Formats
import Foundation
import XCTest

final class QuietFailureTests: XCTestCase {
    func json(_ text: String) throws -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    func warnings(_ r: Run) -> [Substring] { r.stderr.split(separator: "\n").filter { $0.hasPrefix("mlp: warning:") } }

    /// 400 rows whose label is decided by x + y (`informative`), or drawn independently of x and y
    /// (one in five "rare").
    func table(_ dir: TempDir, informative: Bool) throws -> String {
        var rng = SeededGenerator(seed: 12)
        var text = "x,y,label\n"
        for _ in 0..<400 {
            let x = Double.random(in: -1...1, using: &rng)
            let y = Double.random(in: -1...1, using: &rng)
            let label = informative ? (x + y > 0 ? "rare" : "common") : Double.random(in: 0..<1, using: &rng) < 0.2 ? "rare" : "common"
            text += "\(x),\(y),\(label)\n"
        }
        let name = informative ? "good.csv" : "noise.csv"
        try dir.write(name, Array(text.utf8))
        return dir.file(name)
    }

    func testALossThatRunsAwayIsOneWarningAndExitZero() throws {
        let dir = try TempDir()
        let data = try table(dir, informative: true)
        let r = try MLP.run([
            "train", "--data", data, "--epochs", "5", "--lr", "1e6", "--threads", "1", "--quiet", "--json", "--out",
            dir.file("m.safetensors"),
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let all = warnings(r)
        XCTAssertEqual(all.count, 1, r.stderr)
        let w = [try XCTUnwrap(all.first, r.stderr)]
        XCTAssertTrue(w[0].hasPrefix("mlp: warning: the training loss ended at "), String(w[0]))
        XCTAssertTrue(
            w[0].hasSuffix(
                "training blew up without reaching NaN, most likely from a learning rate too high (it is 1000000.0); try a lower --lr"),
            String(w[0]))
        guard case .array(let listed)? = try json(r.stdout)["warnings"] else { return XCTFail(r.stdout) }
        XCTAssertEqual(listed, [.string(String(w[0].dropFirst("mlp: warning: ".count)))])
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("m.safetensors")), "the model is written")
        // --silent keeps it.
        let silent = try MLP.run([
            "train", "--data", data, "--epochs", "5", "--lr", "1e6", "--threads", "1", "--silent", "--out", dir.file("m.safetensors"),
        ])
        XCTAssertEqual(silent.status, 0, silent.stderr)
        XCTAssertEqual(warnings(silent).count, 1, silent.stderr)
    }

    func testAccuracyAtChanceIsOneWarning() throws {
        let dir = try TempDir()
        let data = try table(dir, informative: false)
        let r = try MLP.run([
            "train", "--data", data, "--epochs", "5", "--test-split", "0.25", "--threads", "1", "--out", dir.file("m.safetensors"),
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let all = warnings(r)
        XCTAssertEqual(all.count, 1, r.stderr)
        let w = [try XCTUnwrap(all.first, r.stderr)]
        XCTAssertTrue(w[0].hasPrefix("mlp: warning: test accuracy "), String(w[0]))
        XCTAssertTrue(
            w[0].contains(
                " stayed at chance over 5 epochs, no better than always answering the most frequent class ("), String(w[0]))
        XCTAssertTrue(
            w[0].hasSuffix(
                " of the training set): the learning rate may be too high (it is 0.002; try a lower --lr), or the features may not predict the labels"
            ), String(w[0]))
    }

    func testARunThatLearnsHasNoWarning() throws {
        let dir = try TempDir()
        let data = try table(dir, informative: true)
        let r = try MLP.run([
            "train", "--data", data, "--epochs", "5", "--test-split", "0.25", "--threads", "1", "--json", "--out",
            dir.file("m.safetensors"),
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(warnings(r), [], r.stderr)
        XCTAssertNil(try json(r.stdout)["warnings"])
    }

    func testALabelOf200AmongTenClassesIsOneWarning() throws {
        let dir = try TempDir()
        // 4×4 images of ten classes (0–9), one of whose labels is 200.
        var rng = SeededGenerator(seed: 2)
        var images: [UInt8] = []
        var labels: [UInt8] = []
        for i in 0..<200 {
            for _ in 0..<16 { images.append(UInt8(rng.next(256))) }
            labels.append(i == 57 ? 200 : UInt8(i % 10))
        }
        try Synthetic.writeMNISTLike(dir: dir, images: images, labels: labels, rows: 4, cols: 4)
        let r = try MLP.run([
            "train", "--train-images", dir.file("train-images-idx3-ubyte.gz"), "--train-labels", dir.file("train-labels-idx1-ubyte"),
            "--epochs", "1", "--threads", "1", "--quiet", "--out", dir.file("m.safetensors"),
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let all = warnings(r)
        XCTAssertEqual(all.count, 1, r.stderr)
        let w = [try XCTUnwrap(all.first, r.stderr)]
        XCTAssertEqual(
            String(w[0]),
            "mlp: warning: \(dir.file("train-labels-idx1-ubyte")): the labels run up to 200, so the network has 201 outputs, but only 11 of those classes have examples (label 200 on 1 of 200); is a label wrong?"
        )
        // Labels 0–9 with one class empty: no warning.
        labels[57] = 7
        for i in labels.indices where labels[i] == 3 { labels[i] = 4 }
        try Synthetic.writeMNISTLike(dir: dir, images: images, labels: labels, rows: 4, cols: 4)
        let fine = try MLP.run([
            "train", "--train-images", dir.file("train-images-idx3-ubyte.gz"), "--train-labels", dir.file("train-labels-idx1-ubyte"),
            "--epochs", "1", "--threads", "1", "--quiet", "--out", dir.file("m.safetensors"),
        ])
        XCTAssertEqual(fine.status, 0, fine.stderr)
        XCTAssertFalse(fine.stderr.contains("labels run up to"), fine.stderr)
    }
}
