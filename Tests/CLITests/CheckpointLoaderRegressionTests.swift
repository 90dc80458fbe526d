// Regressions for the checkpoint loader (Checkpoint.restore, what `mlp train --resume` runs), as
// Fuzz/CheckpointFuzz.swift feeds it: checkpoints whose counters lie. Each must be a one-line data
// error before training continues, never an overflow trap or a hang in the step schedule.
import Formats
import Model
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

final class CheckpointLoaderRegressionTests: XCTestCase {
    /// 10 images of 2×3 in 10 classes, batch 4: 3 steps an epoch.
    func makeRun(_ flags: [String]) throws -> TrainingSession {
        let a = try Arguments((["--hidden", "4", "--batch-size", "4"] + flags)[...], flags: TrainCommand.flags, command: "train")
        let data = Dataset(pixels: (0..<60).map { UInt8($0 * 4) }, labels: (0..<10).map { Int32($0) }, count: 10, rows: 2, cols: 3)
        return try TrainingSession(config: TrainingConfiguration(a), data: TrainingData(train: data, test: data, task: .classification))
    }

    /// A checkpoint after one epoch of `flags`, with `changes` to its metadata, restored into a
    /// fresh run (a key it lacks is added): the error message, or nil when it restores.
    func restoreError(_ changes: [(String, String)], _ flags: [String] = []) throws -> String? {
        let dir = try TempDir()
        let run = try makeRun(flags)
        _ = run.trainer.runEpoch(1, on: run.train)
        run.epoch = 1
        try Checkpoint.save(run, to: dir.file("c.ckpt"))
        var file = try Checkpoint.read(dir.file("c.ckpt"))
        for (k, v) in changes {
            file.metadata = file.metadata.contains { $0.0 == k } ? file.metadata.map { $0.0 == k ? (k, v) : $0 } : file.metadata + [(k, v)]
        }
        let fresh = try makeRun(flags)
        do throws(TrainingError) {
            try Checkpoint.restore(file, into: fresh, path: "C")
            return nil
        } catch {
            let error = CLIError.training(error)
            XCTAssertEqual(error.code, .dataError)
            XCTAssertFalse(error.message.contains("\n"))
            return error.message
        }
    }

    func testTheFixtureRestores() throws {
        XCTAssertNil(try restoreError([]))
        XCTAssertNil(try restoreError([("step", "6"), ("optimizer_step", "6"), ("seen", "10"), ("correct", "10")]))
    }

    /// With --schedule step:1, the learning rate looped step/steps-per-epoch times per step: a
    /// step count of 9e18 hung `mlp train --resume` (and SIGTERM only sets a flag).
    func testAHugeStepCountIsRefusedNotLoopedOver() throws {
        XCTAssertEqual(
            try restoreError([("step", "9000000000000000000")], ["--schedule", "step:1:0.5"]),
            "C: checkpoint metadata \"step\" (9000000000000000000) is more than 2 epoch(s) of 3 steps reach")
    }

    /// Counters at Int.max overflowed on the next step (Adam's bias correction on optimizer_step).
    func testCountersAtIntMaxAreRefused() throws {
        XCTAssertEqual(
            try restoreError([("optimizer_step", "9223372036854775807")], ["--optimizer", "adam"]),
            "C: checkpoint metadata \"optimizer_step\" (9223372036854775807) is more than 2 epoch(s) of 3 steps reach")
        XCTAssertEqual(
            try restoreError([("seen", "9223372036854775807"), ("correct", "1")]),
            "C: checkpoint metadata \"seen\" (9223372036854775807) and \"correct\" (1) do not fit an epoch of 10 training images")
        XCTAssertEqual(
            try restoreError([("seen", "10"), ("correct", "11")]),
            "C: checkpoint metadata \"seen\" (10) and \"correct\" (11) do not fit an epoch of 10 training images")
        XCTAssertEqual(
            try restoreError([("epoch", "9223372036854775807")]),
            "C: checkpoint metadata \"epoch\" (9223372036854775807) is more than the 100000 epochs mlp trains")
    }

    /// SGD with momentum: a fused step leaves μ·v in the weights' part of the buffer, but the
    /// checkpoint stores v (format 4, no key about it) and a restore holds v until the next fused
    /// step. A format 3 checkpoint says which it stored, and a restore takes it back; a version 2
    /// checkpoint, which has no such key, held v. Anything but 0 or 1 is refused, as is 1 for
    /// Nesterov, which keeps v itself.
    func testTheMomentumBufferScaleIsRecordedAndRestored() throws {
        let dir = try TempDir()
        let run = try makeRun([])
        _ = run.trainer.runEpoch(1, on: run.train)
        run.epoch = 1
        let sgd = try XCTUnwrap(run.optimizer as? SGD)
        XCTAssertTrue(sgd.momentumBufferScaled, "a fused epoch leaves μ·v")
        try Checkpoint.save(run, to: dir.file("c.ckpt"))
        var file = try Checkpoint.read(dir.file("c.ckpt"))
        XCTAssertEqual(file.metadataValue(for: "format_version"), "4")
        XCTAssertNil(file.metadataValue(for: "momentum_buffer_scaled"), "the buffer is stored as v")
        let fresh = try makeRun([])
        (fresh.optimizer as? SGD)?.momentumBufferScaled = true
        try Checkpoint.restore(file, into: fresh, path: "C")
        XCTAssertFalse(try XCTUnwrap(fresh.optimizer as? SGD).momentumBufferScaled, "restored, the buffers hold v")

        func version3(_ scaled: String) -> SafetensorsFile {
            var f = file
            f.metadata = f.metadata.map { $0.0 == "format_version" ? ($0.0, "3") : $0 } + [("momentum_buffer_scaled", scaled)]
            return f
        }
        let three = try makeRun([])
        try Checkpoint.restore(version3("1"), into: three, path: "C")
        XCTAssertTrue(try XCTUnwrap(three.optimizer as? SGD).momentumBufferScaled, "a format 3 checkpoint's μ·v is taken back as it is")
        try Checkpoint.restore(version3("0"), into: three, path: "C")
        XCTAssertFalse(try XCTUnwrap(three.optimizer as? SGD).momentumBufferScaled)

        file.metadata = file.metadata.map { $0.0 == "format_version" ? ($0.0, "2") : $0 }
        let old = try makeRun([])
        (old.optimizer as? SGD)?.momentumBufferScaled = true
        try Checkpoint.restore(file, into: old, path: "C")
        XCTAssertFalse(try XCTUnwrap(old.optimizer as? SGD).momentumBufferScaled, "version 2 buffers hold v")

        XCTAssertEqual(
            try restoreError([("format_version", "3"), ("momentum_buffer_scaled", "2")]),
            "C: checkpoint metadata \"momentum_buffer_scaled\" is '2', expected 0 or 1")
        XCTAssertEqual(
            try restoreError([("format_version", "3")]),
            "C: checkpoint metadata \"momentum_buffer_scaled\" is missing, expected 0 or 1")
        XCTAssertNil(try restoreError([("momentum_buffer_scaled", "2")]), "format 4 has no such key to read")
        XCTAssertNil(try restoreError([], ["--optimizer", "nesterov"]))
    }

    func testAScaledBufferForNesterovIsRefused() throws {
        let dir = try TempDir()
        let run = try makeRun(["--optimizer", "nesterov"])
        _ = run.trainer.runEpoch(1, on: run.train)
        try Checkpoint.save(run, to: dir.file("c.ckpt"))
        var file = try Checkpoint.read(dir.file("c.ckpt"))
        XCTAssertNil(file.metadataValue(for: "momentum_buffer_scaled"))
        file.metadata = file.metadata.map { $0.0 == "format_version" ? ($0.0, "3") : $0 } + [("momentum_buffer_scaled", "1")]
        let fresh = try makeRun(["--optimizer", "nesterov"])
        do throws(TrainingError) {
            try Checkpoint.restore(file, into: fresh, path: "C")
            XCTFail("restored")
        } catch {
            XCTAssertEqual(
                error.description, "C: checkpoint metadata \"momentum_buffer_scaled\" is '1', but Nesterov momentum keeps v itself")
        }
    }
}
