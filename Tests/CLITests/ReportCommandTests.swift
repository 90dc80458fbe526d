// End to end: summary, inspect, and the reporting additions to evaluate and predict, run as a
// user runs them, on a model trained once on the tiny XOR clusters (1×2 images, 2 classes).
import CPNG
import Formats
import Foundation
import XCTest

final class ReportCommandTests: XCTestCase {
    /// One trained model for the whole suite: (directory with the data, model path).
    nonisolated(unsafe) static var shared: (dir: TempDir, model: String)?

    func fixture() throws -> (dir: TempDir, model: String) {
        if let s = Self.shared { return s }
        let dir = try TempDir()
        let d = Synthetic.xor(count: 64, seed: 3)
        try Synthetic.writeMNISTLike(dir: dir, images: d.images, labels: d.labels, rows: 1, cols: 2)
        let model = dir.file("xor.safetensors")
        let t = try MLP.run([
            "train", "--data", dir.path, "--layers", "16:relu,8:tanh,2", "--epochs", "40", "--batch-size", "8",
            "--lr", "0.1", "--seed", "5", "--threads", "1", "--out", model, "--quiet",
        ])
        XCTAssertEqual(t.status, 0, t.stderr)
        Self.shared = (dir, model)
        return (dir, model)
    }

    func assertOneLineError(_ r: Run, status: Int32, _ message: String, line: UInt = #line) {
        XCTAssertEqual(r.status, status, r.stderr, line: line)
        XCTAssertEqual(r.stdout, "", line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").first.map(String.init), "error: " + message, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, status == 2 ? 2 : 1, r.stderr, line: line)
    }

    func testSummary() throws {
        let (_, model) = try fixture()
        let r = try MLP.run(["summary", model])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        XCTAssertTrue(r.stdout.hasPrefix("model \(model): 2→16:relu,8:tanh,2, input 1×2, 2 classes, loss cross_entropy\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("0  Dense  (None, 16)        48        0  relu\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("1  Dense  (None, 8)        136        0  tanh\n"), r.stdout)
        XCTAssertTrue(r.stdout.hasSuffix("trainable parameters 202, non-trainable buffers 0, 808 bytes as float32\n"), r.stdout)
        XCTAssertEqual(try MLP.run(["summary", "--model", model]).stdout, r.stdout, "--model FILE is the same")
        let j = try MLP.run(["summary", model, "--json"])
        let v = try JSONValue.parse(Array(j.stdout.utf8))
        XCTAssertEqual(v["trainable_parameters"], 202)
        XCTAssertEqual(v["architecture"], "16:relu,8:tanh,2")

        assertOneLineError(try MLP.run(["summary"]), status: 2, "missing required flag --model")
        assertOneLineError(
            try MLP.run(["summary", model, "other"]), status: 2, "unexpected argument 'other' for 'mlp summary'; flags start with --")
        assertOneLineError(try MLP.run(["summary", "/nonexistent/m.safetensors"]), status: 1, "/nonexistent/m.safetensors: no such file")
    }

    func testInspect() throws {
        let (dir, model) = try fixture()
        let r = try MLP.run(["inspect", model, "--data", dir.path, "--samples", "32"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let out = r.stdout
        for expected in [
            "near zero means |w| < 0.001", "layers.0.weight  [16, 2]", "layers.2.bias", "▕",
            "units on the first 32 images of \(dir.path)/t10k-images-idx3-ubyte",
            "dead: a relu", "saturated: a sigmoid unit below 0.01 or above 0.99", "relu", "tanh",
        ] {
            XCTAssertTrue(out.contains(expected), "\(expected) in\n\(out)")
        }
        let j = try MLP.run(["inspect", model, "--images", dir.file("t10k-images-idx3-ubyte"), "--json"])
        XCTAssertEqual(j.status, 0, j.stderr)
        let v = try JSONValue.parse(Array(j.stdout.utf8))
        guard case .array(let tensors)? = v["tensors"], case .array(let hist)? = tensors.first?["histogram"] else {
            return XCTFail(j.stdout)
        }
        XCTAssertEqual(tensors.count, 6)
        XCTAssertEqual(hist.count, 20)
        XCTAssertEqual(v["units"]?["samples"], 64)
        guard case .array(let layers)? = v["units"]?["layers"] else { return XCTFail(j.stdout) }
        XCTAssertEqual(layers.map { $0["rule"] }, ["dead", "saturated"])
        XCTAssertEqual(layers.first?["units"], 16)

        let plain = try MLP.run(["inspect", model])
        XCTAssertEqual(plain.status, 0)
        XCTAssertFalse(plain.stdout.contains("units on"), "no data, no unit report")
        assertOneLineError(
            try MLP.run(["inspect", model, "--data", dir.path, "--images", "x"]), status: 2,
            "--data and --images both name the images; give one")
        assertOneLineError(try MLP.run(["inspect", model, "--samples", "5"]), status: 2, "--samples needs --data DIR or --images FILE")
        assertOneLineError(
            try MLP.run(["inspect", model, "--data", dir.path, "--samples", "0"]), status: 2, "--samples must be positive, got 0")
    }

    func testEvaluateReports() throws {
        let (dir, model) = try fixture()
        let r = try MLP.run(["evaluate", "--model", model, "--data", dir.path, "--misclassified", "3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines[0], "accuracy 1.0000  loss \(lines[0].split(separator: " ")[3])  samples 64")
        // The figures beyond accuracy (EvaluateFigures), then the tables.
        XCTAssertTrue(
            lines[1].hasPrefix("positive class 1 (threshold 0.5, the default): precision 1.0000  recall 1.0000  f1 1.0000"), lines[1])
        let c = try XCTUnwrap(lines.firstIndex(of: "confusion matrix (rows: true class, columns: predicted class)"), r.stdout)
        XCTAssertEqual(lines[c - 1], "")
        XCTAssertEqual(lines[c + 1], "true\\pred   0   1")
        XCTAssertEqual(lines[c + 3], "        0  32   0")
        XCTAssertEqual(lines[c + 4], "        1   0  32")
        XCTAssertTrue(r.stdout.contains("class  precision  recall      f1  support\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("    0     1.0000  1.0000  1.0000       32\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("macro     1.0000  1.0000  1.0000\nmacro: unweighted mean over the 2 classes"), r.stdout)
        XCTAssertTrue(r.stdout.hasSuffix("no misclassified images\n"), r.stdout)

        let svg = dir.file("confusion.svg")
        let j = try MLP.run(["evaluate", "--model", model, "--data", dir.path, "--json", "--misclassified", "2", "--plot", svg])
        XCTAssertEqual(j.status, 0, j.stderr)
        XCTAssertEqual(j.stderr, "confusion matrix written to \(svg)\n")
        let v = try JSONValue.parse(Array(j.stdout.utf8))
        guard case .object(let members) = v else { return XCTFail(j.stdout) }
        XCTAssertEqual(members.prefix(4).map(\.0), ["accuracy", "loss", "samples", "seconds"], "the existing keys stay first")
        XCTAssertEqual(v["confusion"]?.arrayCount, 2)
        guard case .array(let perClass)? = v["per_class"] else { return XCTFail(j.stdout) }
        XCTAssertEqual(perClass[1], ["class": 1, "precision": 1, "recall": 1, "f1": 1, "support": 32])
        XCTAssertEqual(v["misclassified"], .array([]))
        let (probe, ok, error) = SVGProbe.parse(try String(contentsOfFile: svg, encoding: .utf8))
        XCTAssertTrue(ok, error)
        XCTAssertEqual(probe.counts["rect"], 5)

        assertOneLineError(
            try MLP.run(["evaluate", "--model", model, "--data", dir.path, "--plot", "/nonexistent/c.svg"]), status: 1,
            "/nonexistent/c.svg: directory /nonexistent does not exist")
        assertOneLineError(
            try MLP.run(["evaluate", "--model", model, "--data", dir.path, "--misclassified", "x"]), status: 2,
            "--misclassified expects a whole number, got 'x'")
    }

    func testEvaluateListsConfidentMistakes() throws {
        let (dir, model) = try fixture()
        // Relabel: every image claims the other XOR class, so every prediction is a mistake.
        let d = Synthetic.xor(count: 64, seed: 3)
        try dir.write("wrong-labels", IDXWriter.encode(dims: [64], data: d.labels.map { 1 - $0 }))
        let r = try MLP.run([
            "evaluate", "--model", model, "--test-images", dir.file("t10k-images-idx3-ubyte"),
            "--test-labels", dir.file("wrong-labels"), "--misclassified", "4",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("accuracy 0.0000"), r.stdout)
        let tail = r.stdout.components(separatedBy: "the 4 most confident mistakes\n")
        XCTAssertEqual(tail.count, 2, r.stdout)
        let rows = tail[1].split(separator: "\n").dropFirst(2).map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(rows.count, 4)
        var last = 2.0
        for row in rows {
            XCTAssertEqual(Int(row[1]), 1 - Int(d.labels[Int(row[0])!]))
            XCTAssertEqual(Int(row[2]), Int(d.labels[Int(row[0])!]), "the model predicts the real XOR class")
            let p = Double(row[3])!
            XCTAssertLessThanOrEqual(p, last, "most confident first")
            last = p
        }
    }

    func testPredictReadsPGMAndPNGWithTopKAndShow() throws {
        let (dir, model) = try fixture()
        // (high, low) is XOR class 1
        try dir.write("one.pgm", Array("P2\n2 1\n15\n13 2\n".utf8))
        try dir.write("one.png", Self.png(width: 2, height: 1, pixels: [210, 40]))
        for name in ["one.pgm", "one.png"] {
            let r = try MLP.run(["predict", "--model", model, "--images", dir.file(name), "--top-k", "2"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let lines = r.stdout.split(separator: "\n")
            XCTAssertEqual(lines.first, "index,predicted,probability,class2,prob2", name)
            let cells = lines[1].split(separator: ",")
            XCTAssertEqual(cells.count, 5, name)
            XCTAssertEqual(cells[0], "0")
            XCTAssertEqual(cells[1], "1", name)
            XCTAssertEqual(cells[3], "0", "the other XOR class is second")
        }
        let j = try MLP.run(["predict", "--model", model, "--images", dir.file("one.png"), "--json", "--top-k", "2"])
        let v = try JSONValue.parse(Array(j.stdout.utf8))
        XCTAssertEqual(v["top_k"]?.arrayCount, 2)
        XCTAssertEqual(v["top_k"]?.first?["class"], 1)
        XCTAssertNil(
            try JSONValue.parse(Array(MLP.run(["predict", "--model", model, "--images", dir.file("one.png"), "--json"]).stdout.utf8))[
                "top_k"])

        let s = try MLP.run(["predict", "--model", model, "--images", dir.file("one.pgm"), "--show", "--top-k", "2"])
        XCTAssertEqual(s.status, 0, s.stderr)
        let shown = s.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(shown.count, 3)
        XCTAssertEqual(shown[0], "┌──┐  image 0")
        XCTAssertTrue(shown[1].hasPrefix("│█ │  predicted 1  probability "), shown[1])
        XCTAssertTrue(shown[2].hasPrefix("└──┘  #2 class 0  probability "), shown[2])

        assertOneLineError(
            try MLP.run(["predict", "--model", model, "--images", dir.file("one.pgm"), "--top-k", "3"]), status: 2,
            "--top-k 3 is more than the model's 2 classes")
        assertOneLineError(
            try MLP.run(["predict", "--model", model, "--images", dir.file("one.pgm"), "--show", "--json"]), status: 2,
            "--show draws for people and --json writes for programs; give one")
        try dir.write("big.pgm", Array("P5 28 28 255\n".utf8) + [UInt8](repeating: 0, count: 784))
        assertOneLineError(
            try MLP.run(["predict", "--model", model, "--images", dir.file("big.pgm")]), status: 1,
            "\(dir.file("big.pgm")): images are 28×28 (784 pixels) but the model expects 1×2 (2 inputs)")
        try dir.write("bad.pgm", Array("P2 2 1 255\n7\n".utf8))
        assertOneLineError(
            try MLP.run(["predict", "--model", model, "--images", dir.file("bad.pgm")]), status: 1,
            "\(dir.file("bad.pgm")): pixel data ends after 1 of 2 values (2×1)")
        try dir.write("bad.png", Array(Self.png(width: 2, height: 1, pixels: [1, 2]).prefix(30)))
        let bad = try MLP.run(["predict", "--model", model, "--images", dir.file("bad.png")])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.hasPrefix("error: \(dir.file("bad.png")): malformed PNG: "), bad.stderr)
        XCTAssertEqual(bad.stderr.split(separator: "\n").count, 1, bad.stderr)
    }

    func testHelpListsTheNewCommandsAndFlags() throws {
        let h = try MLP.run(["--help"])
        for c in ["summary", "inspect"] { XCTAssertTrue(h.stdout.contains(c), c) }
        for (command, flags) in [
            ("evaluate", ["--misclassified", "--plot"]), ("predict", ["--top-k", "--show"]),
            ("inspect", ["--data", "--images", "--samples", "--json"]), ("summary", ["--json"]),
        ] {
            let r = try MLP.run([command, "--help"])
            XCTAssertEqual(r.status, 0)
            for f in flags { XCTAssertTrue(r.stdout.contains(f), "\(command) \(f)") }
        }
    }

    /// A gray PNG written by libpng.
    static func png(width: Int, height: Int, pixels: [UInt8]) -> [UInt8] {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = png_uint_32(PNG_FORMAT_GRAY)
        var size: png_alloc_size_t = 1 << 16
        var out = [UInt8](repeating: 0, count: Int(size))
        let ok = out.withUnsafeMutableBytes { o in
            pixels.withUnsafeBytes { png_image_write_to_memory(&image, o.baseAddress, &size, 0, $0.baseAddress, png_int_32(width), nil) }
        }
        precondition(ok != 0)
        return Array(out.prefix(Int(size)))
    }
}

extension JSONValue {
    var arrayCount: Int? {
        if case .array(let a) = self { return a.count }
        return nil
    }
    var first: JSONValue? {
        if case .array(let a) = self { return a.first }
        return nil
    }
}
