import Formats
// Errors that point the way: an unknown flag names the flag meant (the same but for case, the
// start of one, a flag of another command that has its own name here, a typo), and an unknown
// column the column meant.
import Foundation
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

final class SuggestionTests: XCTestCase {
    static let iris = VerbosityTests.iris

    func assertError(_ args: [String], _ status: Int32, _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try MLP.run(args)
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").first.map(String.init), "error: " + expected, file: file, line: line)
    }

    func testUnknownFlags() throws {
        let model = ["--model", "m.safetensors"]
        try assertError(
            ["evaluate"] + model + ["--min-acc", "0.9"], 2, "unknown flag --min-acc for 'mlp evaluate'; did you mean --min-accuracy?")
        try assertError(
            ["evaluate"] + model + ["--max", "0.9"], 2,
            "unknown flag --max for 'mlp evaluate'; did you mean --max-log-loss, --max-rmse or --max-memory?")
        // The start of more than three flags is no hint.
        try assertError(["evaluate"] + model + ["--min", "0.9"], 2, "unknown flag --min for 'mlp evaluate'")
        try assertError(["train", "--Epochs", "3"], 2, "unknown flag --Epochs for 'mlp train'; did you mean --epochs?")
        try assertError(["train", "--LR=0.1"], 2, "unknown flag --LR for 'mlp train'; did you mean --lr?")
        try assertError(["predict", "--image", "x"], 2, "unknown flag --image for 'mlp predict'; did you mean --images?")
        // predict reads unlabelled rows (--input) or images (--images), not train's --data.
        try assertError(["predict"] + model + ["--data", "rows.csv"], 2, "unknown flag --data for 'mlp predict'; did you mean --input?")
        try assertError(["predict"] + model + ["--data=new.csv.gz"], 2, "unknown flag --data for 'mlp predict'; did you mean --input?")
        try assertError(
            ["predict"] + model + ["--data", "digits.idx3"], 2, "unknown flag --data for 'mlp predict'; did you mean --input or --images?")
        try assertError(["predict"] + model + ["--data"], 2, "unknown flag --data for 'mlp predict'; did you mean --input or --images?")
        try assertError(["evaluate"] + model + ["--input", "t.csv"], 2, "unknown flag --input for 'mlp evaluate'; did you mean --data?")
        try assertError(
            ["evaluate"] + model + ["--images", "t.idx"], 2, "unknown flag --images for 'mlp evaluate'; did you mean --test-images?")
        try assertError(["train", "--input", "t.csv"], 2, "unknown flag --input for 'mlp train'; did you mean --data?")
        // A flag of another command, said as such rather than guessed at.
        try assertError(
            ["evaluate"] + model + ["--epochs", "3"], 2, "unknown flag --epochs for 'mlp evaluate' (--epochs is a flag of 'mlp train')")
        try assertError(["train", "--limit", "3"], 2, "unknown flag --limit for 'mlp train' (--limit is a flag of 'mlp predict')")
        try assertError(["train", "--bogus"], 2, "unknown flag --bogus for 'mlp train'")
        try assertError(["Train"], 2, "unknown command 'Train'; did you mean 'train'?")
        try assertError(["eval"], 2, "unknown command 'eval'; did you mean 'evaluate'?")
    }

    func testUnknownColumns() throws {
        let dir = try TempDir()
        let out = ["--epochs", "1", "--out", dir.file("m.safetensors")]
        let columns = "(its columns: sepal_length_cm, sepal_width_cm, petal_length_cm, petal_width_cm, species)"
        try assertError(
            ["train", "--data", Self.iris, "--target", "Species"] + out, 1,
            "\(Self.iris): has no column 'Species' for --target \(columns); did you mean 'species'?")
        try assertError(
            ["train", "--data", Self.iris, "--target", "petal"] + out, 1,
            "\(Self.iris): has no column 'petal' for --target \(columns); did you mean 'petal_length_cm' or 'petal_width_cm'?")
        let r = try MLP.run(["train", "--data", Self.iris, "--categorical", "Sepal_Length_cm"] + out)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasSuffix("; did you mean 'sepal_length_cm'?\n"), r.stderr)
        XCTAssertTrue(r.stderr.contains("'Sepal_Length_cm'"), r.stderr)

        // A file whose column differs from the model's in case.
        try dir.write("train.csv", Array("Age,city,class\n30,Paris,a\n40,Lyon,b\n".utf8))
        try dir.write("rows.csv", Array("age,city\n33,Paris\n".utf8))
        XCTAssertEqual(try MLP.run(["train", "--data", dir.file("train.csv")] + out).status, 0)
        try assertError(
            ["predict", "--model", dir.file("m.safetensors"), "--input", dir.file("rows.csv")], 1,
            "\(dir.file("rows.csv")): has no column 'Age', which the model was trained on (its feature columns: Age, city); the file has 'age'"
        )
    }
}
