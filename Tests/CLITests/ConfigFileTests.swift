import Formats
// Configuration files: `mlp config` prints a model's or checkpoint's training configuration as a
// file for `--config`, which trains the same tensors again (through a regular file, a FIFO and a
// process substitution's /dev/fd path); flags override the file; the stored configuration's own
// JSON reads as a file; a mistake is one line naming the key.
import Foundation
import XCTest

@testable import MLPCLI
@testable import Training

final class ConfigFileTests: XCTestCase {
    let iris = Package.path("data/tabular/iris.csv.gz")

    /// A model trained with many non-default settings, and its checkpoint.
    func trained(_ dir: TempDir) throws -> (model: String, checkpoint: String) {
        let r = try MLP.run([
            "train", "--data", iris, "--target", "species", "--test-split", "0.2", "--hidden", "16,8",
            "--activation", "tanh", "--optimizer", "sgd", "--momentum", "0.8", "--lr", "0.03", "--weight-decay", "0.0001",
            "--epochs", "6", "--batch-size", "16", "--seed", "7", "--validation-split", "0.25",
            "--early-stopping", "4", "--monitor", "val_accuracy", "--reduce-lr-on-plateau", "0.5,2",
            "--threads", "1", "--quiet", "--out", dir.file("m.safetensors"), "--checkpoint", dir.file("m.ckpt"),
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        return (dir.file("m.safetensors"), dir.file("m.ckpt"))
    }

    func tensors(_ path: String) throws -> [String: [UInt32]] {
        let f = try Safetensors.read(path: path)
        return Dictionary(uniqueKeysWithValues: f.tensors.map { ($0.name, $0.values.map(\.bitPattern)) })
    }

    func testConfigOfAModelTrainsItAgainBitForBit() throws {
        let dir = try TempDir()
        let (model, checkpoint) = try trained(dir)
        let printed = try MLP.run(["config", model])
        XCTAssertEqual(printed.status, 0, printed.stderr)
        XCTAssertEqual(try MLP.run(["config", checkpoint]).stdout, printed.stdout, "the checkpoint holds the same configuration")
        let json = try JSONValue.parse(Array(printed.stdout.utf8))
        XCTAssertEqual(json["momentum"], .number(0.8))
        XCTAssertNil(json["beta1"], "Adam's settings do not apply to SGD")
        try dir.write("c.json", Array(printed.stdout.utf8))
        let original = try tensors(model)

        // A regular file.
        let again = try MLP.run([
            "train", "--config", dir.file("c.json"), "--data", iris, "--threads", "1", "--quiet", "--out", dir.file("again.safetensors"),
        ])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try tensors(dir.file("again.safetensors")), original)

        // A process substitution (bash gives mlp a /dev/fd path to a pipe).
        let mlp = MLP.binary
        let substituted = try ProcessRunner.run(
            "/bin/bash",
            [
                "-c",
                "'\(mlp)' train --config <('\(mlp)' config '\(model)') --data '\(iris)' --threads 1 --quiet --out '\(dir.file("fd.safetensors"))'",
            ])
        XCTAssertEqual(substituted.status, 0, substituted.stderr)
        XCTAssertEqual(try tensors(dir.file("fd.safetensors")), original)

        // A FIFO.
        XCTAssertEqual(mkfifo(dir.file("fifo"), 0o600), 0)
        let fifo = try ProcessRunner.run(
            "/bin/bash",
            [
                "-c",
                "'\(mlp)' config '\(model)' > '\(dir.file("fifo"))' & '\(mlp)' train --config '\(dir.file("fifo"))' --data '\(iris)' --threads 1 --quiet --out '\(dir.file("fifo.safetensors"))'; wait",
            ])
        XCTAssertEqual(fifo.status, 0, fifo.stderr)
        XCTAssertEqual(try tensors(dir.file("fifo.safetensors")), original)
    }

    func testFlagsOverrideTheFileAndTheStoredJSONReadsAsAFile() throws {
        let dir = try TempDir()
        // train --json's "config" is the stored form (nested "network", "early_stopping").
        let first = try MLP.run([
            "train", "--data", iris, "--target", "species", "--layers", "8:relu,dropout:0.1,3", "--epochs", "3",
            "--validation-split", "0.2", "--early-stopping", "2", "--threads", "1", "--json", "--quiet", "--out", dir.file("a.safetensors"),
        ])
        XCTAssertEqual(first.status, 0, first.stderr)
        let stored = try XCTUnwrap(try JSONValue.parse(Array(first.stdout.utf8))["config"])
        try dir.write("stored.json", Array(stored.serialized().utf8))
        let again = try MLP.run([
            "train", "--config", dir.file("stored.json"), "--data", iris, "--threads", "1", "--quiet", "--out", dir.file("b.safetensors"),
        ])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try tensors(dir.file("b.safetensors")), try tensors(dir.file("a.safetensors")))

        // The command line wins: --epochs over the file's, --hidden over its "network".
        let over = try MLP.run([
            "train", "--config", dir.file("stored.json"), "--epochs", "2", "--hidden", "5", "--data", iris,
            "--threads", "1", "--quiet", "--json", "--out", dir.file("c.safetensors"),
        ])
        XCTAssertEqual(over.status, 0, over.stderr)
        let report = try JSONValue.parse(Array(over.stdout.utf8))
        XCTAssertEqual(report["epochs_run"], .number(2))
        XCTAssertEqual(report["architecture"], .string("5:relu,3"))
    }

    func testMistakesAreOneLineNamingTheKey() throws {
        let dir = try TempDir()
        for (text, expected) in [
            ("{\"weight_decy\": 0.1}", "unknown key \"weight_decy\"; did you mean \"weight_decay\"?"),
            ("{\"lr\": \"fast\"}", "\"lr\" is a string, expected a number (positive)"),
            ("{\"epochs\": 2.5}", "\"epochs\" is a number, expected a whole number between 1 and 100000"),
            ("{\"network\": {\"hiden\": [3]}}", "\"network\" has an unexpected member \"hiden\"; did you mean \"hidden\"?"),
            ("[1, 2]", "is an array, expected a JSON object of settings"),
            ("{\"lr\": -1}", "--lr must be positive, got -1"),
        ] {
            try dir.write("bad.json", Array(text.utf8))
            let r = try MLP.run(["train", "--config", dir.file("bad.json"), "--data", iris])
            XCTAssertEqual(r.status, 2, text)
            let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
            XCTAssertTrue(first.hasPrefix("error: ") && first.contains(expected), "\(text): \(r.stderr)")
        }
    }

    func testEveryConfigurationFlagHasAKey() throws {
        // A flag added to the configuration works in files without code of its own: its key is its
        // name with _ for -, and the key maps back to it.
        for f in Flags.configuration {
            XCTAssertEqual(ConfigurationFile.flag(forKey: ConfigurationFile.key(f))?.name, f.name)
            XCTAssertTrue(ConfigurationFile.acceptedKeys.contains(ConfigurationFile.key(f)))
        }
        // Every member the stored configuration writes is accepted.
        guard case .object(let members) = TrainingConfiguration().json else { return XCTFail() }
        for (k, _) in members { XCTAssertTrue(ConfigurationFile.acceptedKeys.contains(k), k) }
    }
}
