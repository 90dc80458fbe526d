import Formats
// Limits: inputs that are valid but odd work end to end, and data or networks that would not fit
// in memory are refused before anything is allocated, saying how much was needed.
import Foundation
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

final class LimitsTests: XCTestCase {
    /// Trains with `extra` flags on `images` (rows×cols each) and `labels`, then evaluates and
    /// predicts with the model; returns the train summary, the evaluation and the predicted classes.
    func roundTrip(
        images: [UInt8], labels: [UInt8], rows: Int = 2, cols: Int = 3, _ extra: [String],
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> (train: JSONValue, evaluate: JSONValue, predicted: [Int]) {
        let dir = try TempDir()
        try Synthetic.writeMNISTLike(dir: dir, images: images, labels: labels, rows: rows, cols: cols)
        let model = dir.file("m.safetensors")
        let t = try MLP.run(["train", "--data", dir.path, "--threads", "1", "--out", model, "--json", "--quiet"] + extra)
        XCTAssertEqual(t.status, 0, t.stderr, file: file, line: line)
        let summary = try JSONValue.parse(Array(t.stdout.utf8))
        for key in ["train_loss", "test_loss", "test_accuracy"] {
            guard case .number(let x)? = summary[key] else {
                XCTFail("\(key) is not a number in \(t.stdout)", file: file, line: line)
                continue
            }
            XCTAssertTrue(x.isFinite, "\(key) = \(x)", file: file, line: line)
        }
        XCTAssertNoThrow(try ModelFile.load(model), file: file, line: line)
        let e = try MLP.run(["evaluate", "--model", model, "--data", dir.path, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr, file: file, line: line)
        let ev = try JSONValue.parse(Array(e.stdout.utf8))
        guard case .number(let loss)? = ev["loss"] else { throw XCTSkip("no loss") }
        XCTAssertTrue(loss.isFinite, "evaluate loss \(loss)", file: file, line: line)
        let p = try MLP.run(["predict", "--model", model, "--images", dir.file("t10k-images-idx3-ubyte")])
        XCTAssertEqual(p.status, 0, p.stderr, file: file, line: line)
        let rows = p.stdout.split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.count, labels.count, file: file, line: line)
        for r in rows {
            let probability = Double(r.split(separator: ",")[2])
            XCTAssertTrue(probability.map { $0.isFinite && $0 > 0 && $0 <= 1 } ?? false, String(r), file: file, line: line)
        }
        return (summary, ev, rows.map { Int($0.split(separator: ",")[1])! })
    }

    static func pixels(_ n: Int, features: Int = 6) -> [UInt8] { (0..<(n * features)).map { UInt8(($0 * 53 + 7) % 256) } }

    func testADatasetOfOneImage() throws {
        // The default batch of 64 is larger than the dataset; batch norm sees a batch of 1.
        // The class count comes from the labels: 0 to 4, so five outputs.
        let r = try roundTrip(images: Self.pixels(1), labels: [4], ["--layers", "8:relu,batchnorm,5", "--epochs", "30"])
        XCTAssertEqual(r.evaluate["samples"], .number(1))
        XCTAssertEqual(r.predicted, [4], "one image, one class: it is learned")
    }

    func testABatchLargerThanTheDataset() throws {
        let labels: [UInt8] = (0..<12).map { UInt8($0 % 3) }
        let r = try roundTrip(images: Self.pixels(12), labels: labels, ["--hidden", "16", "--batch-size", "1000", "--epochs", "3"])
        XCTAssertEqual(r.evaluate["samples"], .number(12))
    }

    func testALastBatchOfOneThroughBatchNorm() throws {
        // 33 images in batches of 32: the last batch of every epoch has one example, where the
        // batch variance is 0 (and its unbiased estimate 0/0 if computed naively).
        let labels: [UInt8] = (0..<33).map { UInt8($0 % 10) }
        let r = try roundTrip(
            images: Self.pixels(33), labels: labels,
            ["--layers", "16,batchnorm,relu,8:tanh,batchnorm:0.5,10", "--batch-size", "32", "--epochs", "4", "--optimizer", "adam"])
        XCTAssertEqual(r.evaluate["samples"], .number(33))
        // the running statistics saved in the file stay finite
        let dir = try TempDir()
        try Synthetic.writeMNISTLike(dir: dir, images: Self.pixels(33), labels: labels, rows: 2, cols: 3)
        let model = dir.file("m.safetensors")
        XCTAssertEqual(
            try MLP.run([
                "train", "--data", dir.path, "--layers", "16,batchnorm,relu,10", "--batch-size", "32",
                "--epochs", "2", "--quiet", "--out", model,
            ]).status, 0)
        for t in try Safetensors.read(path: model).tensors {
            XCTAssertTrue(t.values.allSatisfy(\.isFinite), t.name)
        }
    }

    func testAllBlackImages() throws {
        let labels: [UInt8] = (0..<20).map { UInt8($0 % 2) }
        let r = try roundTrip(
            images: [UInt8](repeating: 0, count: 120), labels: labels,
            ["--layers", "8:relu,batchnorm,2", "--epochs", "3", "--batch-size", "8"])
        XCTAssertEqual(Set(r.predicted).count, 1, "identical images get identical predictions")
    }

    func testASingleClassPresent() throws {
        let r = try roundTrip(
            images: Self.pixels(24), labels: [UInt8](repeating: 7, count: 24),
            ["--hidden", "8", "--epochs", "20", "--batch-size", "8", "--loss", "cross_entropy:0.1"])
        XCTAssertEqual(r.evaluate["accuracy"], .number(1))
        XCTAssertEqual(Set(r.predicted), [7])
    }

    func testAnEmptyDatasetIsAnError() throws {
        let dir = try TempDir()
        try Synthetic.writeMNISTLike(dir: dir, images: [], labels: [], rows: 2, cols: 3)
        let train = dir.file("train-images-idx3-ubyte.gz")
        let test = dir.file("t10k-images-idx3-ubyte")
        assertError(
            try MLP.run(["train", "--data", dir.path, "--out", dir.file("m")]), 1, "\(train): holds no images; training needs at least one")
        // a model to evaluate with, trained on one image
        let one = try TempDir()
        try Synthetic.writeMNISTLike(dir: one, images: Self.pixels(1), labels: [1], rows: 2, cols: 3)
        XCTAssertEqual(try MLP.run(["train", "--data", one.path, "--epochs", "1", "--quiet", "--out", one.file("m")]).status, 0)
        assertError(
            try MLP.run([
                "train", "--data", one.path, "--test-images", test, "--test-labels", dir.file("t10k-labels-idx1-ubyte"),
                "--out", one.file("m2"),
            ]), 1, "\(test): holds no images; the test accuracy needs at least one")
        assertError(
            try MLP.run(["evaluate", "--model", one.file("m"), "--data", dir.path]), 1,
            "\(test): holds no images; an accuracy needs at least one")
        // predict on no images prints its header and nothing else
        let p = try MLP.run(["predict", "--model", one.file("m"), "--images", test])
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertEqual(p.stdout, "index,predicted,probability\n")
    }

    // MARK: - Memory

    func testMaxMemoryValues() {
        XCTAssertEqual(MemoryBudget.parse("1000"), 1000)
        XCTAssertEqual(MemoryBudget.parse("64K"), 64 << 10)
        XCTAssertEqual(MemoryBudget.parse("512M"), 512 << 20)
        XCTAssertEqual(MemoryBudget.parse("512MB"), 512 << 20)
        XCTAssertEqual(MemoryBudget.parse("512MiB"), 512 << 20)
        XCTAssertEqual(MemoryBudget.parse("8g"), 8 << 30)
        XCTAssertEqual(MemoryBudget.parse("2T"), 2 << 40)
        for bad in ["", "0", "-1", "M", "1.5G", "12X", "9999999999999T", "G8"] { XCTAssertNil(MemoryBudget.parse(bad), bad) }
        XCTAssertEqual(MemoryBudget.size(1536 << 20), "1.5 GiB")
        XCTAssertEqual(MemoryBudget.size(100), "100 bytes")
    }

    func testDataLargerThanTheLimitIsRefusedBeforeReading() throws {
        let dir = try TempDir()
        try Synthetic.writeMNISTLike(dir: dir, images: Self.pixels(1000), labels: [UInt8](repeating: 1, count: 1000), rows: 2, cols: 3)
        let model = dir.file("m.safetensors")
        XCTAssertEqual(
            try MLP.run(["train", "--data", dir.path, "--hidden", "4", "--epochs", "1", "--quiet", "--out", model, "--max-memory", "1G"])
                .status, 0)
        let images = dir.file("t10k-images-idx3-ubyte")
        // 6016 bytes of images, plus the labels and four times the model file (about 4 KiB)
        let r = try MLP.run(["evaluate", "--model", model, "--data", dir.path, "--max-memory", "8K"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("error: not enough memory: this needs about "), r.stderr)
        XCTAssertTrue(
            r.stderr.hasSuffix(" but the --max-memory limit is 8.0 KiB; use a smaller dataset or model, or a larger --max-memory\n"),
            r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1)
        let p = try MLP.run(["predict", "--model", model, "--images", images, "--max-memory", "8000"])
        XCTAssertEqual(p.status, 1)
        XCTAssertTrue(p.stderr.contains("of it for \(images), declared 1000×2×3)"), p.stderr)
        XCTAssertEqual(p.stdout, "", "refused before printing anything")

        // A gzip header that claims 4 billion 28×28 images is refused at once, from the header
        // alone (the reader would stop at the real end of the data anyway, but never gets to start).
        let huge = dir.file("huge.gz")
        try dir.write("huge.gz", Gzip.compress(idxFile([4_000_000_000, 28, 28], [UInt8](repeating: 0, count: 100))))
        let h = try MLP.run(["predict", "--model", model, "--images", huge, "--max-memory", "1G"])
        XCTAssertEqual(h.status, 1)
        XCTAssertTrue(
            h.stderr.contains("GiB of it for \(huge), declared 4000000000×28×28) but the --max-memory limit is 1.0 GiB"), h.stderr)
    }

    func testANetworkLargerThanMemoryIsRefusedBeforeAllocating() throws {
        let dir = try TempDir()
        let d = Synthetic.xor(count: 8, seed: 1)
        try Synthetic.writeMNISTLike(dir: dir, images: d.images, labels: d.labels, rows: 1, cols: 2)
        // Two layers of 2^20 units: 2^40 weights, 12 TiB with gradients and momentum. Before, it
        // started allocating; MemAvailable (or any --max-memory below that) refuses it.
        let r = try MLP.run(["train", "--data", dir.path, "--layers", "1048576,1048576,10", "--out", dir.file("m"), "--max-memory", "64G"])
        assertError(
            r, 1,
            "not enough memory: this needs about 12.0 TiB (12.0 TiB of it for the network 1048576,1048576,10) but the --max-memory limit is 64.0 GiB; use a smaller dataset or model, or a larger --max-memory"
        )
        let a = try MLP.run(["train", "--data", dir.path, "--layers", "1048576,1048576,10", "--out", dir.file("m")])
        XCTAssertEqual(a.status, 1)
        XCTAssertTrue(a.stderr.contains(" is available (MemAvailable in /proc/meminfo)"), a.stderr)
        // the estimate grows with the batch: 2^20 units × 10^5 rows of activations
        let b = try MLP.run([
            "train", "--data", dir.path, "--hidden", "4096", "--batch-size", "1000000", "--out", dir.file("m"), "--max-memory", "4G",
        ])
        XCTAssertEqual(b.status, 1)
        XCTAssertTrue(b.stderr.contains("of it for the network 4096:relu,2)"), "two classes in the labels: \(b.stderr)")
    }

    func testValidationFilesCountTowardsTheTrainingMemory() throws {
        let dir = try TempDir()
        try Synthetic.writeMNISTLike(dir: dir, images: Self.pixels(20), labels: [UInt8](repeating: 1, count: 20), rows: 2, cols: 3)
        // Validation images whose header claims 4 billion 2×3 images: before, only the four --data
        // files were counted and these went straight to the reader.
        let huge = dir.file("val-images.gz")
        try dir.write("val-images.gz", Gzip.compress(idxFile([4_000_000_000, 2, 3], [UInt8](repeating: 0, count: 100))))
        let r = try MLP.run([
            "train", "--data", dir.path, "--hidden", "4", "--epochs", "1", "--quiet", "--out", dir.file("m"),
            "--validation-images", huge, "--validation-labels", dir.file("t10k-labels-idx1-ubyte"),
            "--max-memory", "1G",
        ])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("GiB of it for \(huge), declared 4000000000×2×3) but the --max-memory limit is 1.0 GiB"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1)
    }
}
