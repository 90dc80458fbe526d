import Formats
// What `mlp train --json` says about the run: the configuration that was trained (as a checkpoint
// stores it, so a sweep's results need no hand-tagging and a result reads back as a configuration),
// and times to the microsecond rather than 17 digits (as `evaluate --json` gives them, with its
// figures to float precision).
import Foundation
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

final class TrainJSONTests: XCTestCase {
    /// Every member whose name holds "seconds", at any depth, with its number as printed.
    func secondsFields(_ v: JSONValue) -> [(name: String, text: String)] {
        switch v {
        case .object(let members):
            return members.flatMap { k, x -> [(name: String, text: String)] in
                if k.contains("seconds"), case .number(let d) = x { return [(k, JSONValue.format(d))] }
                return secondsFields(x)
            }
        case .array(let items): return items.flatMap(secondsFields)
        default: return []
        }
    }

    func testTrainJSONCarriesTheConfigurationAndMicrosecondTimes() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 64)
        let flags = [
            "--hidden", "16,8", "--activation", "tanh", "--optimizer", "adam", "--lr", "0.01", "--schedule", "cosine",
            "--batch-size", "16", "--epochs", "2", "--seed", "7", "--validation-split", "0.25",
        ]
        let r = try MLP.run(
            ["train", "--data", dir.path, "--threads", "1", "--out", dir.file("m.safetensors"), "--json", "--quiet"] + flags)
        XCTAssertEqual(r.status, 0, r.stderr)
        let v = try JSONValue.parse(Array(r.stdout.utf8))
        // Times: every *seconds member, top level and per epoch, to the microsecond.
        let times = secondsFields(v)
        XCTAssertEqual(
            Set(times.map(\.name)),
            [
                "seconds", "eval_seconds", "train_seconds", "seconds_per_epoch", "evaluation_seconds",
                "data_load_seconds", "startup_seconds",
            ])
        for (name, text) in times {
            guard let x = Double(text) else {
                XCTFail("\(name): '\(text)'")
                continue
            }
            XCTAssertEqual((x * 1e6).rounded() / 1e6, x, "\(name) \(text)")
            XCTAssertLessThanOrEqual(text.count, 14, "\(name) \(text): a few digits, not 17")
        }

        XCTAssertEqual(v["architecture"], "16:tanh,8:tanh,4")
        guard let config = v["config"] else { return XCTFail("no config: \(r.stdout)") }
        XCTAssertEqual(config["network"], ["hidden": [16, 8], "activation": "tanh"])
        XCTAssertEqual(config["optimizer"], "adam")
        XCTAssertEqual(config["lr"], .number(0.01))
        XCTAssertEqual(config["schedule"], "cosine")
        XCTAssertEqual(config["batch_size"], 16)
        XCTAssertEqual(config["epochs"], 2)
        XCTAssertEqual(config["seed"], "7")
        XCTAssertEqual(config["validation_split"], .number(0.25))
        // The same members as a checkpoint's configuration: it reads back as what the flags made.
        let fromFlags = try TrainingConfiguration(Arguments(flags[...], flags: Flags.configuration, command: "train"))
        let read = try TrainingConfiguration(json: config) { CLIError(.dataError, $0) }
        XCTAssertEqual(read, fromFlags)
        XCTAssertEqual(config, fromFlags.json)
        guard case .array(let epochs)? = v["epochs"] else { return XCTFail(r.stdout) }
        XCTAssertEqual(epochs.count, 2, "\"epochs\" stays the per-epoch history; the count is in config")

    }

    func testATableRunsConfigurationHasTheResolvedTableDefaults() throws {
        let dir = try TempDir()
        var text = "a,b,label\n"
        for i in 0..<60 { text += "\(i % 7),\(i % 5),\(i % 2 == 0 ? "even" : "odd")\n" }
        try dir.write("t.csv", Array(text.utf8))
        let r = try MLP.run([
            "train", "--data", dir.file("t.csv"), "--test-split", "0.25", "--target", "label", "--epochs", "1",
            "--threads", "1", "--out", dir.file("t.safetensors"), "--json", "--quiet",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let v = try JSONValue.parse(Array(r.stdout.utf8))
        guard let config = v["config"] else { return XCTFail(r.stdout) }
        XCTAssertEqual(config["target"], ["label"])
        XCTAssertEqual(config["test_split"], .number(0.25))
        XCTAssertEqual(config["optimizer"], "adam", "the defaults a table trained with, not the images'")
        XCTAssertEqual(config["lr"], .number(0.002))
        XCTAssertEqual(config["schedule"], "cosine")
        XCTAssertNoThrow(try TrainingConfiguration(json: config) { CLIError(.dataError, $0) })
    }

    func testResumedRunsConfigurationHasTheNewEpochCount() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 64)
        let ckpt = dir.file("c.ckpt")
        let first = try MLP.run([
            "train", "--data", dir.path, "--hidden", "8", "--epochs", "1", "--threads", "1", "--checkpoint", ckpt,
            "--out", dir.file("a.safetensors"), "--quiet",
        ])
        XCTAssertEqual(first.status, 0, first.stderr)
        let r = try MLP.run([
            "train", "--data", dir.path, "--resume", ckpt, "--epochs", "3", "--threads", "1",
            "--out", dir.file("b.safetensors"), "--json", "--quiet",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let v = try JSONValue.parse(Array(r.stdout.utf8))
        XCTAssertEqual(v["config"]?["epochs"], 3)
        XCTAssertEqual(v["config"]?["network"], ["hidden": [8], "activation": "relu"])
    }

    func testEvaluateJSONGivesTimesToTheMicrosecondAndFiguresToFloatPrecision() throws {
        let dir = try TempDir()
        var text = "a,b,y\n"
        for i in 0..<90 {
            let a = Double(i % 9)
            let b = Double(i % 7)
            text += "\(a),\(b),\(a * 1.7 - b / 3 + Double(i % 4) * 0.37)\n"
        }
        try dir.write("r.csv", Array(text.utf8))
        let model = dir.file("r.safetensors")
        let t = try MLP.run(["train", "--data", dir.file("r.csv"), "--epochs", "2", "--threads", "1", "--out", model, "--quiet"])
        XCTAssertEqual(t.status, 0, t.stderr)
        let e = try MLP.run(["evaluate", "--model", model, "--data", dir.file("r.csv"), "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let v = try JSONValue.parse(Array(e.stdout.utf8))
        var figures: [(String, JSONValue?)] = ["rmse", "mae", "r2"].map { ($0, v[$0]) }
        if case .array(let targets)? = v["targets"], let first = targets.first {
            figures += ["rmse", "mae", "r2"].map { ("targets.\($0)", first[$0]) }
        }
        XCTAssertEqual(figures.count, 6, e.stdout)
        for (name, f) in figures {
            guard case .number(let x)? = f else {
                XCTFail("\(name): \(e.stdout)")
                continue
            }
            XCTAssertEqual(JSONValue.format(x), "\(Float(x))", "\(name): a float's digits, not a double's")
        }
        guard case .number(let seconds)? = v["seconds"] else { return XCTFail(e.stdout) }
        XCTAssertEqual((seconds * 1e6).rounded() / 1e6, seconds)
    }
}
