import Formats
// The typed training configuration: what the command line builds is what a checkpoint stores and
// reads back (its JSON form), a damaged stored configuration is a one-line error, and a checkpoint
// written by the previous mlp (format 1, flags stored as text) still resumes to the same weights.
import Foundation
import Model
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

final class ConfigurationTests: XCTestCase {
    func configuration(_ flags: [String]) throws -> TrainingConfiguration {
        try TrainingConfiguration(Arguments(flags[...], flags: TrainCommand.flags, command: "train"))
    }

    func testJSONRoundTripsEveryKindOfSetting() throws {
        let lines: [[String]] = [
            [],
            ["--hidden", "300,100", "--activation", "leaky_relu", "--epochs", "40", "--seed", "9223372036854775807"],
            [
                "--layers", "dropout:0.2,1024:relu,dropout:0.5,batchnorm:0.3,gelu,10", "--optimizer", "adamw", "--lr", "0.0003",
                "--beta1", "0.85", "--beta2", "0.995", "--weight-decay", "0.05", "--schedule", "step:3:0.7", "--warmup", "2",
            ],
            [
                "--optimizer", "nesterov", "--momentum", "0.95", "--clip-grad-norm", "1.5", "--init", "orthogonal",
                "--loss", "cross_entropy:0.1", "--batch-size", "256", "--validation-split", "0.1666",
                "--early-stopping", "4", "--monitor", "val_accuracy", "--reduce-lr-on-plateau", "0.3,2",
            ],
            // max-norm, network-wide and per layer (a checkpoint stores this same JSON)
            ["--layers", "dropout:0.2,1024:relu:maxnorm=2.5,512:maxnorm=4,10", "--max-norm", "3.5"],
        ]
        for flags in lines {
            let c = try configuration(flags)
            let text = c.json.serialized()
            let back = try TrainingConfiguration(json: try JSONValue.parse(Array(text.utf8))) { CLIError(.dataError, $0) }
            XCTAssertEqual(back, c, "\(flags) → \(text)")
            XCTAssertEqual(back.optimizerDescription, c.optimizerDescription)
        }
        let constrained = try configuration(lines.last!)
        XCTAssertEqual(constrained.maxNorm, 3.5)
        XCTAssertTrue(constrained.json.serialized().contains("1024:relu:maxnorm=2.5"), constrained.json.serialized())
    }

    func testADamagedStoredConfigurationIsAOneLineError() throws {
        let good = try configuration(["--lr", "0.1"]).json
        guard case .object(let members) = good else { return XCTFail() }
        func with(_ key: String, _ value: JSONValue) -> JSONValue {
            .object(members.map { $0.0 == key ? (key, value) : $0 })
        }
        let cases: [(JSONValue, String)] = [
            (with("lr", -1), "\"lr\" is a number, expected a number above 0"),
            (with("lr", "fast"), "\"lr\" is a string, expected a number above 0"),
            (with("epochs", 0), "\"epochs\" is a number, expected a whole number between 1 and 100000"),
            (with("batch_size", 2.5), "\"batch_size\" is a number, expected a whole number between 1 and 1048576"),
            (with("optimizer", "rmsprop"), "optimizer 'rmsprop' is not one of sgd, nesterov, adam, adamw"),
            (
                with("network", ["layers": "8:rleu,10"]),
                "network: bad layer '8:rleu' at position 1 of the architecture; accepted: N, N:ACT, N[:ACT]:maxnorm=C, ACT, dropout:P, batchnorm[:MOMENTUM], where ACT is one of relu, leaky_relu[:alpha], sigmoid, tanh, gelu, swish, silu, linear"
            ),
            (with("network", ["hidden": [0]]), "network \"hidden\" holds a number, expected widths from 1 to 1048576"),
            (with("seed", 12), "\"seed\" is a number, expected a string"),
            (.object(members + [("extra", 1)]), "has an unexpected member \"extra\""),
            (.array([]), "is an array, expected an object"),
        ]
        for (json, message) in cases {
            XCTAssertThrowsError(try TrainingConfiguration(json: json) { CLIError(.dataError, "C: \($0)") }) { e in
                XCTAssertEqual(CLIError.from(e).message, "C: " + message)
            }
        }
    }

    /// A checkpoint written by the previous mlp (format_version 1, the configuration as flag text)
    /// after 2 of 3 epochs on 40 XOR examples (`--layers 8:relu,dropout:0.25,10 --optimizer sgd
    /// --momentum 0.9 --lr 0.1 --batch-size 6 --seed 5 --threads 1`), and the model after epoch 3.
    /// Until dropout drew its masks per row (Dropout.swift), the expected model was the one that mlp
    /// wrote uninterrupted, and resuming here matched it up to the roundings of the fused momentum
    /// update; since then the third epoch draws other masks, and the expected model is that resume
    /// (same generator state, new rule), saved when the old comparison still held for everything
    /// else. A state restored wrongly (moments, generators, the example order, the position) differs
    /// by far more than the tolerance.
    func testAFormatOneCheckpointResumesToTheSameWeights() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        let dir = try TempDir()
        let d = Synthetic.xor(count: 40, seed: 3)
        try Synthetic.writeMNISTLike(dir: dir, images: d.images, labels: d.labels, rows: 1, cols: 2)
        let ckpt = dir.file("v1.ckpt")
        try FileManager.default.copyItem(atPath: fixtures.appendingPathComponent("v1-xor.ckpt").path, toPath: ckpt)
        XCTAssertEqual(try Safetensors.read(path: ckpt).metadataValue(for: "format_version"), "1")
        let out = dir.file("m.safetensors")
        let r = try MLP.run(["train", "--resume", ckpt, "--data", dir.path, "--epochs", "3", "--threads", "1", "--quiet", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("epoch 3/3"), r.stderr)
        let expected = try Safetensors.read(path: fixtures.appendingPathComponent("v1-xor-3-epochs.safetensors").path)
        let got = try Safetensors.read(path: out)
        XCTAssertEqual(got.tensors.map(\.name), expected.tensors.map(\.name))
        for (a, b) in zip(got.tensors, expected.tensors) {
            let worst = zip(a.values, b.values).map { abs($0 - $1) / max(abs($1), 1e-2) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-5, a.name)
        }
        XCTAssertEqual(got.metadataValue(for: "classes"), "10", "that mlp gave every network ten outputs")
    }

    func testAFormatOneCheckpointThatCannotResumeSaysWhy() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        var file = try Safetensors.read(path: fixtures.appendingPathComponent("v1-xor.ckpt").path)
        file.metadata = file.metadata.map { $0.0 == "train_config" ? ($0.0, #"{"lr":"-1"}"#) : $0 }
        XCTAssertThrowsError(try Checkpoint.commandLineConfiguration(file, path: "old.ckpt")) { e in
            XCTAssertEqual(CLIError.from(e).message, "old.ckpt: checkpoint train_config: --lr must be positive, got -1")
        }
    }
}
