// The splits train makes, end to end (through --save-split): a classification table's test and
// validation splits keep every class on both sides at its share, a regression's and the images' are
// the plain seeded shuffle they always were.
import Foundation
import Model
import XCTest

final class StratifiedSplitCLITests: XCTestCase {
    /// 200 rows: class a 150, b 40, c 7, d 3 (interleaved), a number that tells them apart.
    func table(_ dir: TempDir) throws -> (path: String, labels: [String]) {
        var labels: [String] = []
        for (name, n) in [("a", 150), ("b", 40), ("c", 7), ("d", 3)] { labels += [String](repeating: name, count: n) }
        var rng = SeededGenerator(seed: 3)
        labels.shuffle(using: &rng)
        var text = "x,label\n"
        for l in labels { text += "\(Double(["a", "b", "c", "d"].firstIndex(of: l)!) + Double.random(in: 0..<0.5, using: &rng)),\(l)\n" }
        try dir.write("t.csv", Array(text.utf8))
        return (dir.file("t.csv"), labels)
    }

    func indices(_ path: String) throws -> [Int] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { Int($0)! }
    }

    func testATablesSplitsKeepEachClassShare() throws {
        let dir = try TempDir()
        let (data, labels) = try table(dir)
        let split = dir.file("split")
        let r = try MLP.run([
            "train", "--data", data, "--test-split", "0.2", "--validation-split", "0.25", "--epochs", "1", "--save-split", split,
            "--quiet", "--out", dir.file("m.safetensors"),
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let test = try indices(split + "/test-indices.txt")
        let validation = try indices(split + "/validation-indices.txt")
        XCTAssertEqual(test.count, 40)
        XCTAssertEqual(validation.count, 40, "a quarter of the 160 training rows")
        XCTAssertTrue(Set(test).isDisjoint(with: validation))
        let sizes = ["a": 150, "b": 40, "c": 7, "d": 3]
        func count(_ rows: [Int]) -> [String: Int] { Dictionary(grouping: rows) { labels[$0] }.mapValues(\.count) }
        let inTest = count(test)
        for (c, n) in sizes {
            let held = inTest[c] ?? 0
            XCTAssertGreaterThanOrEqual(held, 1, "class \(c) in the test rows")
            XCTAssertLessThanOrEqual(held, n - 1, "class \(c) in the training rows")
            XCTAssertLessThanOrEqual(abs(Double(held) - Double(n) * 0.2), 1, "class \(c): \(held) of \(n)")
        }
        let inValidation = count(validation)
        let training = sizes.mapValues { $0 }.merging(inTest) { $0 - $1 }
        for (c, n) in training {
            let held = inValidation[c] ?? 0
            XCTAssertGreaterThanOrEqual(held, 1, "class \(c) in the validation rows")
            XCTAssertLessThanOrEqual(held, n - 1, "class \(c) left for training")
            XCTAssertLessThanOrEqual(abs(Double(held) - Double(n) * 0.25), 1, "class \(c): \(held) of \(n)")
        }
        // The held-out rows are the file's rows of those classes.
        let text = try String(contentsOfFile: split + "/test.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(text.count, 41)
        XCTAssertEqual(text.dropFirst().map { String($0.split(separator: ",")[1]) }, test.map { labels[$0] })
    }

    func testImagesKeepThePlainSeededSplit() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 256)
        for seed in [1, 7] {
            let split = dir.file("split\(seed)")
            let r = try MLP.run([
                "train", "--data", dir.path, "--validation-split", "0.25", "--seed", "\(seed)", "--epochs", "1", "--save-split", split,
                "--quiet", "--out", dir.file("m.safetensors"),
            ])
            XCTAssertEqual(r.status, 0, r.stderr)
            let held = try XCTUnwrap(SeededSplit.split(count: 256, fraction: 0.25, seed: UInt64(seed), purpose: .validation)).held
            XCTAssertEqual(try indices(split + "/validation-indices.txt"), held.map { Int($0) }.sorted())
        }
    }
}
