import Formats
// Every flag of train, evaluate and predict, given badly: with no value, with a value that is not
// a number, with zero or a negative where a positive is required. Each is a usage error: exit 2,
// `error: ...` naming the flag, then the command's usage line. Conflicting flags likewise; an
// output path that cannot be written is a data error (exit 1) found before any training.
import Foundation
import Glibc
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

final class FlagTests: XCTestCase {
    /// Arguments that get each command past its required flags (no file is ever read: usage
    /// errors come first).
    static let base: [String: [String]] = [
        "train": ["--data", "/nonexistent"],
        "evaluate": ["--model", "/nonexistent/m", "--data", "/nonexistent"],
        "predict": ["--model", "/nonexistent/m", "--images", "/nonexistent/i"],
    ]

    func assertUsage(_ args: [String], _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try MLP.run(args)
        XCTAssertEqual(r.status, 2, "exit code for \(args): \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.first.map(String.init), "error: " + expected, "for \(args)", file: file, line: line)
        XCTAssertEqual(lines.count, 2, "an error line and a usage line: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(lines.last?.hasPrefix("usage: mlp \(args[0]) ") ?? false, r.stderr, file: file, line: line)
    }

    func testEveryFlagWithoutItsValue() throws {
        for command in CLI.commands {
            for flag in command.flags {
                guard let placeholder = flag.value else { continue }
                // at the end of the line, and followed by another flag
                try assertUsage([command.name, "--\(flag.name)"], "--\(flag.name) needs a value (\(placeholder))")
                try assertUsage([command.name, "--\(flag.name)", "--json"], "--\(flag.name) needs a value (\(placeholder))")
            }
        }
    }

    func testSwitchesTakeNoValue() throws {
        for command in CLI.commands {
            for flag in command.flags where flag.value == nil {
                try assertUsage([command.name, "--\(flag.name)=1"], "--\(flag.name) is a switch and takes no value")
            }
        }
    }

    /// Every numeric flag, and what it says about a non-number, about 0 and about -1.
    static let numeric: [(command: String, flag: String, notNumber: String, zero: String?, negative: String)] = [
        ("train", "epochs", "expects a whole number", "must be between 1 and 100000, got 0", "must be between 1 and 100000, got -1"),
        ("train", "batch-size", "expects a whole number", "must be between 1 and 1048576, got 0", "must be between 1 and 1048576, got -1"),
        ("train", "threads", "expects a whole number", "must be between 1 and 1024, got 0", "must be between 1 and 1024, got -1"),
        ("train", "seed", "expects a whole number", nil, "must be at least 0, got -1"),
        ("train", "warmup", "expects a whole number", nil, "must be between 0 and 100000, got -1"),
        ("train", "lr", "expects a number", "must be positive, got 0", "must be positive, got -1"),
        ("train", "momentum", "expects a number", nil, "must be in [0, 1), got -1"),
        ("train", "weight-decay", "expects a number", nil, "must be zero or positive, got -1"),
        ("train", "clip-grad-norm", "expects a number", "must be positive, got 0", "must be positive, got -1"),
        (
            "train", "max-memory", "expects a positive byte count such as 800M or 4G",
            "expects a positive byte count such as 800M or 4G, got '0'",
            "expects a positive byte count such as 800M or 4G, got '-1'"
        ),
        (
            "train", "validation-split", "expects a number", "must be between 0 and 1 (exclusive), got 0",
            "must be between 0 and 1 (exclusive), got -1"
        ),
        (
            "train", "early-stopping", "expects a whole number", "must be between 1 and 100000, got 0",
            "must be between 1 and 100000, got -1"
        ),
        ("train", "max-seconds", "expects a number", "must be positive, got 0", "must be positive, got -1"),
        (
            "train", "reduce-lr-on-plateau", "expects FACTOR,PATIENCE with FACTOR in (0, 1) and PATIENCE ≥ 1 (e.g. 0.5,2)",
            "expects FACTOR,PATIENCE with FACTOR in (0, 1) and PATIENCE ≥ 1 (e.g. 0.5,2), got '0'",
            "expects FACTOR,PATIENCE with FACTOR in (0, 1) and PATIENCE ≥ 1 (e.g. 0.5,2), got '-1'"
        ),
        ("evaluate", "misclassified", "expects a whole number", "must be positive, got 0", "must be positive, got -1"),
        ("predict", "top-k", "expects a whole number", "must be positive, got 0", "must be positive, got -1"),
        (
            "evaluate", "batch-size", "expects a whole number", "must be between 1 and 1048576, got 0",
            "must be between 1 and 1048576, got -1"
        ),
        ("evaluate", "threads", "expects a whole number", "must be between 1 and 1024, got 0", "must be between 1 and 1024, got -1"),
        ("evaluate", "min-accuracy", "expects a number", nil, "must be between 0 and 1, got -1"),
        (
            "evaluate", "max-memory", "expects a positive byte count such as 800M or 4G",
            "expects a positive byte count such as 800M or 4G, got '0'",
            "expects a positive byte count such as 800M or 4G, got '-1'"
        ),
        ("predict", "limit", "expects a whole number", "must be positive, got 0", "must be positive, got -1"),
        ("predict", "threads", "expects a whole number", "must be between 1 and 1024, got 0", "must be between 1 and 1024, got -1"),
        (
            "predict", "max-memory", "expects a positive byte count such as 800M or 4G",
            "expects a positive byte count such as 800M or 4G, got '0'",
            "expects a positive byte count such as 800M or 4G, got '-1'"
        ),
    ]

    func testNumericFlags() throws {
        for (command, flag, notNumber, zero, negative) in Self.numeric {
            let base = [command] + Self.base[command]!
            for bad in ["ten", "1.5.2", "", "0x"] {
                try assertUsage(base + ["--\(flag)=\(bad)"], "--\(flag) \(notNumber), got '\(bad)'")
            }
            if let zero { try assertUsage(base + ["--\(flag)", "0"], "--\(flag) \(zero)") }
            try assertUsage(base + ["--\(flag)", "-1"], "--\(flag) \(negative)")
        }
        // Out of range, not "not a number"
        try assertUsage(
            ["train", "--data", "x", "--epochs", "99999999999999999999"], "--epochs must be between 1 and 100000, got 99999999999999999999")
        try assertUsage(["train", "--data", "x", "--lr", "1e40"], "--lr must be positive and finite, got 1e40")
        try assertUsage(["train", "--data", "x", "--lr", "nan"], "--lr expects a number, got 'nan'")
        try assertUsage(["train", "--data", "x", "--momentum", "1"], "--momentum must be in [0, 1), got 1")
        try assertUsage(["train", "--data", "x", "--optimizer", "adam", "--beta2", "1"], "--beta2 must be in [0, 1), got 1")
        try assertUsage(["train", "--data", "x", "--epochs", "2.5"], "--epochs expects a whole number, got '2.5'")
        try assertUsage(
            ["evaluate", "--model", "m", "--data", "x", "--max-memory", "12X"],
            "--max-memory expects a positive byte count such as 800M or 4G, got '12X'")
    }

    func testEmptyValuesForFileAndNameFlags() throws {
        try assertUsage(["train", "--data="], "--data needs a non-empty value")
        try assertUsage(["train", "--data", "x", "--train-images="], "--train-images needs a non-empty value")
        try assertUsage(["train", "--data", "x", "--out="], "--out needs a file name")
        try assertUsage(["evaluate", "--model="], "--model needs a non-empty value")
        try assertUsage(["predict", "--model", "m", "--images="], "--images needs a non-empty value")
        try assertUsage(["train", "--data", "x", "--optimizer="], "--optimizer '' is not one of sgd, nesterov, adam, adamw")
        try assertUsage(
            ["train", "--data", "x", "--schedule", "step:0"], "--schedule 'step:0' is not one of constant, step[:EVERY[:GAMMA]], cosine")
        try assertUsage(
            ["train", "--data", "x", "--loss", "hinge"],
            "--loss 'hinge' is not one of cross_entropy, cross_entropy:SMOOTHING, mse, bce, mae, huber[:DELTA]")
        try assertUsage(
            ["train", "--data", "x", "--init", "glorot"],
            "--init 'glorot' is not one of he-normal, he-uniform, xavier-normal, xavier-uniform, orthogonal, zeros")
        try assertUsage(
            ["train", "--data", "x", "--layers", "64:relu,,10"],
            "--layers: bad layer an empty token at position 2 of the architecture; accepted: N, N:ACT, N[:ACT]:maxnorm=C, ACT, dropout:P, batchnorm[:MOMENTUM], where ACT is one of relu, leaky_relu[:alpha], sigmoid, tanh, gelu, swish, silu, linear"
        )
    }

    /// The class count comes from the labels: ten classes (0 to 9) need ten output units.
    func testTheArchitectureMustEndWithOneUnitPerClass() throws {
        let dir = try TempDir()
        try Synthetic.writeMNISTLike(dir: dir, images: (0..<60).map { UInt8($0 * 4) }, labels: (0..<10).map { UInt8($0) }, rows: 2, cols: 3)
        try assertUsage(
            ["train", "--data", dir.path, "--layers", "64:relu,12", "--out", dir.file("m")],
            "--layers: the architecture must end with a dense layer of 10 units, one per class (e.g. '...,10'), got '12'")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("m")))
    }

    func testConflictingFlags() throws {
        try assertUsage(
            ["train", "--data", "x", "--hidden", "64", "--layers", "64:relu,10"],
            "--layers and --hidden both describe the hidden layers; give one of them")
        try assertUsage(
            ["train", "--data", "x", "--layers", "64,10", "--activation", "tanh"],
            "--activation applies to --hidden; with --layers give each layer its own (e.g. 128:tanh)")
        try assertUsage(
            ["train", "--data", "x", "--optimizer", "adamw", "--momentum", "0.5"],
            "--momentum applies to sgd and nesterov; Adam's moments are --beta1/--beta2 (defaults 0.9, 0.999)")
        try assertUsage(["train", "--data", "x", "--beta1", "0.8"], "--beta1/--beta2 apply to adam and adamw")
        try assertUsage(
            ["train", "--data", "x", "--optimizer", "nesterov", "--momentum", "0"], "--optimizer nesterov needs a momentum above 0")
        try assertUsage(["evaluate", "--model", "m", "--model", "n"], "--model is given twice")
        try assertUsage(["predict", "--model", "m", "--images", "i", "--threads=1", "--threads", "2"], "--threads is given twice")
        try assertUsage(
            ["train", "--data", "x", "--validation-split", "0.1", "--validation-images", "v"],
            "--validation-split and --validation-images both name a validation set; give one of them")
        try assertUsage(
            ["train", "--data", "x", "--monitor", "val_loss"],
            "--monitor watches a validation set: add --validation-split F or --validation-images/--validation-labels")
        try assertUsage(
            ["predict", "--model", "m", "--images", "i", "--show", "--json"],
            "--show draws for people and --json writes for programs; give one")
    }

    func testUnknownCommandsAndFlags() throws {
        for bad in ["trian", "--bogus", "Train", "eval"] {
            let r = try MLP.run([bad, "--data", "x"])
            XCTAssertEqual(r.status, 2, bad)
            XCTAssertTrue(r.stderr.hasPrefix("error: unknown command '\(bad)'"), r.stderr)
        }
        try assertUsage(["predict", "--model", "m", "--image", "i"], "unknown flag --image for 'mlp predict'; did you mean --images?")
        try assertUsage(["evaluate", "-model", "m"], "unexpected argument '-model' for 'mlp evaluate'; flags start with --")
    }

    // MARK: - Output paths (data errors, exit 1, before any training)

    func trainInto(_ out: String) throws -> (Run, TempDir) {
        let dir = try TempDir()
        let d = Synthetic.xor(count: 8, seed: 1)
        try Synthetic.writeMNISTLike(dir: dir, images: d.images, labels: d.labels, rows: 1, cols: 2)
        return (
            try MLP.run([
                "train", "--data", dir.path, "--epochs", "1", "--quiet", "--out", out.replacingOccurrences(of: "DIR", with: dir.path),
            ]), dir
        )
    }

    func testOutputUnderARegularFile() throws {
        let (r, dir) = try trainInto("DIR/train-labels-idx1-ubyte/m.safetensors")
        assertError(r, 1, "\(dir.path)/train-labels-idx1-ubyte/m.safetensors: \(dir.path)/train-labels-idx1-ubyte is not a directory")
    }

    func testOutputInAMissingDirectory() throws {
        let (r, dir) = try trainInto("DIR/missing/m.safetensors")
        assertError(r, 1, "\(dir.path)/missing/m.safetensors: directory \(dir.path)/missing does not exist")
    }

    func testEveryOutputFlagIsCheckedBeforeTraining() throws {
        for flag in ["log", "log-csv", "plot", "checkpoint"] {
            let dir = try TempDir()
            let d = Synthetic.xor(count: 8, seed: 1)
            try Synthetic.writeMNISTLike(dir: dir, images: d.images, labels: d.labels, rows: 1, cols: 2)
            let r = try MLP.run([
                "train", "--data", dir.path, "--epochs", "1", "--quiet", "--out", dir.file("m"), "--\(flag)", dir.file("no/x"),
            ])
            assertError(r, 1, "\(dir.file("no/x")): directory \(dir.file("no")) does not exist")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("m")), "--\(flag): nothing trained or written")
        }
    }

    func testOutputIsADirectory() throws {
        let (r, dir) = try trainInto("DIR")
        assertError(r, 1, "\(dir.path): is a directory; --out needs a file name")
    }

    func testOutputInANonWritableDirectory() throws {
        try XCTSkipIf(
            geteuid() == 0,
            "tests run as root here, and root writes into any directory; testOutputUnderARegularFile covers an unwritable path")
        let locked = try TempDir()
        XCTAssertEqual(chmod(locked.path, 0o500), 0)
        defer { chmod(locked.path, 0o700) }
        let (r, _) = try trainInto(locked.path + "/m.safetensors")
        assertError(r, 1, "\(locked.path)/m.safetensors: directory \(locked.path) is not writable")
    }
}
