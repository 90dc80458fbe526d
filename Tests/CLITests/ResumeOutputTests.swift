import Formats
// --resume writes the model where the run it continues was writing it (the checkpoint records its
// --out), and says what happens when --epochs is not more than the checkpoint has trained.
import Foundation
import XCTest

final class ResumeOutputTests: XCTestCase {
    /// A small image dataset in `dir`, and the arguments that train on it (--resume takes the same
    /// but the configuration: `resuming`).
    func training(_ dir: TempDir) throws -> [String] {
        try Synthetic.quadrants(dir, count: 64)
        return ["--hidden", "8", "--batch-size", "4"] + resuming(dir)
    }

    func resuming(_ dir: TempDir) -> [String] { ["--data", dir.path, "--threads", "1", "--quiet"] }

    func metadata(_ path: String, _ key: String) throws -> String? {
        try Safetensors.read(path: path).metadataValue(for: key)
    }

    func bytes(_ path: String) -> [UInt8] { FileManager.default.contents(atPath: path).map { Array($0) } ?? [] }

    /// The issue's case: a run interrupted with --out and no --checkpoint, resumed with neither,
    /// from another directory, writes the run's model file (a relative --out is kept as the
    /// absolute path it named), not ./model.safetensors.
    func testResumeWithoutOutWritesTheRunsModelFile() throws {
        let dir = try TempDir()
        let elsewhere = try TempDir()
        let args = try training(dir)
        try FileManager.default.createDirectory(atPath: dir.file("models"), withIntermediateDirectories: false)
        // 16 steps per epoch: the signal after step 20 stops the run in epoch 2.
        let r = try MLP.run(
            ["--interrupt-after", "20", "--signal", "INT", "train", "--epochs", "3", "--out", "models/m.safetensors"] + args,
            cwd: dir.path, executable: MLP.driver)
        XCTAssertEqual(r.status, 130, r.stderr)
        let checkpoint = dir.file("models/m.safetensors.ckpt")
        XCTAssertEqual(try metadata(checkpoint, "out"), dir.file("models/m.safetensors"))

        let resumed = try MLP.run(["train", "--resume", checkpoint, "--data", dir.path, "--threads", "1"], cwd: elsewhere.path)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(
            resumed.stderr.contains(
                "mlp: resuming after epoch 1, step 4; the model goes to \(dir.file("models/m.safetensors")) (the run's --out)\n"),
            resumed.stderr)
        XCTAssertEqual(resumed.stdout.split(separator: "\n").last.map(String.init), "model written to \(dir.file("models/m.safetensors"))")
        XCTAssertEqual(try metadata(dir.file("models/m.safetensors"), "epochs"), "3")
        XCTAssertFalse(FileManager.default.fileExists(atPath: elsewhere.file("model.safetensors")), "no model in the current directory")

        // --out given on resume still wins.
        let other = try MLP.run([
            "train", "--resume", checkpoint, "--out", elsewhere.file("other.safetensors"), "--data", dir.path, "--threads", "1",
        ])
        XCTAssertEqual(other.status, 0, other.stderr)
        XCTAssertTrue(other.stderr.contains("mlp: resuming after epoch 1, step 4\n"), other.stderr)
        XCTAssertEqual(try metadata(elsewhere.file("other.safetensors"), "epochs"), "3")
    }

    /// A checkpoint written before the model file was recorded resumes to the default, and says so.
    func testACheckpointWithoutItsOutResumesToTheDefaultWithANote() throws {
        let dir = try TempDir()
        let elsewhere = try TempDir()
        let args = try training(dir)
        let checkpoint = dir.file("c.ckpt")
        XCTAssertEqual(
            try MLP.run(["train", "--epochs", "1", "--out", dir.file("m.safetensors"), "--checkpoint", checkpoint] + args).status, 0)
        var file = try Safetensors.read(path: checkpoint)
        XCTAssertNotNil(file.metadataValue(for: "out"))
        file.metadata.removeAll { $0.0 == "out" }
        try Safetensors.write(file, to: checkpoint)

        let r = try MLP.run(["train", "--resume", checkpoint, "--epochs", "2"] + resuming(dir), cwd: elsewhere.path)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(
            r.stderr.hasPrefix(
                "mlp: note: \(checkpoint) does not record the run's --out (an older mlp made it); the model goes to model.safetensors\n"),
            r.stderr)
        XCTAssertEqual(try metadata(elsewhere.file("model.safetensors"), "epochs"), "2")
    }

    func testFewerEpochsThanTheCheckpointTrainedAreRefused() throws {
        let dir = try TempDir()
        let args = try training(dir)
        let checkpoint = dir.file("c.ckpt")
        let model = dir.file("m.safetensors")
        XCTAssertEqual(try MLP.run(["train", "--epochs", "2", "--out", model, "--checkpoint", checkpoint] + args).status, 0)
        let before = bytes(model)
        let r = try MLP.run(["train", "--resume", checkpoint, "--epochs", "1"] + resuming(dir))
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertEqual(
            r.stderr.split(separator: "\n").first.map(String.init),
            "error: \(checkpoint) has already trained 2 epochs, more than --epochs 1; --epochs counts the run's epochs from the start: give --epochs 3 or more to train further"
        )
        XCTAssertTrue(bytes(model) == before, "the model is left as it was")

        // Partway through epoch 2 (16 steps per epoch): --epochs 1 cannot be reached again either.
        let partway = dir.file("p.ckpt")
        let i = try MLP.run(
            [
                "--interrupt-after", "20", "--signal", "INT", "train", "--epochs", "3", "--out", dir.file("p.safetensors"),
                "--checkpoint", partway,
            ] + args, executable: MLP.driver)
        XCTAssertEqual(i.status, 130, i.stderr)
        let p = try MLP.run(["train", "--resume", partway, "--epochs", "1"] + resuming(dir))
        XCTAssertEqual(p.status, 2, p.stderr)
        XCTAssertEqual(
            p.stderr.split(separator: "\n").first.map(String.init),
            "error: \(partway) has already trained 1 epoch and part of epoch 2, more than --epochs 1; --epochs counts the run's epochs from the start: give --epochs 2 or more to train further"
        )
    }

    /// A checkpoint that finished its run, resumed without more epochs: its model, as it is.
    func testResumingAFinishedRunWritesItsModelWithoutTraining() throws {
        let dir = try TempDir()
        let args = try training(dir)
        let checkpoint = dir.file("c.ckpt")
        let model = dir.file("m.safetensors")
        XCTAssertEqual(try MLP.run(["train", "--epochs", "2", "--out", model, "--checkpoint", checkpoint] + args).status, 0)
        let original = bytes(model)
        XCTAssertEqual(unlink(model), 0)
        let r = try MLP.run(["train", "--resume", checkpoint, "--data", dir.path, "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(
            r.stderr.contains(
                "mlp: the checkpoint has trained all 2 epochs; writing its model without training (--epochs above 2 trains further)\n"),
            r.stderr)
        XCTAssertFalse(r.stderr.contains("epoch 1/2") || r.stderr.contains("epoch 2/2"), r.stderr)
        XCTAssertTrue(bytes(model) == original, "the same model file as the run wrote")
    }
}
