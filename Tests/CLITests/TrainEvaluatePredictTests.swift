import Formats
// The three commands together on a tiny synthetic dataset: training fits it, the model file
// round-trips, evaluate gates on accuracy, predict prints what evaluate measured.
import Foundation
import XCTest

final class TrainEvaluatePredictTests: XCTestCase {
    func testXORClustersTrainToFullAccuracyAndRoundTrip() throws {
        let dir = try TempDir()
        let d = Synthetic.xor(count: 64, seed: 3)
        try Synthetic.writeMNISTLike(dir: dir, images: d.images, labels: d.labels, rows: 1, cols: 2)
        let model = dir.file("xor.safetensors")
        let t = try MLP.run([
            "train", "--data", dir.path, "--hidden", "16", "--epochs", "60", "--batch-size", "8",
            "--lr", "0.1", "--seed", "5", "--threads", "1", "--out", model, "--json",
        ])
        XCTAssertEqual(t.status, 0, t.stderr)
        let summary = try JSONValue.parse(Array(t.stdout.utf8))
        guard case .number(let acc)? = summary["test_accuracy"] else { return XCTFail("no test_accuracy in \(t.stdout)") }
        XCTAssertEqual(acc, 1.0, "XOR clusters are separable with one hidden layer")
        XCTAssertTrue(t.stderr.contains("epoch 60/60"), t.stderr)

        // evaluate reads the model back and agrees; --json is exactly one object
        let e = try MLP.run(["evaluate", "--model", model, "--data", dir.path, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertEqual(e.stdout.split(separator: "\n").count, 1)
        let ev = try JSONValue.parse(Array(e.stdout.utf8))
        XCTAssertEqual(ev["accuracy"], .number(1))
        XCTAssertEqual(ev["samples"], .number(64))

        // the gate: passes at 1.0, and an impossible bar is impossible only past 1 (usage error)
        XCTAssertEqual(try MLP.run(["evaluate", "--model", model, "--data", dir.path, "--min-accuracy", "1"]).status, 0)

        // predict: CSV with a header and one row per image, classes matching the labels
        let p = try MLP.run(["predict", "--model", model, "--images", dir.file("t10k-images-idx3-ubyte")])
        XCTAssertEqual(p.status, 0, p.stderr)
        let rows = p.stdout.split(separator: "\n")
        XCTAssertEqual(rows.first, "index,predicted,probability")
        XCTAssertEqual(rows.count, 65)
        for (i, row) in rows.dropFirst().enumerated() {
            let cols = row.split(separator: ",")
            XCTAssertEqual(cols[0], "\(i)")
            XCTAssertEqual(Int(cols[1]), Int(d.labels[i]))
        }
        // --json lines carry all class probabilities, summing to 1
        let pj = try MLP.run(["predict", "--model", model, "--images", dir.file("t10k-images-idx3-ubyte"), "--limit", "3", "--json"])
        let lines = pj.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        let first = try JSONValue.parse(Array(lines[0].utf8))
        guard case .array(let probs)? = first["probabilities"] else { return XCTFail("no probabilities") }
        XCTAssertEqual(probs.count, 2, "one probability per class of the training labels")
        let sum = probs.reduce(0.0) {
            if case .number(let x) = $1 { return $0 + x }
            return $0
        }
        XCTAssertEqual(sum, 1, accuracy: 1e-5)
    }

    func testSameSeedAndThreadsGiveTheSameModel() throws {
        let dir = try TempDir()
        let d = Synthetic.xor(count: 40, seed: 9)
        try Synthetic.writeMNISTLike(dir: dir, images: d.images, labels: d.labels, rows: 1, cols: 2)
        var files: [Data] = []
        for i in 0..<2 {
            let out = dir.file("m\(i).safetensors")
            let r = try MLP.run([
                "train", "--data", dir.path, "--hidden", "8", "--epochs", "3", "--seed", "11",
                "--threads", "1", "--out", out, "--quiet",
            ])
            XCTAssertEqual(r.status, 0, r.stderr)
            files.append(try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        XCTAssertEqual(files[0], files[1], "same seed, same threads: byte-identical model files")
        let other = dir.file("m2.safetensors")
        XCTAssertEqual(
            try MLP.run([
                "train", "--data", dir.path, "--hidden", "8", "--epochs", "3", "--seed", "12",
                "--threads", "1", "--out", other, "--quiet",
            ]).status, 0)
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: other)), files[0], "another seed, another model")
    }

    func testEvaluateBelowMinimumExitsThree() throws {
        let dir = try TempDir()
        let d = Synthetic.xor(count: 32, seed: 4)
        try Synthetic.writeMNISTLike(dir: dir, images: d.images, labels: d.labels, rows: 1, cols: 2)
        let model = dir.file("m.safetensors")
        // One epoch of a linear model cannot fit XOR: accuracy stays well below 1.
        XCTAssertEqual(try MLP.run(["train", "--data", dir.path, "--layers", "2", "--epochs", "1", "--out", model, "--quiet"]).status, 0)
        let r = try MLP.run(["evaluate", "--model", model, "--data", dir.path, "--min-accuracy", "0.99"])
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stdout.hasPrefix("accuracy "), r.stdout)
        XCTAssertTrue(r.stderr.hasPrefix("error: accuracy "), r.stderr)
        XCTAssertTrue(r.stderr.hasSuffix(" is below --min-accuracy 0.99\n"), r.stderr)
    }

    func testImagesOfTheWrongSizeForTheModel() throws {
        let dir = try TempDir()
        let d = Synthetic.xor(count: 16, seed: 2)
        try Synthetic.writeMNISTLike(dir: dir, images: d.images, labels: d.labels, rows: 1, cols: 2)
        let model = dir.file("m.safetensors")
        XCTAssertEqual(try MLP.run(["train", "--data", dir.path, "--epochs", "1", "--out", model, "--quiet"]).status, 0)
        let big = IDXWriter.encode(dims: [2, 2, 2], data: [UInt8](repeating: 9, count: 8))
        try dir.write("big", big)
        let r = try MLP.run(["predict", "--model", model, "--images", dir.file("big")])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "error: \(dir.file("big")): images are 2×2 (4 pixels) but the model expects 1×2 (2 inputs)\n")
    }

    /// Training files alone (no --data, no test files): a run without a test set, which never reads
    /// t10k files, reports no test figures, and writes a model that evaluate then measures.
    func testTrainingFilesAloneTrainWithoutATestSet() throws {
        let dir = try TempDir()
        let d = Synthetic.xor(count: 64, seed: 3)
        try Synthetic.writeMNISTLike(dir: dir, images: d.images, labels: d.labels, rows: 1, cols: 2)
        // A test file that cannot be read: naming neither test flag must leave it alone.
        try dir.write("t10k-images-idx3-ubyte", [0, 1, 2])
        let model = dir.file("m.safetensors")
        let train = [
            "train", "--train-images", dir.file("train-images-idx3-ubyte.gz"), "--train-labels", dir.file("train-labels-idx1-ubyte"),
            "--hidden", "16", "--epochs", "60", "--batch-size", "8", "--lr", "0.1", "--seed", "5", "--threads", "1", "--out", model,
        ]
        let t = try MLP.run(train)
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertTrue(t.stderr.contains("mlp: 64 training images (no test set) of 1×2"), t.stderr)
        XCTAssertFalse(t.stderr.contains("test_acc"), t.stderr)
        XCTAssertEqual(t.stdout.split(separator: "\n").first.map(String.init)?.hasPrefix("trained after 60 epochs in "), true, t.stdout)
        XCTAssertTrue(t.stdout.contains("; no test set (give --data DIR, or --test-images and --test-labels to measure one)\n"), t.stdout)

        let j = try MLP.run(train + ["--json", "--quiet"])
        XCTAssertEqual(j.status, 0, j.stderr)
        let summary = try JSONValue.parse(Array(j.stdout.utf8))
        XCTAssertNil(summary["test_accuracy"], j.stdout)
        XCTAssertEqual(summary["evaluation_seconds"], .number(0), "nothing was evaluated after the epochs")
        guard case .array(let epochs)? = summary["epochs"], case .object(let first)? = epochs.first else { return XCTFail(j.stdout) }
        XCTAssertFalse(first.contains { $0.0.hasPrefix("test_") || $0.0 == "eval_seconds" }, "\(first)")

        // The model fits XOR: evaluate on the same clusters (as the test set) finds it.
        let e = try MLP.run([
            "evaluate", "--model", model, "--test-images", dir.file("train-images-idx3-ubyte.gz"),
            "--test-labels", dir.file("train-labels-idx1-ubyte"), "--json",
        ])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertEqual(try JSONValue.parse(Array(e.stdout.utf8))["accuracy"], .number(1))

        // One test file without the other (and without --data) is a usage error naming the missing one.
        for (given, missing) in [("--test-images", "--test-labels"), ("--test-labels", "--test-images")] {
            let r = try MLP.run(train + [given, dir.file("train-labels-idx1-ubyte")])
            XCTAssertEqual(r.status, 2, r.stderr)
            XCTAssertEqual(
                r.stderr.split(separator: "\n").first.map(String.init),
                "error: \(given) needs \(missing) (or --data DIR to take the test files from)")
        }
    }
}
