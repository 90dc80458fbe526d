import Formats
// `mlp search` end to end: its files, the best configuration that trains the best model again bit
// for bit, a search killed (SIGKILL, anywhere) and run again that ends exactly as one never
// stopped without running a finished rung twice, and its mistakes.
import Foundation
import XCTest

final class SearchTests: XCTestCase {
    let wine = Package.path("data/tabular/wine.csv.gz")

    /// One trial at a time, one thread: the order of the results, and so the promotions, repeat.
    func arguments(_ dir: String) -> [String] {
        [
            "search", "--data", wine, "--test-split", "0.2", "--validation-split", "0.25", "--lr", "3e-4..3e-2:log", "--hidden", "16|32,16",
            "--dropout", "0|0.2", "--trials", "9", "--min-epochs", "1", "--epochs", "9", "--batch-size", "32", "--objective",
            "val_accuracy",
            "--parallel", "1", "--threads", "1", "--out-dir", dir, "--quiet",
        ]
    }

    func rows(_ dir: String) throws -> [JSONValue] {
        try String(contentsOfFile: dir + "/leaderboard.jsonl", encoding: .utf8).split(separator: "\n").map {
            try JSONValue.parse(Array($0.utf8))
        }
    }

    /// A row without what depends on the run (its time).
    func figures(_ row: JSONValue) -> JSONValue {
        guard case .object(let m) = row else { return row }
        return .object(m.filter { $0.0 != "seconds" && $0.0 != "rank" })
    }

    func testKilledAndRunAgainASearchEndsAsOneNeverStoppedAndRunsNoFinishedRungTwice() throws {
        let dir = try TempDir()
        let whole = try MLP.run(arguments(dir.file("whole")))
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let expected = try rows(dir.file("whole"))
        XCTAssertGreaterThan(expected.count, 9, "some trials were promoted")

        // The same search, killed in a rung once its leaderboard has three rows, then run again
        // with the same command.
        let killed = dir.file("killed")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: MLP.binary)
        p.arguments = arguments(killed)
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        /// The rungs running.json lists that have no row yet (a rung in progress).
        func inProgress() -> [[Int]] {
            guard let text = try? String(contentsOfFile: killed + "/running.json", encoding: .utf8),
                case .array(let items)? = try? JSONValue.parse(Array(text.utf8)), let r = try? rows(killed)
            else { return [] }
            let done = Set(r.map { "\($0["trial"]!.serialized()),\($0["rung"]!.serialized())" })
            return items.compactMap { i -> [Int]? in
                guard case .array(let p) = i, p.count == 2, !done.contains("\(p[0].serialized()),\(p[1].serialized())"),
                    case .number(let t) = p[0], case .number(let k) = p[1]
                else { return nil }
                return [Int(t), Int(k)]
            }
        }
        var cut: [[Int]] = []
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let r = try? rows(killed), r.count >= 3 {
                cut = inProgress()
                if !cut.isEmpty { break }
            }
            usleep(500)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let partial = try rows(killed)
        XCTAssertGreaterThanOrEqual(partial.count, 3)
        XCTAssertLessThan(partial.count, expected.count, "the kill came before the end")
        XCTAssertFalse(cut.isEmpty, "a rung was in progress when the kill came")

        let again = try MLP.run(arguments(killed))
        XCTAssertEqual(again.status, 0, again.stderr)
        let final = try rows(killed)
        XCTAssertTrue(
            final.map(figures) == expected.map(figures),
            "the results are not those of the search never stopped: \(final.count) rows against \(expected.count), cut \(cut)")
        // The rows written before the kill are kept as they were (their times too): not run again.
        for row in partial {
            XCTAssertTrue(final.contains(row), "a finished rung was run again: \(row["trial"]!) rung \(row["rung"]!)")
        }
        XCTAssertEqual(
            try String(contentsOfFile: killed + "/best.json", encoding: .utf8),
            try String(contentsOfFile: dir.file("whole") + "/best.json", encoding: .utf8))
    }

    func testTheBestConfigurationTrainsTheBestModelAgainAndTheFilesAreThere() throws {
        let dir = try TempDir()
        let out = dir.file("s")
        let r = try MLP.run(arguments(out) + ["--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try JSONValue.parse(Array(r.stdout.utf8))
        XCTAssertNotNil(report["best"]?["parameters"]?["lr"])
        XCTAssertNotNil(report["test"]?["accuracy"], "the best model is tested on the held-out rows")
        for f in [
            "leaderboard.jsonl", "leaderboard.csv", "best.json", "best.safetensors", "search.json", "plots/lr.svg", "plots/hidden.svg",
            "plots/dropout.svg",
        ] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + f), "\(f): \(r.stderr)")
        }
        let csv = try String(contentsOfFile: out + "/leaderboard.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.first, "trial,rung,epochs,lr,hidden,dropout,val_accuracy,val_loss,seconds,status")
        XCTAssertEqual(csv.count - 1, try rows(out).count)
        XCTAssertTrue(try String(contentsOfFile: out + "/plots/lr.svg", encoding: .utf8).contains("<svg"))
        // The best configuration, trained from scratch, gives the best model's tensors: the
        // promoted rungs continued their checkpoints exactly.
        guard case .number(let epochs)? = report["best"]?["epochs"], epochs == 9 else {
            return XCTFail("the best trial did not reach the last rung: \(r.stdout)")
        }
        let again = try MLP.run([
            "train", "--config", out + "/best.json", "--data", wine, "--threads", "1", "--quiet", "--out", dir.file("again.safetensors"),
        ])
        XCTAssertEqual(again.status, 0, again.stderr)
        let a = try Safetensors.read(path: out + "/best.safetensors")
        let b = try Safetensors.read(path: dir.file("again.safetensors"))
        XCTAssertEqual(a.tensors.map { $0.values.map(\.bitPattern) }, b.tensors.map { $0.values.map(\.bitPattern) })
    }

    func testMistakesAreOneLine() throws {
        let dir = try TempDir()
        func run(_ extra: [String]) throws -> Run {
            try MLP.run(["search", "--data", wine, "--out-dir", dir.file("e"), "--epochs", "1"] + extra)
        }
        var r = try run(["--lr", "1e-3..1e-2:log"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("give --validation-split F, --folds K or --validation-images and --validation-labels"), r.stderr)
        r = try run(["--validation-split", "0.2", "--lr", "0..1e-2:log"])
        XCTAssertTrue(r.stderr.contains("--lr: '0..1e-2:log': a :log range must be above 0"), r.stderr)
        r = try run(["--validation-split", "0.2", "--lr", "1e-3..1e-2", "--objective", "val_acuracy"])
        XCTAssertTrue(r.stderr.contains("did you mean val_accuracy?"), r.stderr)
        r = try run(["--validation-split", "0.2"])
        XCTAssertTrue(r.stderr.contains("nothing to search"), r.stderr)
        // Another search in the same directory is refused.
        XCTAssertEqual(try run(["--validation-split", "0.2", "--lr", "1e-3..1e-2", "--trials", "1", "--quiet"]).status, 0)
        r = try run(["--validation-split", "0.2", "--lr", "1e-3..1e-1", "--trials", "1", "--quiet"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("holds another search"), r.stderr)
    }

    func testImagesAreJudgedOnTheirValidationFiles() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir)
        let r = try MLP.run([
            "search", "--data", dir.path, "--validation-images", dir.file("t10k-images-idx3-ubyte"), "--validation-labels",
            dir.file("t10k-labels-idx1-ubyte"), "--lr", "0.01|0.1", "--hidden", "8", "--epochs", "2", "--objective", "val_accuracy",
            "--trials", "2", "--out-dir", dir.file("s"), "--quiet", "--json",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try rows(dir.file("s"))
        XCTAssertEqual(rows.count, 2)
        for row in rows { XCTAssertNotNil(row["val_accuracy"], "\(row)") }
        // The best configuration of an image model (SGD, splits not stratified) is a file that reads back.
        let config = try MLP.run(["config", dir.file("s/best.safetensors")])
        XCTAssertEqual(config.status, 0, config.stderr)
        XCTAssertEqual(try String(contentsOfFile: dir.file("s/best.json"), encoding: .utf8), config.stdout)
        XCTAssertTrue(config.stdout.contains("\"stratify\": false"), config.stdout)
        let both = try MLP.run([
            "search", "--data", dir.path, "--validation-images", dir.file("t10k-images-idx3-ubyte"), "--validation-labels",
            dir.file("t10k-labels-idx1-ubyte"), "--validation-split", "0.2", "--lr", "0.01|0.1", "--out-dir", dir.file("t"),
        ])
        XCTAssertEqual(both.status, 2)
        XCTAssertTrue(both.stderr.contains("each give the validation rows; give one of them"), both.stderr)
    }

    func testTwoMPIRanksShareTheTrials() throws {
        if try ProcessRunner.shell("command -v mpirun >/dev/null").status != 0 { throw XCTSkip("mpirun (openmpi-bin) is not installed") }
        let dir = try TempDir()
        let r = try ProcessRunner.run(
            "/bin/sh",
            [Package.path("Scripts/mpirun.sh"), "-np", "2", MLP.binary] + arguments(dir.file("mpi")).filter { $0 != "--quiet" } + [
                "--json"
            ],
            environment: DataParallelTests.plainEnvironment)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("on rank 1"), r.stderr)
        let report = try JSONValue.parse(Array(r.stdout.utf8))
        XCTAssertEqual(report["ranks"], .number(2))
        let rows = try rows(dir.file("mpi"))
        XCTAssertEqual(
            Set(
                rows.compactMap { r -> Int? in
                    if case .number(let t)? = r["trial"], r["rung"] == .number(0) { return Int(t) }
                    return nil
                }), Set(0..<9))
    }
}
