import Formats
// The epochs of a table trained without --epochs, end to end: until the validation loss stops
// improving (a stratified 20% held out, patience, an anneal on all the rows, at most 200 epochs), said
// in the banner; a table too small for a validation set trains a fixed 100 epochs; --epochs N trains
// exactly N; images keep their 5 epochs.
import Foundation
import XCTest

final class TableDefaultsTests: XCTestCase {
    func json(_ text: String) throws -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    /// `rows` rows of two numbers whose sum decides the label, one label in ten flipped (so that the
    /// validation loss has a floor it reaches soon).
    func noisy(_ dir: TempDir, rows: Int = 400) throws -> String {
        var rng = SeededGenerator(seed: 9)
        var text = "x,y,label\n"
        for _ in 0..<rows {
            let x = Double.random(in: -1...1, using: &rng)
            let y = Double.random(in: -1...1, using: &rng)
            let flip = Double.random(in: 0..<1, using: &rng) < 0.1
            text += "\(x),\(y),\((x + y > 0) != flip ? "yes" : "no")\n"
        }
        try dir.write("t.csv", Array(text.utf8))
        return dir.file("t.csv")
    }

    func int(_ v: JSONValue?) -> Int? {
        if case .number(let n)? = v { return Int(n) }
        return nil
    }

    func testWithoutEpochsATableTrainsUntilTheValidationLossStopsImproving() throws {
        let dir = try TempDir()
        let data = try noisy(dir)
        let r = try MLP.run(["train", "--data", data, "--threads", "1", "--json", "--out", dir.file("m.safetensors")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(
            r.stderr.contains(
                "mlp: no --epochs: training until val_loss stops improving: 320 rows for training and 80 (20%, stratified) for validation; after 10 epochs without improvement, the best epoch's weights train 20 more epochs on all 400 rows with the learning rate annealed to 0 (at most 200 epochs; --epochs N trains exactly N)\n"
            ), r.stderr)
        let result = try json(r.stdout)
        let run = try XCTUnwrap(int(result["epochs_run"]))
        XCTAssertLessThan(run, 200, "an easy table stops before the upper bound")
        XCTAssertEqual(result["stopped_early"], .bool(true))
        let anneal = r.stderr.split(separator: "\n").filter { $0.contains("annealing the learning rate to 0 over 20 epoch(s)") }
        XCTAssertEqual(anneal.count, 1, r.stderr)
        XCTAssertTrue(
            try XCTUnwrap(anneal.first, r.stderr).hasPrefix("mlp: val_loss has not improved for 10 epoch(s): from the weights of epoch "),
            r.stderr)
        guard case .array(let epochs)? = result["epochs"] else { return XCTFail(r.stdout) }
        XCTAssertEqual(epochs.count, run)
        // The anneal's 20 epochs: the learning rate falls towards 0, and the validation rows are trained on, not watched.
        let lrs = epochs.suffix(20).compactMap { e -> Double? in
            if case .number(let x)? = e["lr"] { return x }
            return nil
        }
        XCTAssertEqual(lrs.count, 20)
        XCTAssertEqual(lrs, lrs.sorted(by: >), "\(lrs)")
        XCTAssertLessThan(try XCTUnwrap(lrs.last), 0.0001)
        XCTAssertNil(try XCTUnwrap(epochs.last)["val_loss"], "the validation rows have rejoined the training rows")
        XCTAssertNotNil(try XCTUnwrap(epochs.first)["val_loss"])
        guard case .number(let accuracy)? = result["train_accuracy"] else { return XCTFail(r.stdout) }
        XCTAssertGreaterThan(accuracy, 0.8)
    }

    func testEpochsGivenTrainsExactlyThat() throws {
        let dir = try TempDir()
        let data = try noisy(dir)
        for n in [7, 230] {
            let r = try MLP.run([
                "train", "--data", data, "--epochs", "\(n)", "--threads", "1", "--json", "--out", dir.file("m.safetensors"),
            ])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(int(try json(r.stdout)["epochs_run"]), n)
            XCTAssertFalse(r.stderr.contains("no --epochs"), r.stderr)
            XCTAssertFalse(r.stderr.contains("validation"), r.stderr)
        }
    }

    func testWhatTheUserGivesIsKept() throws {
        let dir = try TempDir()
        let data = try noisy(dir)
        let r = try MLP.run([
            "train", "--data", data, "--validation-split", "0.3", "--early-stopping", "4", "--threads", "1", "--json", "--out",
            dir.file("m.safetensors"),
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(
            r.stderr.contains(
                "no --epochs: training until val_loss stops improving: 280 rows for training and 120 (30%, stratified) for validation; after 4 epochs without improvement"
            ), r.stderr)
    }

    func testASmallTableTrainsAFixedNumberOfEpochs() throws {
        let dir = try TempDir()
        let data = try noisy(dir, rows: 40)
        let r = try MLP.run(["train", "--data", data, "--threads", "1", "--json", "--out", dir.file("m.safetensors")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(
            r.stderr.contains(
                "mlp: no --epochs: 40 training rows are too few to hold out a validation set (fewer than 150): training 100 epochs\n"),
            r.stderr)
        XCTAssertEqual(int(try json(r.stdout)["epochs_run"]), 100)
    }

    func testImagesKeepTheirFiveEpochs() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 64)
        let r = try MLP.run(["train", "--data", dir.path, "--threads", "1", "--json", "--out", dir.file("m.safetensors")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(int(try json(r.stdout)["epochs_run"]), 5)
        XCTAssertFalse(r.stderr.contains("no --epochs"), r.stderr)
    }
}
