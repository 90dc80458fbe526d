import Formats
// Training on CSV files end to end, as a user runs it: the four small classics kept in data/tabular
// (classification and regression), what the model file keeps (encoders, labels, target scaling) so
// that evaluate and predict take raw rows, and every way a table can be wrong: one line each,
// naming the file, the line and the column.
import Foundation
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

final class TabularTests: XCTestCase {
    static let data = Package.path("data/tabular")

    func classic(_ name: String) -> String { Self.data + "/\(name).csv.gz" }

    func json(_ r: Run) throws -> JSONValue { try JSONValue.parse(Array(r.stdout.utf8)) }

    func number(_ v: JSONValue?) -> Double {
        if case .number(let x)? = v { return x }
        return .nan
    }

    // MARK: - The classics

    func testIrisWineAndBreastCancerClassify() throws {
        let dir = try TempDir()
        for (name, minimum, classes) in [("iris", 0.9, 3), ("wine", 0.9, 3), ("breast_cancer", 0.93, 2)] {
            let model = dir.file("\(name).safetensors")
            let r = try MLP.run([
                "train", "--data", classic(name), "--test-split", "0.25", "--epochs", "100", "--batch-size", "16",
                "--threads", "1", "--out", model, "--json",
            ])
            XCTAssertEqual(r.status, 0, r.stderr)
            let v = try json(r)
            XCTAssertEqual(v["task"], "classification", name)
            XCTAssertGreaterThanOrEqual(number(v["test_accuracy"]), minimum, "\(name): \(r.stdout)")
            XCTAssertTrue(r.stderr.contains("classification (whole numbers, at most 20 distinct), \(classes) classes"), r.stderr)
            let s = try MLP.run(["summary", model, "--json"])
            XCTAssertEqual(try json(s)["classes"], .number(Double(classes)), name)
        }
    }

    func testSmallNetworksTrainOnOneThreadUnlessTold() throws {
        guard ProcessInfo.processInfo.activeProcessorCount >= 2 else { throw XCTSkip("one CPU: one thread either way") }
        let dir = try TempDir()
        let base = [
            "train", "--data", classic("iris"), "--test-split", "0.25", "--epochs", "2", "--out", dir.file("m.safetensors"), "--json",
        ]
        let byDefault = try MLP.run(base)
        XCTAssertEqual(byDefault.status, 0, byDefault.stderr)
        XCTAssertTrue(byDefault.stderr.contains(", 1 thread (small layers train fastest on one; --threads to choose)"), byDefault.stderr)
        XCTAssertEqual(try json(byDefault)["threads"], .number(1))
        let told = try MLP.run(base + ["--threads", "2"])
        XCTAssertEqual(told.status, 0, told.stderr)
        XCTAssertTrue(told.stderr.contains(", 2 threads"), told.stderr)
        XCTAssertFalse(told.stderr.contains("small layers"), told.stderr)
        XCTAssertEqual(try json(told)["threads"], .number(2))
    }

    func testDiabetesIsARegressionInTheTargetsUnits() throws {
        let dir = try TempDir()
        let model = dir.file("diabetes.safetensors")
        let r = try MLP.run([
            "train", "--data", classic("diabetes"), "--test-split", "0.25", "--epochs", "60", "--batch-size", "16",
            "--threads", "1", "--out", model, "--json",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("mlp: target progression: regression (numbers)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("loss mse"), "a regression's default loss is MSE: \(r.stderr)")
        let v = try json(r)
        XCTAssertEqual(v["task"], "regression")
        XCTAssertGreaterThan(number(v["test_r2"]), 0.3, r.stdout)
        XCTAssertLessThan(number(v["test_rmse"]), 70, "progression spans 25 to 346 with a std of 77: \(r.stdout)")
        guard case .array(let epochs)? = v["epochs"], let first = epochs.first else { return XCTFail(r.stdout) }
        for key in ["test_loss", "test_rmse", "test_mae", "test_r2"] { XCTAssertNotNil(first[key], key) }
        XCTAssertNil(first["accuracy"], "no accuracy in a regression's log")

        // evaluate reads raw rows and reports in the target's units; the gates exit 3
        let e = try MLP.run(["evaluate", "--model", model, "--data", classic("diabetes"), "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let ev = try json(e)
        guard case .object(let members) = ev else { return XCTFail(e.stdout) }
        XCTAssertEqual(members.prefix(4).map(\.0), ["rmse", "mae", "r2", "samples"])
        XCTAssertEqual(ev["samples"], 442)
        let gate = try MLP.run(["evaluate", "--model", model, "--data", classic("diabetes"), "--min-r2", "0.99"])
        XCTAssertEqual(gate.status, 3)
        XCTAssertTrue(gate.stderr.hasPrefix("error: r2 ") && gate.stderr.hasSuffix(" is below --min-r2 0.99\n"), gate.stderr)
        XCTAssertEqual(try MLP.run(["evaluate", "--model", model, "--data", classic("diabetes"), "--max-rmse", "1"]).status, 3)
        let wrongGate = try MLP.run(["evaluate", "--model", model, "--data", classic("diabetes"), "--min-accuracy", "0.5"])
        XCTAssertEqual(wrongGate.status, 2, wrongGate.stderr)

        // predict: one value per row, in the target's units
        let p = try MLP.run(["predict", "--model", model, "--input", classic("diabetes")])
        XCTAssertEqual(p.status, 0, p.stderr)
        let lines = p.stdout.split(separator: "\n")
        XCTAssertEqual(lines.first, "index,progression")
        XCTAssertEqual(lines.count, 443)
        let values = lines.dropFirst().compactMap { Double($0.split(separator: ",")[1]) }
        XCTAssertEqual(values.count, 442)
        let mean = values.reduce(0, +) / Double(values.count)
        XCTAssertEqual(mean, 152, accuracy: 25, "predictions are in the target's units (its mean is 152)")
    }

    // MARK: - Preprocessing kept in the model

    /// A table with a text column, a numeric column with missing values and a text target.
    func writePeople(_ dir: TempDir, rows: Int = 120, seed: UInt64 = 3) throws -> String {
        var rng = SeededGenerator(seed: seed)
        func next() -> Int { Int(rng.next() >> 33) }
        var text = "age,city,income,class\n"
        for i in 0..<rows {
            let city = ["Paris", "Lyon", "Nice"][next() % 3]
            let age = 20 + next() % 50
            let income = i % 17 == 3 ? "NA" : "\(1000 * (age / 10) + next() % 500)"
            text += "\(age),\(city),\(income),\(age > 40 ? "senior" : "junior")\n"
        }
        try dir.write("people.csv", Array(text.utf8))
        return dir.file("people.csv")
    }

    func testMissingValuesAreAnErrorUnlessImputed() throws {
        let dir = try TempDir()
        let path = try writePeople(dir)
        let r = try MLP.run(["train", "--data", path, "--epochs", "2", "--out", dir.file("m")])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(
            r.stderr,
            "error: \(path): line 5, column 'income' (3): missing value (empty, NA or ?); fill it in, or impute it with --missing mean|median|most-frequent\n"
        )
        for how in ["mean", "median", "most-frequent"] {
            let ok = try MLP.run(["train", "--data", path, "--missing", how, "--epochs", "2", "--quiet", "--out", dir.file("m-\(how)")])
            XCTAssertEqual(ok.status, 0, ok.stderr)
        }
        // The model fills the test rows' missing values the same way; summary shows how.
        let s = try MLP.run(["summary", dir.file("m-median")])
        XCTAssertTrue(s.stdout.contains("missing values filled with the median"), s.stdout)
        let e = try MLP.run(["evaluate", "--model", dir.file("m-median"), "--data", path])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertTrue(e.stdout.contains("senior"), e.stdout)
    }

    func testTheModelKeepsWhatTheTrainingRowsTaught() throws {
        let dir = try TempDir()
        let path = try writePeople(dir)
        let model = dir.file("m.safetensors")
        XCTAssertEqual(
            try MLP.run([
                "train", "--data", path, "--missing", "mean", "--epochs", "30", "--batch-size", "8", "--threads", "1",
                "--quiet", "--out", model,
            ]).status, 0)
        let file = try Safetensors.read(path: model)
        XCTAssertEqual(file.metadataValue(for: "format_version"), "2")
        let loaded = try ModelFile.load(model)
        guard case .table(let encoder, let delimiter) = loaded.input, case .table(let target) = loaded.output else { return XCTFail() }
        XCTAssertEqual(delimiter, UInt8(ascii: ","))
        XCTAssertEqual(encoder.names, ["age", "city", "income"])
        XCTAssertEqual(encoder.width, 5, "age, three cities, income")
        XCTAssertEqual(target, .classes(column: "class", labels: ["junior", "senior"]))
        guard case .categorical(_, let cities, _) = encoder.columns[1] else { return XCTFail() }
        XCTAssertEqual(cities, ["Lyon", "Nice", "Paris"], "categories sorted")
        // The stored encoder is what fitting the same rows gives.
        let table = try CSVReader.read(path: path)
        var refit = try TableEncoder.fit(table, features: [0, 1, 2], rows: nil, missing: .mean)
        refit.markers = .pandas  // what --missing reads as missing
        XCTAssertEqual(refit, encoder)

        // predict takes raw rows, without the target column, in any column order; prints the labels.
        try dir.write("rows.csv", Array("city,income,age\nParis,6200,66\nLyon,2100,23\nBerlin,2100,23\n".utf8))
        let p = try MLP.run(["predict", "--model", model, "--input", dir.file("rows.csv")])
        XCTAssertEqual(p.status, 0, p.stderr)
        let rows = p.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        XCTAssertEqual(rows[0], ["index", "predicted", "probability"])
        XCTAssertEqual(rows[1][1], "senior")
        XCTAssertEqual(rows[2][1], "junior")
        XCTAssertEqual(
            p.stderr,
            "mlp: warning: \(dir.file("rows.csv")): 1 value in 1 column not seen in training, encoded as all zeros (city: 'Berlin')\n")
        let j = try MLP.run(["predict", "--model", model, "--input", dir.file("rows.csv"), "--json", "--limit", "1"])
        let first = try JSONValue.parse(Array(j.stdout.split(separator: "\n")[0].utf8))
        XCTAssertEqual(first["predicted"], "senior")
        XCTAssertNotNil(first["probabilities"]?["junior"])
    }

    // MARK: - Bad tables: one line each

    func assertError(_ r: Run, _ status: Int32, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").first.map(String.init), "error: " + message, file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, status == 2 ? 2 : 1, r.stderr, file: file, line: line)
    }

    func testBadTablesAreOneLineErrors() throws {
        let dir = try TempDir()
        func write(_ name: String, _ text: String) throws -> String {
            try dir.write(name, Array(text.utf8))
            return dir.file(name)
        }
        let good = try write("good.csv", "a,b,y\n1,x,p\n2,y,q\n3,x,p\n4,y,q\n")
        let out = dir.file("m")
        assertError(
            try MLP.run(["train", "--data", good, "--target", "z", "--out", out]), 1,
            "\(good): has no column 'z' for --target (its columns: a, b, y)")
        let oneClass = try write("one.csv", "a,y\n1,p\n2,p\n")
        assertError(
            try MLP.run(["train", "--data", oneClass, "--out", out]), 1,
            "\(oneClass): the target column 'y' holds one class only ('p'); classification needs two or more")
        let noTarget = try write("nt.csv", "a,y\n1,p\n2,\n3,q\n")
        assertError(
            try MLP.run(["train", "--data", noTarget, "--missing-target", "error", "--out", out]), 1,
            "\(noTarget): line 3, column 'y' (2): the target is missing; every training row needs one")
        assertError(
            try MLP.run(["train", "--data", good, "--task", "regression", "--out", out]), 1,
            "\(good): line 2, column 'y' (3): 'p' is not a number; a regression needs numbers in its target (or use --task classification)")
        assertError(
            try MLP.run(["train", "--data", good, "--target", "a,y", "--task", "classification", "--out", out]), 2,
            "--task classification predicts one target column; several (a,y) make a multi-label target (--task multilabel) or a regression")
        assertError(
            try MLP.run(["train", "--data", good, "--train-images", good, "--out", out]), 2,
            "--train-images names an IDX file; with a CSV file give --test-data (and --validation-split)")
        assertError(
            try MLP.run(["train", "--data", good, "--loss", "mae", "--out", out]), 2,
            "--loss mae is for regression; a classification takes cross_entropy, bce or mse")
        assertError(
            try MLP.run(["train", "--data", good, "--task", "regression", "--target", "a", "--loss", "cross_entropy", "--out", out]), 2,
            "--loss cross_entropy is for classification; a regression takes mse, mae, huber[:DELTA]")
        assertError(
            try MLP.run(["train", "--data", dir.path, "--target", "y", "--out", out]), 2,
            "--target applies to CSV data (--data FILE.csv); IDX data has its own test files")
        assertError(try MLP.run(["train", "--data", dir.file("absent.csv"), "--out", out]), 1, "\(dir.file("absent.csv")): no such file")
        let semi = try write("semi.csv", "a;b;y\n1;x;p\n2;y;q\n")
        XCTAssertEqual(try MLP.run(["train", "--data", semi, "--delimiter", ";", "--epochs", "1", "--quiet", "--out", out]).status, 0)
        assertError(try MLP.run(["train", "--data", good, "--delimiter", ":", "--out", out]), 2, "--delimiter ':' is not one of , ; tab |")

        // A model trained on `good`, then tables that do not fit it.
        let model = dir.file("good.safetensors")
        XCTAssertEqual(try MLP.run(["train", "--data", good, "--epochs", "1", "--quiet", "--out", model]).status, 0)
        let lacking = try write("lacking.csv", "a,y\n1,p\n")
        assertError(
            try MLP.run(["evaluate", "--model", model, "--data", lacking]), 1,
            "\(lacking): has no column 'b', which the model was trained on (its feature columns: a, b)")
        let extra = try write("extra.csv", "a,b,c,y\n1,x,0,p\n")
        let ignored = try MLP.run(["evaluate", "--model", model, "--data", extra])
        XCTAssertEqual(ignored.status, 0, ignored.stderr)
        XCTAssertEqual(ignored.stderr, "mlp: note: \(extra): ignoring column 'c', which the model does not read\n")
        let textInNumbers = try write("tn.csv", "a,b,y\n1,x,p\nlots,y,q\n")
        assertError(
            try MLP.run(["predict", "--model", model, "--input", textInNumbers]), 1,
            "\(textInNumbers): line 3, column 'a' (1): 'lots' is not a number, and this column must be numeric")
        let unknownClass = try write("uc.csv", "a,b,y\n1,x,r\n")
        assertError(
            try MLP.run(["evaluate", "--model", model, "--data", unknownClass]), 1,
            "\(unknownClass): line 2, column 'y' (3): class 'r' of 'y' was not seen in training (its classes: p, q)")
        assertError(
            try MLP.run(["predict", "--model", model, "--images", good]), 2,
            "\(model) was trained on a CSV file: give --input FILE.csv with rows to predict")
        assertError(
            try MLP.run(["evaluate", "--model", model, "--data", dir.path]), 1,
            "\(model): was trained on a CSV file; give --data FILE.csv with its columns (a, b)")
    }
}
