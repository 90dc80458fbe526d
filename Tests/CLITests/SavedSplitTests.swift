import Formats
// --save-split DIR writes the rows --test-split and --validation-split hold out, so that evaluating
// them later gives the figures train reported: the CSV rows exactly as in the training file, or the
// validation images as IDX files, with their indices.
import Foundation
import XCTest

final class SavedSplitTests: XCTestCase {
    func number(_ v: JSONValue, _ key: String, line: UInt = #line) -> Double {
        guard case .number(let x)? = v[key] else {
            XCTFail("no number \(key) in \(v.serialized())", line: line)
            return .nan
        }
        return x
    }

    func json(_ r: Run, line: UInt = #line) throws -> JSONValue {
        XCTAssertEqual(r.status, 0, r.stderr, line: line)
        return try JSONValue.parse(Array(r.stdout.utf8))
    }

    func text(_ path: String) -> String { String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }

    func indices(_ path: String) -> [Int] { text(path).split(separator: "\n").compactMap { Int($0) } }

    /// A classification table whose rows are awkward to find again: quoted fields with the delimiter
    /// and line breaks inside, CRLF line ends. Returns the header and each data row's exact text.
    func awkwardTable(rows count: Int) -> (header: String, rows: [String]) {
        var rng = SeededGenerator(seed: 5)
        func next() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        let colours = ["red", "\"blue, dark\"", "\"two\r\nlines\"", "green"]
        var rows: [String] = []
        for i in 0..<count {
            let x = next()
            let y = next()
            let c = i % colours.count
            let label = (x + y > 1) != (c == 2) ? "yes" : "no"
            rows.append("\(String(format: "%.4f", x)),\(String(format: "%.4f", y)),\(colours[c]),\(label)\r\n")
        }
        return ("x,y,colour,label\r\n", rows)
    }

    func testSavedCSVRowsEvaluateToTheFiguresTrainReported() throws {
        let dir = try TempDir()
        let (header, rows) = awkwardTable(rows: 240)
        try dir.write("data.csv", Array((header + rows.joined()).utf8))
        let model = dir.file("m.safetensors")
        let split = dir.file("split")
        let trained = try json(
            MLP.run([
                "train", "--data", dir.file("data.csv"), "--test-split", "0.25", "--validation-split", "0.2",
                "--epochs", "4", "--hidden", "16", "--seed", "3", "--threads", "1", "--json",
                "--out", model, "--save-split", split,
            ]))

        // The rows, byte for byte, in file order, with their indices.
        let test = indices(split + "/test-indices.txt")
        let validation = indices(split + "/validation-indices.txt")
        XCTAssertEqual(test.count, 60)
        XCTAssertEqual(validation.count, 36, "a fifth of the 180 training rows")
        XCTAssertEqual(test, test.sorted())
        XCTAssertEqual(validation, validation.sorted())
        XCTAssertTrue(Set(test).isDisjoint(with: validation))
        XCTAssertEqual(text(split + "/test.csv"), header + test.map { rows[$0] }.joined())
        XCTAssertEqual(text(split + "/validation.csv"), header + validation.map { rows[$0] }.joined())

        // Evaluated later: train's test figures exactly (the same rows in the same order), and its
        // validation figures (the same rows in file order rather than shuffled: the loss's sum may
        // differ in its last bits).
        let t = try json(MLP.run(["evaluate", "--model", model, "--data", split + "/test.csv", "--json"]))
        XCTAssertEqual(number(t, "accuracy"), number(trained, "test_accuracy"))
        XCTAssertEqual(number(t, "loss"), number(trained, "test_loss"))
        XCTAssertEqual(number(t, "samples"), 60)
        let v = try json(MLP.run(["evaluate", "--model", model, "--data", split + "/validation.csv", "--json"]))
        XCTAssertEqual(number(v, "accuracy"), number(trained, "val_accuracy"))
        XCTAssertEqual(number(v, "loss"), number(trained, "val_loss"), accuracy: 1e-5)
    }

    func testARegressionFromAGzipFile() throws {
        let dir = try TempDir()
        var csv = "a;b;target\n"
        var rng = SeededGenerator(seed: 9)
        func next() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        var rows: [String] = []
        for _ in 0..<150 {
            let a = next()
            let b = next()
            rows.append("\(String(format: "%.5f", a));\(String(format: "%.5f", b));\(String(format: "%.5f", 3 * a - b + 0.1 * next()))\n")
        }
        csv += rows.joined()
        try dir.write("data.csv.gz", Gzip.compress(Array(csv.utf8)))
        let model = dir.file("m.safetensors")
        let split = dir.file("split")
        let trained = try json(
            MLP.run([
                "train", "--data", dir.file("data.csv.gz"), "--delimiter", ";", "--test-split", "0.2",
                "--epochs", "5", "--hidden", "8", "--threads", "1", "--json", "--out", model, "--save-split", split,
            ]))
        let test = indices(split + "/test-indices.txt")
        XCTAssertEqual(
            text(split + "/test.csv"), "a;b;target\n" + test.map { rows[$0] }.joined(), "uncompressed, with the file's delimiter")
        XCTAssertFalse(FileManager.default.fileExists(atPath: split + "/validation.csv"), "no validation split, no validation file")
        let t = try json(MLP.run(["evaluate", "--model", model, "--data", split + "/test.csv", "--json"]))
        XCTAssertEqual(number(t, "r2"), number(trained, "test_r2"), accuracy: 1e-6)
        XCTAssertEqual(number(t, "rmse"), number(trained, "test_rmse"), accuracy: 1e-6 * max(1, number(t, "rmse")))
    }

    func testSavedValidationImagesEvaluateToTheFiguresTrainReported() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 200)
        let model = dir.file("m.safetensors")
        let split = dir.file("held-out")
        let trained = try json(
            MLP.run([
                "train", "--data", dir.path, "--validation-split", "0.3", "--epochs", "2", "--hidden", "8",
                "--threads", "1", "--json", "--out", model, "--save-split", split,
            ]))
        let held = indices(split + "/validation-indices.txt")
        XCTAssertEqual(held.count, 60)
        XCTAssertEqual(held, held.sorted())
        let images = try IDXReader.read(path: split + "/validation-images-idx3-ubyte")
        let all = try IDXReader.read(path: dir.file("t10k-images-idx3-ubyte"))  // the same images as the training file
        XCTAssertEqual(images.dims, [60, 4, 4])
        XCTAssertEqual(Array(images.data[0..<16]), Array(all.data[(held[0] * 16)..<(held[0] * 16 + 16)]))
        let v = try json(
            MLP.run([
                "evaluate", "--model", model, "--test-images", split + "/validation-images-idx3-ubyte",
                "--test-labels", split + "/validation-labels-idx1-ubyte", "--json",
            ]))
        XCTAssertEqual(number(v, "samples"), 60)
        XCTAssertEqual(number(v, "accuracy"), number(trained, "val_accuracy"))
        XCTAssertEqual(number(v, "loss"), number(trained, "val_loss"), accuracy: 1e-5)
    }

    func testSaveSplitIsCheckedBeforeTraining() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 32)
        let base = ["train", "--data", dir.path, "--epochs", "1", "--quiet", "--out", dir.file("m.safetensors")]
        func firstLine(_ r: Run) -> String? { r.stderr.split(separator: "\n").first.map(String.init) }

        let none = try MLP.run(base + ["--save-split", dir.file("s")])
        XCTAssertEqual(none.status, 2)
        XCTAssertEqual(
            firstLine(none), "error: --save-split writes the rows that --test-split and --validation-split hold out; give one of them")
        let dash = try MLP.run(base + ["--validation-split", "0.25", "--save-split", "-"])
        XCTAssertEqual(dash.status, 2)
        XCTAssertEqual(firstLine(dash), "error: --save-split needs a directory for the held-out rows")
        try dir.write("plain", [1])
        assertError(
            try MLP.run(base + ["--validation-split", "0.25", "--save-split", dir.file("plain")]), 1,
            "\(dir.file("plain")): is not a directory; --save-split needs one (it is made when missing)")
        assertError(
            try MLP.run(base + ["--validation-split", "0.25", "--save-split", dir.file("no/s")]), 1,
            "\(dir.file("no/s")): directory \(dir.file("no")) does not exist, so --save-split cannot make \(dir.file("no/s")) in it")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("m.safetensors")), "nothing trained")
    }
}
