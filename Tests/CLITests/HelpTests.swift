import Formats
// What --help and the manual page say, generated from the flag and example declarations: defaults
// that differ between images and tables are shown for both (and are the ones a run uses), no flag
// states two defaults, and the examples are real command lines that the parser accepts.
import Foundation
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

final class HelpTests: XCTestCase {
    func help(_ command: String) throws -> String {
        let r = try MLP.run([command, "--help"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout
    }

    func line(_ text: String, flag: String) -> String? {
        text.split(separator: "\n").first { $0.hasPrefix("  --\(flag) ") }.map(String.init)
    }

    func testNoFlagStatesTwoDefaults() throws {
        for c in CLI.commands {
            let text = try help(c.name)
            for f in c.flags {
                let l = try XCTUnwrap(line(text, flag: f.name), "mlp \(c.name) --help: --\(f.name)")
                XCTAssertLessThanOrEqual(l.components(separatedBy: "default").count - 1, 1, "mlp \(c.name) --help: \(l)")
            }
        }
        let predict = try help("predict")
        XCTAssertEqual(
            line(predict, flag: "delimiter"),
            "  --delimiter D           the CSV field delimiter: , ; tab or | (default: the training file's)")
    }

    /// The defaults that depend on the data are shown for both kinds, as TrainingDefaults has them.
    func testTrainHelpShowsTheImageAndTableDefaults() throws {
        let text = try help("train")
        let i = TrainingDefaults.images
        let t = TrainingDefaults.tables
        XCTAssertEqual(i.optimizer, .sgd)
        XCTAssertEqual(t.optimizer, .adam)
        XCTAssertTrue(line(text, flag: "optimizer")!.hasSuffix("(default: images sgd; tables adam)"), text)
        XCTAssertTrue(line(text, flag: "schedule")!.hasSuffix("(default: images constant; tables cosine)"), text)
        XCTAssertTrue(
            line(text, flag: "lr")!.hasSuffix("(default: images 0.05, or 0.001 with adam/adamw; tables 0.002, or 0.05 with sgd/nesterov)"),
            text)
        XCTAssertTrue(line(text, flag: "weight-decay")!.hasSuffix("(default: images 0; tables 0.0003; 0.01 with adamw)"), text)
        XCTAssertEqual("\(t.adamLR)", "0.002")
        XCTAssertEqual("\(t.weightDecay)", "0.0003")
        // The manual page and the zsh completion say the same.
        XCTAssertTrue(ManPage.text.contains(ManPage.escape("(default: images sgd; tables adam)")))
        XCTAssertTrue(Completions.zsh.contains(Completions.zshText("(default: images sgd; tables adam)")))
    }

    /// What a run with no optimizer flags uses is what --help says, for each kind of data.
    func testTheDefaultsShownAreTheDefaultsUsed() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 64)
        let images = try MLP.run(["train", "--data", dir.path, "--epochs", "1", "--hidden", "4", "--out", dir.file("i.safetensors")])
        XCTAssertTrue(images.stderr.contains(", sgd lr 0.05 momentum 0.9, batch"), images.stderr)
        let iris = VerbosityTests.iris
        let table = try MLP.run(["train", "--data", iris, "--epochs", "1", "--hidden", "4", "--out", dir.file("t.safetensors")])
        XCTAssertTrue(table.stderr.contains(", adam lr 0.002 weight-decay 0.0003 schedule cosine, batch"), table.stderr)
        let adamw = try MLP.run([
            "train", "--data", iris, "--epochs", "1", "--hidden", "4", "--optimizer", "adamw", "--out", dir.file("t.safetensors"),
        ])
        XCTAssertTrue(adamw.stderr.contains(", adamw lr 0.002 weight-decay 0.01 schedule cosine, batch"), adamw.stderr)
        let sgd = try MLP.run([
            "train", "--data", iris, "--epochs", "1", "--hidden", "4", "--optimizer", "sgd", "--out", dir.file("t.safetensors"),
        ])
        XCTAssertTrue(sgd.stderr.contains(", sgd lr 0.05 momentum 0.9 weight-decay 0.0003 schedule cosine, batch"), sgd.stderr)
    }

    // MARK: - Examples

    /// Each mlp command line in a piece of shell: the words after "mlp", up to ;, |, > or &&, with
    /// quotes removed and each loop variable replaced by its first value.
    static func invocations(_ shell: String) -> [[String]] {
        var words: [String] = []
        var word = ""
        var quote: Character?
        for ch in shell {
            if let q = quote {
                if ch == q { quote = nil } else { word.append(ch) }
            } else if ch == "\"" || ch == "'" {
                quote = ch
            } else if ch == " " || ch == ";" || ch == "|" || ch == ">" {
                if !word.isEmpty {
                    words.append(word)
                    word = ""
                }
                if ch != " " { words.append(String(ch)) }
            } else {
                word.append(ch)
            }
        }
        if !word.isEmpty { words.append(word) }
        var variables: [String: String] = [:]
        for (i, w) in words.enumerated() where w == "for" && i + 3 < words.count && words[i + 2] == "in" {
            variables[words[i + 1]] = words[i + 3]
        }
        var out: [[String]] = []
        var i = 0
        while i < words.count {
            if words[i] == "mlp" {
                var args: [String] = []
                i += 1
                while i < words.count, ![";", "|", ">", "&&"].contains(words[i]) {
                    var w = words[i]
                    for (name, value) in variables { w = w.replacingOccurrences(of: "$" + name, with: value) }
                    args.append(w)
                    i += 1
                }
                out.append(args)
            }
            i += 1
        }
        return out
    }

    func testEveryExampleIsACommandLineTheParserAccepts() throws {
        var total = 0
        for c in CLI.commands {
            for e in c.examples {
                let lines = Self.invocations(e.shell)
                XCTAssertFalse(lines.isEmpty, e.shell)
                for args in lines {
                    let command = try XCTUnwrap(CLI.commands.first { $0.name == args.first }, e.shell)
                    let a = try Arguments(args.dropFirst(), flags: command.flags, command: command.name, positional: command.positional)
                    // The typed reads accept every value.
                    switch command.name {
                    case "train":
                        _ = try TrainCommand.Options(a)
                        _ = try TrainingConfiguration(a)
                    case "evaluate": _ = try EvaluateCommand.Options(a)
                    case "predict": _ = try PredictCommand.Options(a)
                    case "calibrate": _ = try CalibrateCommand.Options(a)
                    case "importance": _ = try ImportanceCommand.Options(a)
                    case "config": _ = try ConfigCommand.Options(a)
                    case "search":
                        _ = try SearchCommand.Options(a)
                        _ = try SearchSpaceFlags.split(a, positional: nil)
                    case "cv":
                        _ = try CVCommand.Options(a)
                        _ = try TrainingConfiguration(a)
                    default: XCTFail("no reader for \(command.name)")
                    }
                    total += 1
                }
            }
        }
        XCTAssertGreaterThanOrEqual(total, 5)
        XCTAssertEqual(
            Self.invocations("for lr in 0.1 0.3; do mlp train --lr \"$lr\" --out \"m-$lr\" > \"r-$lr.json\"; done"),
            [["train", "--lr", "0.1", "--out", "m-0.1"]])
    }

    func testTrainHasAnImageRunATableRunAndASweep() throws {
        let train = Examples.train.map(\.shell)
        XCTAssertTrue(train.contains { $0.contains("--data data/mnist") && !$0.hasPrefix("for ") })
        XCTAssertTrue(train.contains { $0.contains(".csv") })
        XCTAssertTrue(train.contains { $0.hasPrefix("for ") && $0.contains("--silent") && $0.contains("--json") })
    }

    func testHelpAndTheManualPageShowTheExamples() throws {
        let man = ManPage.text
        XCTAssertTrue(man.contains("\n.SH EXAMPLES\n"))
        for c in CLI.commands where !c.examples.isEmpty {
            let text = try help(c.name)
            XCTAssertTrue(text.contains("\nexamples:\n"), c.name)
            for e in c.examples {
                XCTAssertTrue(text.contains("  # \(e.what)\n  \(e.shell)"), "mlp \(c.name) --help: \(e.shell)")
                XCTAssertTrue(man.contains(".nf\n\(ManPage.escape(e.shell))\n.fi\n"), "man page: \(e.shell)")
            }
        }
        // The manual page is well-formed roff, examples included (when man is installed).
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/man") else { return }
        let dir = try TempDir()
        try dir.write("mlp.1", Array(man.utf8))
        let r = try ProcessRunner.run(
            "/usr/bin/man", ["--warnings", "-E", "UTF-8", "-l", dir.file("mlp.1")],
            environment: ["MANWIDTH": "100", "PATH": "/usr/bin:/bin", "MANPAGER": "cat", "PAGER": "cat"])
        let text = r.stdout
        XCTAssertEqual(r.stderr, "")
        XCTAssertTrue(text.contains("for lr in 0.01 0.03 0.1 0.3; do mlp train --data data/mnist --lr \"$lr\""), text)
    }
}
