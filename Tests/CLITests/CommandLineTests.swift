// End-to-end: the built binary's stdout, stderr and exit code, for good and bad command lines.
import Foundation
import XCTest

final class CommandLineTests: XCTestCase {
    func assertUsageError(_ args: [String], _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try MLP.run(args)
        XCTAssertEqual(r.status, 2, "exit code for \(args)", file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.first.map(String.init), "error: " + expected, file: file, line: line)
        XCTAssertEqual(lines.count, 2, "one error line and one usage hint: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(lines.last?.hasPrefix("usage: ") ?? false, file: file, line: line)
    }

    func testVersionAndHelp() throws {
        let v = try MLP.run(["--version"])
        XCTAssertEqual(v.status, 0)
        XCTAssertTrue(v.stdout.hasPrefix("mlp "))
        let h = try MLP.run(["--help"])
        XCTAssertEqual(h.status, 0)
        for c in ["train", "evaluate", "predict", "exit codes"] { XCTAssertTrue(h.stdout.contains(c), c) }
        let th = try MLP.run(["train", "--help"])
        XCTAssertEqual(th.status, 0)
        for f in ["--data", "--hidden", "--layers", "--epochs", "--batch-size", "--lr", "--momentum", "--seed", "--threads", "--out"] {
            XCTAssertTrue(th.stdout.contains(f), f)
        }
    }

    func testNoArgumentsIsUsageError() throws {
        let r = try MLP.run([])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("usage:"))
    }

    func testUnknownCommand() throws {
        let r = try MLP.run(["trian"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr.split(separator: "\n").first, "error: unknown command 'trian'; did you mean 'train'?")
    }

    func testUsageErrors() throws {
        try assertUsageError(["train", "--data", "x", "--epoch", "3"], "unknown flag --epoch for 'mlp train'; did you mean --epochs?")
        try assertUsageError(["train", "--data"], "--data needs a value (DIR)")
        try assertUsageError(["train", "--data", "x", "--epochs", "three"], "--epochs expects a whole number, got 'three'")
        try assertUsageError(["train", "--data", "x", "--epochs", "0"], "--epochs must be between 1 and 100000, got 0")
        try assertUsageError(["train", "--data", "x", "--batch-size", "-5"], "--batch-size must be between 1 and 1048576, got -5")
        try assertUsageError(["train", "--data", "x", "--lr", "0"], "--lr must be positive, got 0")
        try assertUsageError(["train", "--data", "x", "--lr", "nan"], "--lr expects a number, got 'nan'")
        try assertUsageError(["train", "--data", "x", "--threads", "0"], "--threads must be between 1 and 1024, got 0")
        try assertUsageError(
            ["train", "--data", "x", "--hidden", "128,,64"],
            "--hidden expects positive layer widths separated by commas (e.g. 128,64), got '128,,64'")
        try assertUsageError(
            ["train", "--data", "x", "--hidden", "64", "--layers", "64:relu,10"],
            "--layers and --hidden both describe the hidden layers; give one of them")
        try assertUsageError(["train", "--data", "x", "--seed", "1", "--seed", "2"], "--seed is given twice")
        try assertUsageError(
            ["train", "--data", "x", "--optimizer", "rmsprop"], "--optimizer 'rmsprop' is not one of sgd, nesterov, adam, adamw")
        try assertUsageError(
            ["train", "--data", "x", "--optimizer", "adam", "--momentum", "0.9"],
            "--momentum applies to sgd and nesterov; Adam's moments are --beta1/--beta2 (defaults 0.9, 0.999)")
        try assertUsageError(["train", "extra"], "unexpected argument 'extra' for 'mlp train'; flags start with --")
        try assertUsageError(["train"], "missing required flag --data (or --train-images FILE)")
        try assertUsageError(["evaluate", "--data", "x"], "missing required flag --model")
        try assertUsageError(["evaluate", "--model", "m", "--min-accuracy", "1.5"], "--min-accuracy must be between 0 and 1, got 1.5")
        try assertUsageError(["predict", "--model", "m"], "missing required flag --images (or --input FILE.csv)")
        try assertUsageError(["predict", "--model", "m", "--images", "i", "--limit", "0"], "--limit must be positive, got 0")
        try assertUsageError(["train", "--data", "x", "--json=yes"], "--json is a switch and takes no value")
    }

    func testMissingDataDirectoryIsDataError() throws {
        let r = try MLP.run(["train", "--data", "/nonexistent/mnist"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "error: /nonexistent/mnist: no such directory (run 'make data' to fetch MNIST into data/mnist)\n")
    }

    func testOutputDirectoryMustExistBeforeTraining() throws {
        let dir = try TempDir()
        let d = Synthetic.xor(count: 16, seed: 1)
        try Synthetic.writeMNISTLike(dir: dir, images: d.images, labels: d.labels, rows: 1, cols: 2)
        let r = try MLP.run(["train", "--data", dir.path, "--out", dir.file("no/such/dir/m.safetensors")])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "error: \(dir.file("no/such/dir/m.safetensors")): directory \(dir.file("no/such/dir")) does not exist\n")
    }
}
