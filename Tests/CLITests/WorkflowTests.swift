import Formats
// The training workflow end to end, with real processes and real signals: interrupt and resume
// bit for bit, validation and early stopping, plateau, time budget, divergence, logs, display.
import Foundation
import XCTest

final class WorkflowTests: XCTestCase {
    func quadrants(_ dir: TempDir, count: Int = 256) throws { try Synthetic.quadrants(dir, count: count) }

    func tensors(_ path: String) throws -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: try Safetensors.read(path: path).tensors.map { ($0.name, $0.values) })
    }

    /// Runs mlp through the test driver, which signals the process after the given global steps.
    func runInterrupted(_ args: [String], after steps: [Int], signal: String = "INT") throws -> Run {
        try MLP.run(
            ["--interrupt-after", steps.map(String.init).joined(separator: ","), "--signal", signal] + args,
            executable: MLP.driver)
    }

    func testInterruptMidEpochAndResumeGivesBitIdenticalWeights() throws {
        try assertResumeIsBitIdentical(["--optimizer", "adam"])
    }

    /// SGD with momentum keeps μ·v in the buffers of large weights between fused steps (the first
    /// layer's 16 × 4,096 = 65,536 here), which the checkpoint records.
    func testResumeWithMomentumAndWeightDecayGivesBitIdenticalWeights() throws {
        try assertResumeIsBitIdentical(["--optimizer", "sgd", "--momentum", "0.9", "--weight-decay", "1e-3"], first: 4096)
    }

    func assertResumeIsBitIdentical(_ optimizer: [String], first units: Int = 12) throws {
        let dir = try TempDir()
        try quadrants(dir)
        let common =
            ["--data", dir.path, "--layers", "\(units):relu,dropout:0.25,8:tanh,batchnorm,4"] + optimizer + [
                "--epochs", "3", "--batch-size", "4", "--seed", "7", "--threads", "1", "--schedule", "cosine", "--quiet",
            ]
        let straight = dir.file("straight.safetensors")
        XCTAssertEqual(try MLP.run(["train", "--out", straight] + common).status, 0)

        let resumed = dir.file("resumed.safetensors")
        let ckpt = dir.file("run.ckpt")
        // 64 steps per epoch: the signal after global step 81 stops the run at step 17 of epoch 2.
        let r = try runInterrupted(["train", "--out", resumed, "--checkpoint", ckpt] + common, after: [81])
        XCTAssertEqual(r.status, 130, r.stderr)
        XCTAssertTrue(r.stderr.contains("mlp: interrupted at epoch 2, step 17 of 64; checkpoint written to \(ckpt)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("mlp: resume with: mlp train --resume \(ckpt)"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: resumed), "an interrupted run writes no model")

        let done = try MLP.run(["train", "--resume", ckpt, "--data", dir.path, "--out", resumed, "--threads", "1", "--quiet"])
        XCTAssertEqual(done.status, 0, done.stderr)
        XCTAssertTrue(done.stderr.contains("epoch 3/3"))
        XCTAssertFalse(done.stderr.contains("epoch 1/3"), "resuming does not redo epoch 1")
        let a = try tensors(straight)
        let b = try tensors(resumed)
        XCTAssertEqual(a.keys.sorted(), b.keys.sorted())
        for (k, v) in a { XCTAssertEqual(v, b[k], "tensor \(k) differs after resume") }
    }

    func testInterruptAtTheEndOfAnEpoch() throws {
        let dir = try TempDir()
        try quadrants(dir, count: 64)
        // 16 steps per epoch: a signal after step 32 is seen after the last step of epoch 2, which
        // then finishes (evaluation, checkpoint) and stops.
        let r = try runInterrupted(
            [
                "train", "--data", dir.path, "--epochs", "5", "--batch-size", "4", "--threads", "1",
                "--out", dir.file("m.safetensors"),
            ], after: [32])
        XCTAssertEqual(r.status, 130, r.stderr)
        XCTAssertTrue(r.stderr.contains("epoch 2/5"), r.stderr)
        XCTAssertTrue(
            r.stderr.contains("mlp: interrupted at epoch 2, step 16 of 16; checkpoint written to")
                || r.stderr.contains("mlp: interrupted at the end of epoch 2; checkpoint written to"), r.stderr)
    }

    func testSecondInterruptExitsAtOnceWithoutWriting() throws {
        let dir = try TempDir()
        try quadrants(dir)
        let ckpt = dir.file("c.ckpt")
        // Two signals within step 5: the second arrives before the first could be acted on.
        let r = try runInterrupted(
            [
                "train", "--data", dir.path, "--epochs", "50", "--batch-size", "4", "--checkpoint", ckpt,
                "--out", dir.file("m.safetensors"),
            ], after: [5, 5])
        XCTAssertEqual(r.status, 130)
        XCTAssertTrue(r.stderr.contains("interrupted again; exiting now without writing anything"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ckpt))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [])
    }

    func testSIGTERMAlsoCheckpoints() throws {
        let dir = try TempDir()
        try quadrants(dir)
        let r = try runInterrupted(
            [
                "train", "--data", dir.path, "--epochs", "50", "--batch-size", "4",
                "--out", dir.file("m.safetensors"),
            ], after: [3], signal: "TERM")
        XCTAssertEqual(r.status, 130)
        XCTAssertTrue(r.stderr.contains("mlp: interrupted at epoch 1, step 3 of 64"), r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("m.safetensors.ckpt")), "default checkpoint next to the model")
        XCTAssertTrue(r.stderr.contains("--checkpoint \(dir.file("m.safetensors.ckpt"))"), r.stderr)
    }

    /// The real thing once, with a real signal from outside, at whatever step it lands: the
    /// process still stops cleanly with a checkpoint.
    func testASignalFromOutside() throws {
        let dir = try TempDir()
        try quadrants(dir)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: MLP.driver)
        p.arguments = [
            "--step-delay-ms", "2", "train", "--data", dir.path, "--epochs", "50", "--batch-size", "4",
            "--out", dir.file("m.safetensors"),
        ]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        var text = Data()
        while !String(decoding: text, as: UTF8.self).contains("mlp: network") {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text.append(chunk)
        }
        kill(p.processIdentifier, SIGINT)
        text.append(err.fileHandleForReading.readDataToEndOfFile())
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130, String(decoding: text, as: UTF8.self))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("m.safetensors.ckpt")))
    }

    func testResumeRefusesToChangeTheConfigurationAndModelFiles() throws {
        let dir = try TempDir()
        try quadrants(dir, count: 16)
        let ckpt = dir.file("c.ckpt")
        let model = dir.file("m.safetensors")
        XCTAssertEqual(try MLP.run(["train", "--data", dir.path, "--epochs", "1", "--checkpoint", ckpt, "--out", model]).status, 0)
        let r = try MLP.run(["train", "--resume", ckpt, "--data", dir.path, "--lr", "0.5"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(
            r.stderr.split(separator: "\n").first,
            "error: --lr cannot change when resuming: the checkpoint fixes the training configuration (only --epochs may extend it)")
        let m = try MLP.run(["train", "--resume", model, "--data", dir.path])
        XCTAssertEqual(m.status, 1)
        XCTAssertEqual(m.stderr, "error: \(model): is a model file, not a checkpoint; --resume takes the file written by --checkpoint\n")
        // --epochs may extend a finished run
        let more = try MLP.run(["train", "--resume", ckpt, "--data", dir.path, "--epochs", "2", "--out", model])
        XCTAssertEqual(more.status, 0, more.stderr)
        XCTAssertTrue(more.stderr.contains("epoch 2/2"))
    }

    func testValidationEarlyStoppingPlateauAndLogs() throws {
        let dir = try TempDir()
        try quadrants(dir)
        let log = dir.file("log.jsonl")
        let csv = dir.file("log.csv")
        // Validation accuracy reaches 1 within a few epochs and cannot improve after that: the plateau
        // halves the rate and early stopping ends the run.
        let r = try MLP.run([
            "train", "--data", dir.path, "--validation-split", "0.25", "--early-stopping", "2", "--monitor", "val_accuracy",
            "--reduce-lr-on-plateau", "0.5,1", "--epochs", "40", "--lr", "0.3", "--batch-size", "8",
            "--log", log, "--log-csv", csv, "--out", dir.file("m.safetensors"), "--json",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("mlp: 192 training, 64 validation and 256 test images"), r.stderr)
        XCTAssertTrue(r.stderr.contains("val_loss "), r.stderr)
        let summary = try JSONValue.parse(Array(r.stdout.utf8))
        XCTAssertEqual(summary["stopped_early"], .bool(true), r.stderr)
        XCTAssertTrue(
            r.stderr.contains("mlp: early stopping: val_accuracy has not improved for 2 epoch(s); restoring the weights of epoch "),
            r.stderr)
        XCTAssertTrue(r.stderr.contains("learning rate now 0.15"), r.stderr)
        guard case .number(let runEpochs)? = summary["epochs_run"] else { return XCTFail("epochs_run") }
        XCTAssertLessThan(runEpochs, 40)

        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(Double(lines.count), runEpochs)
        let first = try JSONValue.parse(Array(lines[0].utf8))
        for key in [
            "epoch", "step", "lr", "loss", "accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy",
            "seconds", "samples_per_second", "grad_norm",
        ] {
            XCTAssertNotNil(first[key], key)
        }
        guard case .object(let norms)? = first["grad_norm"] else { return XCTFail("grad_norm") }
        XCTAssertEqual(norms.map(\.0), ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"])
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(
            rows.first,
            "epoch,step,lr,loss,accuracy,val_loss,val_accuracy,test_loss,test_accuracy,seconds,samples_per_second,grad_norm.layers.0.weight,grad_norm.layers.0.bias,grad_norm.layers.1.weight,grad_norm.layers.1.bias"
        )
        XCTAssertEqual(rows.count, lines.count + 1)
    }

    func testTrainPlotIsWellFormedSVGWithBothPanels() throws {
        let dir = try TempDir()
        try quadrants(dir, count: 32)
        let plot = dir.file("curves.svg")
        let r = try MLP.run([
            "train", "--data", dir.path, "--epochs", "3", "--validation-split", "0.25", "--plot", plot,
            "--out", dir.file("m.safetensors"),
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("trainable parameters"), "the layer table is shown at the start")
        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        let parsed = SVGProbe.parse(svg)
        XCTAssertTrue(parsed.ok, parsed.error)
        XCTAssertEqual(parsed.probe.root, "svg")
        XCTAssertTrue(parsed.probe.texts.contains("validation loss"), "\(parsed.probe.texts)")
        XCTAssertTrue(parsed.probe.texts.contains("train accuracy"), "\(parsed.probe.texts)")
    }

    func testEarlyStoppingNeedsAValidationSet() throws {
        let r = try MLP.run(["train", "--data", "x", "--early-stopping", "3"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(
            r.stderr.split(separator: "\n").first,
            "error: --early-stopping watches a validation set: add --validation-split F or --validation-images/--validation-labels")
    }

    func testDivergenceStopsWithExitFour() throws {
        let dir = try TempDir()
        try quadrants(dir, count: 64)
        let r = try MLP.run(["train", "--data", dir.path, "--lr", "1e30", "--epochs", "3", "--out", dir.file("m.safetensors")])
        XCTAssertEqual(r.status, 4, r.stderr)
        let last = r.stderr.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertTrue(last.hasPrefix("error: training diverged in epoch "), last)
        XCTAssertTrue(last.contains(": the loss became NaN;") || last.contains(": the loss became infinite;"), last)
        XCTAssertTrue(last.contains("try a lower --lr (it is 1e+30), --clip-grad-norm 1, or another --init"), last)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("m.safetensors")))
    }

    func testMaxSecondsStopsAfterTheEpoch() throws {
        let dir = try TempDir()
        try quadrants(dir, count: 32)
        let r = try MLP.run([
            "train", "--data", dir.path, "--epochs", "1000", "--max-seconds", "0.3", "--batch-size", "4",
            "--out", dir.file("m.safetensors"),
        ], )
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("--max-seconds 0.3 reached"), r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("m.safetensors")))
    }

    func testPipedOutputHasNoCarriageReturnsOrEscapes() throws {
        let dir = try TempDir()
        try quadrants(dir, count: 32)
        let r = try MLP.run(["train", "--data", dir.path, "--epochs", "2", "--out", dir.file("m.safetensors")])
        XCTAssertEqual(r.status, 0)
        XCTAssertFalse((r.stdout + r.stderr).contains("\r"))
        XCTAssertFalse((r.stdout + r.stderr).contains("\u{1B}"))
        XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.count, 2)
    }

    /// On a terminal (a pty from script(1)), the bar redraws in place.
    func testTerminalProgressBarRedrawsInPlace() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { throw XCTSkip("script(1) not installed") }
        let dir = try TempDir()
        try quadrants(dir, count: 64)
        let cmd =
            "env -u NO_COLOR TERM=xterm \(MLP.driver) --step-delay-ms 20 train --data \(dir.path) --epochs 1 --batch-size 4 --out \(dir.file("m.safetensors"))"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qec", cmd, "/dev/null"]
        let out = Pipe()
        p.standardOutput = out
        p.standardInput = Pipe()
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("\r\u{1B}[2Kepoch 1/1 "), "the bar redraws with CR + erase-line: \(text.debugDescription)")
        XCTAssertTrue(text.contains("ETA"))
        XCTAssertTrue(text.contains("epoch 1/1  loss"), "then the plain epoch line")
    }
}
