// Regressions for the checkpoint loader (Checkpoint.restore, what `mlp train --resume` runs), as
// Fuzz/CheckpointFuzz.swift feeds it: checkpoints whose counters lie. Each must be a one-line data
// error before training continues, never an overflow trap or a hang in the step schedule.
import Formats
import Model
import XCTest
@testable import MLPCLI

final class CheckpointLoaderRegressionTests: XCTestCase {
    /// 10 images of 2×3 in 10 classes, batch 4: 3 steps an epoch.
    func makeRun(_ flags: [String]) throws -> TrainingSession {
        let a = try Arguments((["--hidden", "4", "--batch-size", "4"] + flags)[...], flags: TrainCommand.flags, command: "train")
        let data = Dataset(pixels: (0..<60).map { UInt8($0 * 4) }, labels: (0..<10).map { Int32($0) }, count: 10, rows: 2, cols: 3)
        return try TrainingSession(config: TrainingConfiguration(a), data: TrainingData(train: data, test: data))
    }

    /// A checkpoint after one epoch of `flags`, with `changes` to its metadata, restored into a
    /// fresh run: the error message, or nil when it restores.
    func restoreError(_ changes: [(String, String)], _ flags: [String] = []) throws -> String? {
        let dir = try TempDir()
        let run = try makeRun(flags)
        _ = run.trainer.runEpoch(1, on: run.train)
        run.epoch = 1
        try Checkpoint.save(run, to: dir.file("c.ckpt"))
        var file = try Checkpoint.read(dir.file("c.ckpt"))
        for (k, v) in changes { file.metadata = file.metadata.map { $0.0 == k ? (k, v) : $0 } }
        let fresh = try makeRun(flags)
        do throws(CLIError) {
            try Checkpoint.restore(file, into: fresh, path: "C")
            return nil
        } catch {
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
        XCTAssertEqual(try restoreError([("step", "9000000000000000000")], ["--schedule", "step:1:0.5"]),
                       "C: checkpoint metadata \"step\" (9000000000000000000) is more than 2 epoch(s) of 3 steps reach")
    }

    /// Counters at Int.max overflowed on the next step (Adam's bias correction on optimizer_step).
    func testCountersAtIntMaxAreRefused() throws {
        XCTAssertEqual(try restoreError([("optimizer_step", "9223372036854775807")], ["--optimizer", "adam"]),
                       "C: checkpoint metadata \"optimizer_step\" (9223372036854775807) is more than 2 epoch(s) of 3 steps reach")
        XCTAssertEqual(try restoreError([("seen", "9223372036854775807"), ("correct", "1")]),
                       "C: checkpoint metadata \"seen\" (9223372036854775807) and \"correct\" (1) do not fit an epoch of 10 training images")
        XCTAssertEqual(try restoreError([("seen", "10"), ("correct", "11")]),
                       "C: checkpoint metadata \"seen\" (10) and \"correct\" (11) do not fit an epoch of 10 training images")
        XCTAssertEqual(try restoreError([("epoch", "9223372036854775807")]),
                       "C: checkpoint metadata \"epoch\" (9223372036854775807) is more than the 100000 epochs mlp trains")
    }
}
