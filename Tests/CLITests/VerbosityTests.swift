import Formats
// --silent (or --quiet twice): for sweeps of many runs, nothing on stderr but warnings and errors,
// on every command that prints more than its results; stdout, the files and the exit code are
// those of a normal run.
import Foundation
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

final class VerbosityTests: XCTestCase {
    static let iris = Package.path("data/tabular/iris.csv.gz")

    func train(_ dir: TempDir, _ extra: [String]) throws -> Run {
        try MLP.run(["train", "--data", dir.path, "--epochs", "2", "--hidden", "8", "--out", dir.file("m.safetensors")] + extra)
    }

    func testSilentTrainingWritesNothingOnStderr() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir)
        let normal = try train(dir, [])
        XCTAssertEqual(normal.status, 0, normal.stderr)
        XCTAssertTrue(normal.stderr.contains("mlp: network "), normal.stderr)
        let quiet = try train(dir, ["--quiet"])
        XCTAssertFalse(quiet.stderr.contains("mlp: network "), quiet.stderr)
        XCTAssertEqual(quiet.stderr.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.count, 2, quiet.stderr)
        // Notes (the time budget ending the run) are not warnings.
        let noted = [
            "--validation-split", "0.25", "--early-stopping", "3", "--max-seconds", "0.000001",
            "--plot", dir.file("curves.svg"), "--log", dir.file("log.jsonl"),
        ]
        let loud = try train(dir, ["--quiet"] + noted)
        XCTAssertTrue(loud.stderr.contains("mlp: stopping after epoch 1: --max-seconds"), loud.stderr)
        for flags in [["--silent"], ["--quiet", "--quiet"], ["--quiet", "--silent"], ["--silent", "--json"]] {
            let r = try train(dir, flags + noted)
            XCTAssertEqual(r.status, 0, "\(flags): \(r.stderr)")
            XCTAssertEqual(r.stderr, "", "\(flags)")
            XCTAssertTrue(r.stdout.contains(flags.contains("--json") ? "\"test_accuracy\"" : "test accuracy "), r.stdout)
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("curves.svg")))
        }
        // The results are those of a normal run.
        let silent = try train(dir, ["--silent"])
        XCTAssertEqual(
            silent.stdout.split(separator: "\n").first?.split(separator: " ").prefix(5),
            normal.stdout.split(separator: "\n").first?.split(separator: " ").prefix(5), "the same test figures")
    }

    func testErrorsAndWarningsStillShow() throws {
        let dir = try TempDir()
        let bad = try MLP.run(["train", "--data", dir.file("nothing"), "--silent"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.hasPrefix("error: "), bad.stderr)

        // A table model, and rows with a category it never saw: predict warns, silent or not.
        try dir.write("train.csv", Array("age,city,class\n30,Paris,a\n40,Lyon,b\n35,Paris,a\n45,Lyon,b\n".utf8))
        try dir.write("rows.csv", Array("age,city\n33,Berlin\n".utf8))
        let model = dir.file("t.safetensors")
        let t = try MLP.run(["train", "--data", dir.file("train.csv"), "--epochs", "1", "--silent", "--out", model])
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertEqual(t.stderr, "")
        let warning =
            "mlp: warning: \(dir.file("rows.csv")): 1 value in 1 column not seen in training, encoded as all zeros (city: 'Berlin')\n"
        for flags in [[], ["--silent"]] {
            let p = try MLP.run(["predict", "--model", model, "--input", dir.file("rows.csv")] + flags)
            XCTAssertEqual(p.status, 0, p.stderr)
            XCTAssertEqual(p.stderr, warning, "\(flags)")
            XCTAssertTrue(p.stdout.hasPrefix("index,predicted,probability\n0,"), p.stdout)
        }
        // evaluate's gate failing is an error line, shown with --silent.
        try dir.write("test.csv", Array("age,city,class\n30,Paris,b\n40,Lyon,a\n".utf8))
        let gate = try MLP.run(["evaluate", "--model", model, "--data", dir.file("test.csv"), "--min-accuracy", "1", "--silent"])
        XCTAssertEqual(gate.status, 3, gate.stderr)
        XCTAssertTrue(gate.stderr.hasPrefix("error: accuracy "), gate.stderr)
    }

    func testEvaluateExportAndQuantizeAreSilentToo() throws {
        let dir = try TempDir()
        let model = dir.file("iris.safetensors")
        XCTAssertEqual(try MLP.run(["train", "--data", Self.iris, "--epochs", "1", "--silent", "--out", model]).status, 0)
        let plot = try MLP.run(["evaluate", "--model", model, "--data", Self.iris, "--plot", dir.file("cm.svg")])
        XCTAssertEqual(plot.stderr, "confusion matrix written to \(dir.file("cm.svg"))\n")
        let silentPlot = try MLP.run(["evaluate", "--model", model, "--data", Self.iris, "--plot", dir.file("cm.svg"), "--silent"])
        XCTAssertEqual(silentPlot.status, 0, silentPlot.stderr)
        XCTAssertEqual(silentPlot.stderr, "")
        XCTAssertEqual(silentPlot.stdout, plot.stdout)
        for (args, said) in [
            (["export", "--model", model, "--out", dir.file("m.onnx")], "exported to"),
            (["quantize", "--model", model, "--out", dir.file("q.safetensors")], "INT8 model"),
        ] {
            let loud = try MLP.run(args)
            guard loud.status == 0 else { continue }  // a binary built without the INT8 back end
            XCTAssertTrue(loud.stderr.contains(said), loud.stderr)
            let r = try MLP.run(args + ["--silent"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stderr, "", args[0])
        }
    }

    /// An interrupted run says where its checkpoint is and how to resume, silent or not; the
    /// resume command keeps the verbosity.
    func testAnInterruptIsToldEvenWhenSilent() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir)
        let r = try MLP.run(
            [
                "--interrupt-after", "3", "train", "--data", dir.path, "--epochs", "2", "--quiet", "--quiet",
                "--out", dir.file("m.safetensors"),
            ], executable: MLP.driver)
        XCTAssertEqual(r.status, 130, r.stderr)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, r.stderr)
        XCTAssertTrue(lines[0].hasPrefix("mlp: interrupted at epoch 1, step 3 of "), r.stderr)
        XCTAssertTrue(lines[1].hasPrefix("mlp: resume with: mlp train --resume "), r.stderr)
        XCTAssertTrue(lines[1].contains(" --quiet --quiet"), r.stderr)
    }

    func testVerbosityFromTheCommandLine() throws {
        func verbosity(_ args: [String], _ command: String = "train") throws -> Verbosity {
            let c = CLI.commands.first { $0.name == command }!
            return Verbosity(try Arguments(args[...], flags: c.flags, command: command))
        }
        XCTAssertEqual(try verbosity([]), .normal)
        XCTAssertEqual(try verbosity(["--quiet"]), .quiet)
        XCTAssertEqual(try verbosity(["--quiet", "--quiet"]), .silent)
        XCTAssertEqual(try verbosity(["--quiet", "--quiet", "--quiet"]), .silent)
        XCTAssertEqual(try verbosity(["--silent"]), .silent)
        XCTAssertEqual(try verbosity(["--silent"], "predict"), .silent)
        XCTAssertEqual(try verbosity([], "summary"), .normal)
        // Other switches are still refused twice.
        XCTAssertThrowsError(try verbosity(["--silent", "--silent"]))
        XCTAssertThrowsError(try verbosity(["--json", "--json"]))
    }
}
