import Formats
// `mlp cv` end to end: the per-fold and mean figures, the same figures whatever runs the folds
// (one at a time, side by side on threads, two MPI ranks), the gates on the means.
import Foundation
import XCTest

final class CrossValidationTests: XCTestCase {
    let iris = Package.path("data/tabular/iris.csv.gz")
    let base = ["cv", "--target", "species", "--hidden", "8", "--epochs", "12", "--batch-size", "16", "--folds", "5", "--json", "--quiet"]

    func cv(_ extra: [String]) throws -> JSONValue {
        let r = try MLP.run(base + ["--data", iris] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try JSONValue.parse(Array(r.stdout.utf8))
    }

    func perFold(_ v: JSONValue) -> [JSONValue] {
        if case .array(let a)? = v["per_fold"] { return a }
        return []
    }

    func testTheFoldsCoverEveryRowOnceAndTheFiguresRepeatWhateverRunsThem() throws {
        let sideBySide = try cv(["--repeats", "2"])
        let folds = perFold(sideBySide)
        XCTAssertEqual(folds.count, 10)
        // Each repeat's test folds hold every row once (30 each: 50 per class, stratified).
        for f in folds { XCTAssertEqual(f["test_rows"], .number(30)) }
        XCTAssertEqual(sideBySide["rows"], .number(150))
        // The mean is the mean of the folds.
        let accuracies = folds.compactMap { f -> Double? in
            if case .number(let x)? = f["figures"]?["accuracy"] { return x }
            return nil
        }
        guard case .number(let mean)? = sideBySide["metrics"]?["accuracy"]?["mean"] else { return XCTFail("no mean accuracy") }
        XCTAssertEqual(mean, accuracies.reduce(0, +) / 10, accuracy: 1e-12)
        for name in ["accuracy", "loss", "macro_precision", "macro_recall", "macro_f1"] {
            XCTAssertNotNil(sideBySide["metrics"]?[name]?["std"], name)
        }
        // One fold at a time: the same figures, bit for bit.
        let oneAtATime = try cv(["--repeats", "2", "--parallel", "1", "--threads", "1"])
        XCTAssertEqual(perFold(oneAtATime).map { $0["figures"] }, folds.map { $0["figures"] })
        // Another seed: other folds, other figures.
        XCTAssertNotEqual(perFold(try cv(["--seed", "2"])).map { $0["figures"] }, Array(folds.prefix(5)).map { $0["figures"] })
    }

    func testTheGatesApplyToTheMean() throws {
        let r = try MLP.run([
            "cv", "--data", iris, "--target", "species", "--hidden", "8", "--epochs", "2", "--folds", "3", "--quiet", "--min-accuracy",
            "0.99",
        ])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertTrue(r.stderr.contains("error: mean accuracy ") && r.stderr.contains(" is below --min-accuracy 0.99"), r.stderr)
        XCTAssertTrue(r.stdout.contains("mean") && r.stdout.contains("± std"), r.stdout)
        let wrong = try MLP.run(["cv", "--data", iris, "--target", "species", "--epochs", "1", "--min-r2", "0.5"])
        XCTAssertEqual(wrong.status, 2)
        XCTAssertTrue(wrong.stderr.contains("--min-r2 gates a regression"), wrong.stderr)
    }

    func testTwoMPIRanksShareTheFoldsAndGiveTheSameFigures() throws {
        if try ProcessRunner.shell("command -v mpirun >/dev/null").status != 0 { throw XCTSkip("mpirun (openmpi-bin) is not installed") }
        let one = try cv([])
        let r = try ProcessRunner.run(
            "/bin/sh", [Package.path("Scripts/mpirun.sh"), "-np", "2", MLP.binary] + base + ["--data", iris],
            environment: DataParallelTests.plainEnvironment)
        XCTAssertEqual(r.status, 0, r.stderr)
        let two = try JSONValue.parse(Array(r.stdout.utf8))
        XCTAssertEqual(perFold(two).map { $0["figures"] }, perFold(one).map { $0["figures"] })
        XCTAssertTrue(r.stderr.contains("on rank 1"), "rank 1 ran a fold: \(r.stderr)")
    }
}
