import Formats
// `mlp summary CHECKPOINT`: a checkpoint of any format (1 to 3, and this version's) is summarized
// like a model (the network table) with where the run stands, its configuration as flags, the
// monitors and the last epoch; and the configuration's flags read back as the same configuration.
import Foundation
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

final class CheckpointSummaryTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    func json(_ r: Run) throws -> JSONValue { try JSONValue.parse(Array(r.stdout.utf8)) }

    /// The network table: the lines from the header "#  layer" to the totals.
    func table(_ text: String) -> String {
        guard let start = text.range(of: "#  layer") else { return "" }
        return String(text[start.lowerBound...])
    }

    func testAFormatOneCheckpointIsSummarizedLikeAModel() throws {
        let path = Self.fixtures + "/v1-xor.ckpt"
        let r = try MLP.run(["summary", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(
            Array(lines.prefix(8)),
            [
                "checkpoint \(path): 2→8:relu,dropout:0.25,10, classification into 10 classes, loss cross_entropy (format 1, written by mlp 0.1.0)",
                "position: after epoch 2 of 2: the run is complete (resume with --epochs above 2 to train on); optimizer step 14",
                "training set: 40 examples, 7 steps of 6 an epoch",
                "configuration: --layers 8:relu,dropout:0.25,10 --optimizer sgd --lr 0.1 --momentum 0.9 --weight-decay 0 --schedule constant --epochs 2 --batch-size 6 --seed 5",
                "epoch 2: loss 0.8276, accuracy 0.5250, test loss 0.7589, test accuracy 0.5000",
                "made with 1 thread: resume with --threads 1 for the weights an uninterrupted run ends with",
                "resume: mlp train --resume \(path) --data … (the same training data; --epochs N to change the length)",
                "",
            ])
        XCTAssertTrue(r.stdout.hasSuffix("trainable parameters 114, non-trainable buffers 0, 456 bytes as float32\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("1  Dropout(0.25)  (None, 8)          0        0"), r.stdout)

        let j = try MLP.run(["summary", path, "--json"])
        XCTAssertEqual(j.status, 0, j.stderr)
        let v = try json(j)
        XCTAssertEqual(v["architecture"], "8:relu,dropout:0.25,10")
        XCTAssertEqual(v["input_shape"], [nil, 2])
        XCTAssertEqual(v["task"], "classification")
        XCTAssertEqual(v["classes"], 10)
        XCTAssertEqual(v["loss"], "cross_entropy")
        XCTAssertEqual(v["layers"]?.arrayCount, 3)
        XCTAssertEqual(v["trainable_parameters"], 114)
        XCTAssertEqual(v["checkpoint"]?["format_version"], 1)
        XCTAssertEqual(v["checkpoint"]?["epoch"], 2)
        XCTAssertEqual(v["checkpoint"]?["step_in_epoch"], 0)
        XCTAssertEqual(v["checkpoint"]?["steps_per_epoch"], 7)
        XCTAssertEqual(v["checkpoint"]?["complete"], true)
        XCTAssertEqual(v["checkpoint"]?["history"]?.arrayCount, 2)
        XCTAssertEqual(v["config"]?["outputs"], 10)
        XCTAssertEqual(v["config"]?["network"], ["layers": "8:relu,dropout:0.25,10"])
    }

    /// A run interrupted mid-epoch (with a validation split, early stopping and a plateau), then
    /// finished: the checkpoint's table is the finished model's, and the position is the step.
    func testAnInterruptedRunIsSummarizedAtItsStep() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 96)
        let ckpt = dir.file("run.ckpt")
        let model = dir.file("m.safetensors")
        // 72 training images after the split, batch 16: 5 steps an epoch; step 7 is epoch 2's second.
        let flags = [
            "train", "--data", dir.path, "--layers", "12:relu,batchnorm,6:tanh,4", "--batch-size", "16", "--epochs", "4",
            "--validation-split", "0.25", "--early-stopping", "3", "--reduce-lr-on-plateau", "0.5,2", "--threads", "1",
            "--checkpoint", ckpt, "--out", model, "--quiet",
        ]
        let t = try MLP.run(["--interrupt-after", "7"] + flags, executable: MLP.driver)
        XCTAssertEqual(t.status, 130, t.stderr)
        let r = try MLP.run(["summary", ckpt])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(
            lines.first,
            "checkpoint \(ckpt): 16→12:relu,batchnorm,6:tanh,4, classification into 4 classes, loss cross_entropy (format 4, written by mlp \(CLI.version))"
        )
        XCTAssertTrue(lines.contains("position: in epoch 2 of 4, after step 2 of 5; optimizer step 7"), r.stdout)
        XCTAssertTrue(lines.contains("training set: 72 examples, 5 steps of 16 an epoch"), r.stdout)
        XCTAssertTrue(
            lines.contains(
                "configuration: --layers 12:relu,batchnorm,6:tanh,4 --optimizer sgd --lr 0.05 --momentum 0.9 --weight-decay 0 --schedule constant --epochs 4 --batch-size 16 --seed 1 --validation-split 0.25 --early-stopping 3 --reduce-lr-on-plateau 0.5,2"
            ), r.stdout)
        XCTAssertTrue(
            lines.contains {
                $0.hasPrefix("early stopping on val_loss (patience 3): best ")
                    && $0.hasSuffix(" at epoch 1 (its weights kept), 0 epochs without improvement")
            }, r.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("reduce-lr-on-plateau on val_loss (patience 2, factor 0.5): best ") }, r.stdout)
        XCTAssertTrue(
            lines.contains { $0.hasPrefix("epoch 1: loss ") && $0.contains(", val loss ") && $0.contains(", test accuracy ") }, r.stdout)
        let v = try json(try MLP.run(["summary", ckpt, "--json"]))
        XCTAssertEqual(v["checkpoint"]?["epoch"], 1)
        XCTAssertEqual(v["checkpoint"]?["step_in_epoch"], 2)
        XCTAssertEqual(v["checkpoint"]?["optimizer_step"], 7)
        XCTAssertEqual(v["checkpoint"]?["complete"], false)
        XCTAssertEqual(v["checkpoint"]?["best_epoch"], 1)
        XCTAssertEqual(v["checkpoint"]?["early_stopping"]?["patience"], 3)
        XCTAssertEqual(v["checkpoint"]?["reduce_lr_on_plateau"]?["factor"], .number(0.5))
        XCTAssertEqual(v["non_trainable_buffers"], 24, "batch norm's running mean and variance")

        // Finished, the model has the network the checkpoint showed.
        let resumed = try MLP.run(["train", "--resume", ckpt, "--data", dir.path, "--threads", "1", "--out", model, "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let m = try MLP.run(["summary", model])
        XCTAssertEqual(table(m.stdout), table(r.stdout))
        XCTAssertFalse(table(r.stdout).isEmpty)
    }

    /// A checkpoint written now, rewritten as an earlier format would have it (no "task"; format 2
    /// without the momentum key), at `path`.
    func older(_ path: String, version: Int, dropping keys: Set<String> = []) throws -> String {
        var file = try Safetensors.read(path: path)
        let dropped = keys.union(["task"]).union(version < 3 ? ["momentum_buffer_scaled"] : [])
        file.metadata = file.metadata.filter { !dropped.contains($0.0) }.map { $0.0 == "format_version" ? ($0.0, "\(version)") : $0 }
        let out = path + ".v\(version)"
        try Safetensors.write(file, to: out)
        return out
    }

    func testFormatsTwoAndThreeWithoutTheTaskAreSummarized() throws {
        let dir = try TempDir()
        var text = "a,b,c,y\n"
        for i in 0..<80 { text += "\(i % 9),\(i % 5),\(i % 3),\(Double(i % 9) * 2.5 - Double(i % 5))\n" }
        try dir.write("r.csv", Array(text.utf8))
        let ckpt = dir.file("r.ckpt")
        let t = try MLP.run([
            "train", "--data", dir.file("r.csv"), "--hidden", "6,5", "--epochs", "2", "--optimizer", "sgd", "--threads", "1",
            "--checkpoint", ckpt, "--out", dir.file("r.safetensors"), "--quiet",
        ])
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertEqual(try Safetensors.read(path: ckpt).metadataValue(for: "task"), "regression", "recorded now")
        for version in [2, 3] {
            let path = try older(ckpt, version: version)
            let r = try MLP.run(["summary", path])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(
                r.stdout.split(separator: "\n").first.map(String.init),
                "checkpoint \(path): 3→6:relu,5:relu,1, regression of 1 target, loss mse (format \(version), written by mlp \(CLI.version))",
                "the history has no accuracy: a regression")
            XCTAssertTrue(
                r.stdout.contains(
                    "configuration: --hidden 6,5 --optimizer sgd --lr 0.05 --momentum 0.9 --weight-decay 0.0003 --schedule cosine --epochs 2"
                ), r.stdout)
            XCTAssertTrue(r.stdout.contains("epoch 2: loss "), r.stdout)
        }
        // Nothing tells the task: the summary says so rather than guess.
        let bare = try older(ckpt, version: 3, dropping: ["history"])
        let r = try MLP.run(["summary", bare])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(
            r.stdout.hasPrefix("checkpoint \(bare): 3→6:relu,5:relu,1, 1 outputs (the task is not recorded), loss the task's default"),
            r.stdout)
        XCTAssertEqual(try json(try MLP.run(["summary", bare, "--json"]))["task"], .null)
    }

    func testACheckpointThatDoesNotFitItsConfigurationIsAOneLineError() throws {
        let dir = try TempDir()
        var file = try Safetensors.read(path: Self.fixtures + "/v1-xor.ckpt")
        file.metadata = file.metadata.map {
            $0.0 == "train_config"
                ? ($0.0, #"{"layers":"9:relu,dropout:0.25,10","optimizer":"sgd","lr":"0.1","epochs":"2","batch-size":"6","seed":"5"}"#) : $0
        }
        try Safetensors.write(file, to: dir.file("bad.ckpt"))
        let r = try MLP.run(["summary", dir.file("bad.ckpt")])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(
            r.stderr,
            "error: \(dir.file("bad.ckpt")): checkpoint tensor 'model.layers.0.weight' has 16 values, which no input width gives the configured network\n"
        )
        file.metadata = file.metadata.map {
            $0.0 == "train_config"
                ? ($0.0, #"{"layers":"4:relu,dropout:0.25,10","optimizer":"sgd","lr":"0.1","epochs":"2","batch-size":"6","seed":"5"}"#) : $0
        }
        try Safetensors.write(file, to: dir.file("bad.ckpt"))
        XCTAssertEqual(
            try MLP.run(["summary", dir.file("bad.ckpt")]).stderr,
            "error: \(dir.file("bad.ckpt")): checkpoint tensor 'model.layers.0.bias' has 8 values but the configured network 4→4:relu,dropout:0.25,10 needs 4\n"
        )
        // A model file is still summarized as a model, and other safetensors still refused.
        let model = try MLP.run(["summary", Self.fixtures + "/v1-xor-3-epochs.safetensors"])
        XCTAssertEqual(model.status, 0, model.stderr)
        XCTAssertTrue(model.stdout.hasPrefix("model "), model.stdout)
    }

    /// The configuration as flags reads back as the same configuration, whatever the data's defaults.
    func testTheConfigurationsFlagsReadBackAsTheSameConfiguration() throws {
        let cases: [[String]] = [
            [],
            ["--optimizer", "adam"],
            ["--optimizer", "adamw", "--beta1", "0.8", "--beta2", "0.99", "--lr", "0.003", "--warmup", "2"],
            ["--optimizer", "nesterov", "--momentum", "0.95", "--schedule", "step:3:0.5", "--clip-grad-norm", "1.5", "--max-norm", "3"],
            ["--layers", "32:gelu,dropout:0.1,batchnorm,16:leaky_relu,3", "--init", "xavier-uniform", "--loss", "cross_entropy:0.1"],
            [
                "--hidden", "64,32", "--activation", "tanh", "--validation-split", "0.2", "--early-stopping", "4", "--monitor",
                "val_accuracy",
                "--reduce-lr-on-plateau", "0.3,2",
            ],
            [
                "--target", "price,carat", "--task", "regression", "--categorical", "zip,code", "--missing", "median", "--delimiter", "tab",
                "--test-split", "0.15", "--loss", "huber:1.5", "--seed", "123456789012", "--epochs", "17", "--batch-size", "33",
            ],
            [
                "--delimiter", ";", "--missing", "most-frequent", "--validation-split", "0.1", "--reduce-lr-on-plateau", "0.5,1",
                "--monitor", "val_r2",
            ],
        ]
        for flags in cases {
            for defaults in [TrainingDefaults.images, .tables] {
                let config = try TrainingConfiguration(
                    Arguments(flags[...], flags: Flags.configuration, command: "train"), defaults: defaults)
                let words = config.commandLine
                for other in [TrainingDefaults.images, .tables] {
                    let back = try TrainingConfiguration(
                        Arguments(words[...], flags: Flags.configuration, command: "train"), defaults: other)
                    // Whether the splits stratify follows the data (a table's do), not a flag.
                    var expected = config
                    expected.stratify = other.stratify
                    XCTAssertEqual(back, expected, "\(flags) → \(words)")
                }
            }
        }
        let c = try TrainingConfiguration(
            Arguments(["--delimiter", ";", "--target", "a b"][...], flags: Flags.configuration, command: "train"))
        XCTAssertTrue(c.commandLineText.hasPrefix("--target 'a b' --delimiter ';' --hidden 128 --optimizer sgd"), c.commandLineText)
    }
}
