// What --help and the manual page say, generated from the flag declarations: defaults that differ
// between images and tables are shown for both (and are the ones a run uses), and no flag states
// two defaults.
import Foundation
import XCTest
@testable import MLPCLI

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
        XCTAssertEqual(line(predict, flag: "delimiter"), "  --delimiter D       the CSV field delimiter: , ; tab or | (default: the training file's)")
    }

    /// The defaults that depend on the data are shown for both kinds, as TrainingDefaults has them.
    func testTrainHelpShowsTheImageAndTableDefaults() throws {
        let text = try help("train")
        let i = TrainingDefaults.images, t = TrainingDefaults.tables
        XCTAssertEqual(i.optimizer, .sgd)
        XCTAssertEqual(t.optimizer, .adam)
        XCTAssertTrue(line(text, flag: "optimizer")!.hasSuffix("(default: images sgd; tables adam)"), text)
        XCTAssertTrue(line(text, flag: "schedule")!.hasSuffix("(default: images constant; tables cosine)"), text)
        XCTAssertTrue(line(text, flag: "lr")!.hasSuffix("(default: images 0.05, or 0.001 with adam/adamw; tables 0.002, or 0.05 with sgd/nesterov)"), text)
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
        let adamw = try MLP.run(["train", "--data", iris, "--epochs", "1", "--hidden", "4", "--optimizer", "adamw", "--out", dir.file("t.safetensors")])
        XCTAssertTrue(adamw.stderr.contains(", adamw lr 0.002 weight-decay 0.01 schedule cosine, batch"), adamw.stderr)
        let sgd = try MLP.run(["train", "--data", iris, "--epochs", "1", "--hidden", "4", "--optimizer", "sgd", "--out", dir.file("t.safetensors")])
        XCTAssertTrue(sgd.stderr.contains(", sgd lr 0.05 momentum 0.9 weight-decay 0.0003 schedule cosine, batch"), sgd.stderr)
    }
}
