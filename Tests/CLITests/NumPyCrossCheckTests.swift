// The model file is plain safetensors: Python's safetensors + NumPy load it, and a NumPy forward
// pass written from the format description (Scripts/numpy_predict.py) predicts the same classes
// as `mlp predict`. Skipped where python3 lacks safetensors or numpy.
import Foundation
import XCTest

final class NumPyCrossCheckTests: XCTestCase {
    static let script = Package.path("Scripts/numpy_predict.py")

    func testNumPyForwardPassMatchesPredict() throws {
        try XCTSkipUnless(
            ProcessRunner.pythonCanImport(["safetensors.numpy", "numpy"]), "python3 with safetensors and numpy is not installed")

        let dir = try TempDir()
        var rng = SeededGenerator(seed: 5)
        let images = (0..<(200 * 16)).map { _ in UInt8(rng.next() >> 56) }
        let labels = (0..<200).map { UInt8(Int(images[$0 * 16]) * 10 / 256) }
        try Synthetic.writeMNISTLike(dir: dir, images: images, labels: labels, rows: 4, cols: 4)
        let model = dir.file("m.safetensors")
        let t = try MLP.run([
            "train", "--data", dir.path, "--layers", "24:gelu,batchnorm,dropout:0.1,16:leaky_relu:0.2,tanh,10",
            "--optimizer", "adam", "--epochs", "3", "--batch-size", "16", "--out", model, "--quiet",
        ])
        XCTAssertEqual(t.status, 0, t.stderr)
        let p = try MLP.run(["predict", "--model", model, "--images", dir.file("t10k-images-idx3-ubyte")])
        let mlpClasses = p.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[1] }

        let py = try ProcessRunner.run("/usr/bin/env", ["python3", Self.script, model, dir.file("t10k-images-idx3-ubyte")])
        XCTAssertEqual(py.status, 0, py.stderr)
        let npClasses = py.stdout.split(separator: "\n")
        XCTAssertEqual(npClasses.count, 200)
        XCTAssertEqual(npClasses, mlpClasses)
    }

    /// The same for table models: the preprocessing in the metadata (standardization, one-hot,
    /// imputed values, labels, target scaling) applied by NumPy gives mlp's labels and values.
    func testNumPyTablePredictionsMatch() throws {
        try XCTSkipUnless(
            ProcessRunner.pythonCanImport(["safetensors.numpy", "numpy"]), "python3 with safetensors and numpy is not installed")
        let dir = try TempDir()
        var text = "size,colour,weight,kind,price\n"
        var rng = SeededGenerator(seed: 3)
        func next() -> Int { Int(rng.next() >> 33) }
        for i in 0..<150 {
            let size = next() % 100
            let colour = ["red", "green", "blue"][next() % 3]
            let weight = i % 13 == 5 ? "NA" : "\(next() % 50)"
            text += "\(size),\(colour),\(weight),\(size > 50 ? "big" : "small"),\(size * 2 + (colour == "red" ? 30 : 0))\n"
        }
        try dir.write("t.csv", Array(text.utf8))
        for (target, drop) in [("kind", "price"), ("price", "kind")] {
            let model = dir.file("\(target).safetensors")
            let t = try MLP.run([
                "train", "--data", dir.file("t.csv"), "--target", target, "--categorical", drop, "--missing", "median",
                "--epochs", "5", "--batch-size", "16", "--quiet", "--out", model,
            ])
            XCTAssertEqual(t.status, 0, t.stderr)
            let p = try MLP.run(["predict", "--model", model, "--input", dir.file("t.csv")])
            XCTAssertEqual(p.status, 0, p.stderr)
            let mlpValues = p.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[1] }
            let py = try ProcessRunner.run("/usr/bin/env", ["python3", Self.script, model, dir.file("t.csv")])
            XCTAssertEqual(py.status, 0, py.stderr)
            let npValues = py.stdout.split(separator: "\n")
            XCTAssertEqual(npValues.count, 150)
            if target == "kind" {
                XCTAssertEqual(npValues.map(String.init), mlpValues.map(String.init))
            } else {
                for (a, b) in zip(npValues, mlpValues) { XCTAssertEqual(Double(a)!, Double(b)!, accuracy: 1e-3 * max(1, abs(Double(b)!))) }
            }
        }
    }
}
