import Formats
// `mlp export` of table models, end to end: the graph takes raw rows (one input per column), and
// onnxruntime on the raw CSV file (Scripts/onnx_check.py --csv, which reads it with Python's csv
// module as a serving program would) must give `mlp predict --json`'s labels, and its probabilities
// within 1e-5 or its values within 1e-5 of the larger of their size and the target's standard
// deviation (float32 rounding of the network's standardized output), on rows with missing values and
// categories unseen in training too. Skipped when onnx and onnxruntime cannot be imported (CI installs them);
// Adult and Diamonds also when ../shared/data/tabular is absent.
import Foundation
import XCTest

final class ExportTableTests: XCTestCase {
    static let script = Package.path("Scripts/onnx_check.py")
    static let shared = Package.root + "/../shared/data/tabular"

    /// How close onnxruntime came to mlp predict on one file.
    struct Comparison {
        var rows = 0
        /// Rows whose labels differ where mlp's two most probable classes are within the tolerance.
        var ties = 0
        var maxAbsolute = 0.0
        var maxRelative = 0.0
        /// What mlp predict said on standard error (the note about unseen categories).
        var note = ""
    }

    /// onnxruntime's report on the raw rows of `csv`, or a skip.
    func onnxruntime(_ onnx: String, csv: String) throws -> JSONValue {
        let p = try ProcessRunner.run("/usr/bin/env", ["python3", Self.script, onnx, "--csv", csv, "--threads", "1"])
        if p.status == 3 { throw XCTSkip("onnx/onnxruntime not importable: \(p.stderr)") }
        XCTAssertEqual(p.status, 0, p.stderr)
        return try JSONValue.parse(Array(p.stdoutData))
    }

    static func numbers(_ v: JSONValue?) -> [Double] {
        guard case .array(let xs)? = v else { return [] }
        return xs.map {
            if case .number(let d) = $0 { return d }
            return .nan
        }
    }

    static func text(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return s
        case .number(let d): return String(Int64(d))
        default: return "\(v)"
        }
    }

    /// Exports `model`, runs it on `csv` with onnxruntime and mlp predict, and compares: the same
    /// label per row (but where mlp's two most probable classes are closer than the tolerance), and
    /// probabilities within 1e-5, or values within 1e-5·max(1, |value|, the target's std).
    @discardableResult
    func compare(_ model: String, _ csv: String, _ what: String, line: UInt = #line) throws -> Comparison {
        let onnx = model + ".onnx"
        let e = try MLP.run(["export", "--model", model, "--out", onnx])
        XCTAssertEqual(e.status, 0, e.stderr, line: line)
        let report = try onnxruntime(onnx, csv: csv)
        XCTAssertEqual(report["checker"], .string("ok"), what, line: line)
        let p = try MLP.run(["predict", "--json", "--model", model, "--input", csv])
        XCTAssertEqual(p.status, 0, p.stderr, line: line)
        let predicted = try p.stdout.split(separator: "\n").map { try JSONValue.parse(Array($0.utf8)) }
        var c = Comparison(rows: predicted.count, note: p.stderr)
        let outputs = report["outputs"]
        if case .array(let labels)? = outputs?["label"], case .array(let probabilities)? = outputs?["probabilities"] {
            XCTAssertEqual(labels.count, predicted.count, what, line: line)
            for (r, (mine, theirs)) in zip(predicted, probabilities).enumerated() {
                guard case .object(let members)? = mine["probabilities"] else {
                    XCTFail("\(what): row \(r): no probabilities")
                    continue
                }
                let expected = members.map {
                    if case .number(let d) = $0.1 { return d }
                    return .nan
                }
                let actual = Self.numbers(theirs)
                XCTAssertEqual(actual.count, expected.count, "\(what): row \(r)", line: line)
                for (a, b) in zip(actual, expected) { c.maxAbsolute = Self.worse(c.maxAbsolute, abs(a - b)) }
                let label = Self.text(labels[r])
                if case .string(let want)? = mine["predicted"], label != want {
                    let top = expected.sorted(by: >)
                    if top.count > 1, top[0] - top[1] < 1e-5 {
                        c.ties += 1
                    } else {
                        XCTFail("\(what): row \(r): onnxruntime's label \(label), mlp's \(want)", line: line)
                    }
                }
            }
        } else if case .array(let values)? = outputs?["values"] {
            XCTAssertEqual(values.count, predicted.count, what, line: line)
            // The network answers in standardized units, in float32: a value is as exact as the
            // larger of its size and its target's standard deviation allows.
            guard case .string(let target)? = report["metadata"]?["target"] else { return c }
            let std = Self.numbers(try JSONValue.parse(Array(target.utf8))["std"])
            for (r, (mine, theirs)) in zip(predicted, values).enumerated() {
                guard case .object(let members) = mine else { continue }
                let expected = members.filter { $0.0 != "index" }.map {
                    if case .number(let d) = $0.1 { return d }
                    return .nan
                }
                let actual = Self.numbers(theirs)
                XCTAssertEqual(actual.count, expected.count, "\(what): row \(r)", line: line)
                for (j, (a, b)) in zip(actual, expected).enumerated() {
                    c.maxAbsolute = Self.worse(c.maxAbsolute, abs(a - b))
                    c.maxRelative = Self.worse(c.maxRelative, abs(a - b) / max(1, abs(b), j < std.count ? std[j] : 1))
                }
            }
        } else {
            XCTFail("\(what): onnxruntime gave no label and probabilities, nor values: \(String(describing: outputs))", line: line)
        }
        let regression = outputs?["values"] != nil
        XCTAssertLessThanOrEqual(
            regression ? c.maxRelative : c.maxAbsolute, 1e-5,
            "\(what): the largest difference between onnxruntime and mlp predict"
                + (regression ? ", relative to the larger of |value| and the target's std" : ""), line: line)
        XCTAssertLessThan(c.ties, max(1, c.rows / 1000), "\(what): labels differ on near-ties", line: line)
        print(
            "onnx raw rows, \(what): \(c.rows) rows, max |difference| \(c.maxAbsolute)"
                + (c.maxRelative > 0 ? ", max relative \(c.maxRelative)" : "") + ", labels differing on near-ties \(c.ties)")
        return c
    }

    /// The larger difference; a NaN (one side NaN, the other not) is the worst.
    static func worse(_ a: Double, _ b: Double) -> Double { b.isNaN ? .infinity : max(a, b) }

    // MARK: A table made here: every column kind, missing values, unseen categories

    /// Rows of age (numeric), city (categorical), score (numeric), and the targets: a text label, an
    /// integer grade and a value. `test`: cities and missing values that training never saw.
    static func table(rows: Int, seed: UInt64, test: Bool) -> String {
        var rng = SeededGenerator(seed: seed)
        func next(_ n: Int) -> Int { Int(rng.next() >> 33) % n }
        var text = "age,city,score,label,grade,value\n"
        let cities = ["Lyon", "Nice", "Paris", "Lille"] + (test ? ["Brest", "Metz"] : [])
        let markers = ["", "NA", "?"]
        for r in 0..<rows {
            let age = 18 + next(60)
            let city = cities[next(cities.count)]
            let score = Double(next(1000)) / 10
            var fields = ["\(age)", city, "\(score)"]
            // A missing value in one row of seven, in turn in each feature column, written in turn as
            // each missing marker.
            if r % 7 == 3 { fields[r % 3] = markers[(r / 7) % 3] }
            let label = age > 40 ? "old" : "young"
            let grade = 1 + (age + Int(score)) % 3
            text += fields.joined(separator: ",") + ",\(label),\(grade),\(Double(age) * 3 + score)\n"
        }
        return text
    }

    func testTableWithMissingValuesAndUnseenCategories() throws {
        let dir = try TempDir()
        try dir.write("train.csv", Array(Self.table(rows: 300, seed: 3, test: false).utf8))
        try dir.write("test.csv", Array(Self.table(rows: 200, seed: 4, test: true).utf8))
        let cases: [(target: String, ignore: String, extra: [String])] = [
            ("label", "grade,value", []), ("grade", "label,value", []), ("value", "label,grade", []),
            ("label", "grade,value", ["--loss", "bce"]),
        ]
        for c in cases {
            // The columns that are not features nor the target are dropped from the training file.
            let drop = Set(c.ignore.split(separator: ",").map(String.init))
            let trainText = try String(contentsOfFile: dir.file("train.csv"), encoding: .utf8)
            var keep: [Int] = []
            let kept =
                trainText.split(separator: "\n").map { line -> String in
                    let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                    if keep.isEmpty { keep = fields.indices.filter { !drop.contains(fields[$0]) } }
                    return keep.map { fields[$0] }.joined(separator: ",")
                }.joined(separator: "\n") + "\n"
            let train = dir.file("train-\(c.target).csv")
            let model = dir.file("\(c.target)\(c.extra.count).safetensors")
            try dir.write("train-\(c.target).csv", Array(kept.utf8))
            let t = try MLP.run(
                [
                    "train", "--data", train, "--target", c.target, "--missing", "median", "--epochs", "5",
                    "--batch-size", "16", "--quiet", "--out", model,
                ] + c.extra)
            XCTAssertEqual(t.status, 0, t.stderr)
            let seen = try compare(model, dir.file("test.csv"), "\(c.target) \(c.extra.joined(separator: " "))")
            XCTAssertTrue(seen.note.contains("not seen in training"), seen.note)
        }
        // The labels' types: text labels are strings, integer labels int64, as predict prints them.
        let report = try onnxruntime(dir.file("grade0.safetensors.onnx"), csv: dir.file("test.csv"))
        guard case .array(let outputs)? = report["graph_outputs"] else { return XCTFail("no graph outputs") }
        XCTAssertEqual(outputs.first?["type"], .string("tensor(int64)"))
        let text = try onnxruntime(dir.file("label0.safetensors.onnx"), csv: dir.file("test.csv"))
        guard case .array(let textOutputs)? = text["graph_outputs"] else { return XCTFail("no graph outputs") }
        XCTAssertEqual(textOutputs.first?["type"], .string("tensor(string)"))
        XCTAssertEqual(textOutputs.last?["name"], .string("probabilities"))
    }

    /// A model without fill values: mlp refuses a row with a missing value, the graph answers NaN for
    /// it; rows without one agree.
    func testAModelWithoutFillValuesAnswersNaNForAMissingValue() throws {
        let dir = try TempDir()
        var train = "age,city,label\n"
        for i in 0..<60 { train += "\(20 + i),\(["Lyon", "Nice"][i % 2]),\(i < 30 ? "young" : "old")\n" }
        try dir.write("train.csv", Array(train.utf8))
        try dir.write("full.csv", Array("age,city\n25,Lyon\n70,Nice\n33,Brest\n".utf8))
        try dir.write("gaps.csv", Array("age,city\n25,Lyon\n,Nice\n33,\n40,NA\n".utf8))
        let model = dir.file("m.safetensors")
        XCTAssertEqual(
            try MLP.run([
                "train", "--data", dir.file("train.csv"), "--target", "label", "--epochs", "5",
                "--quiet", "--out", model,
            ]).status, 0)
        try compare(model, dir.file("full.csv"), "no fill values")
        XCTAssertEqual(try MLP.run(["predict", "--model", model, "--input", dir.file("gaps.csv")]).status, 1, "mlp refuses the row")
        let report = try onnxruntime(model + ".onnx", csv: dir.file("gaps.csv"))
        guard case .array(let rows)? = report["outputs"]?["probabilities"] else { return XCTFail("no probabilities") }
        XCTAssertEqual(rows.map { Self.numbers($0).allSatisfy(\.isNaN) }, [false, true, true, true])
        guard case .string(let note)? = report["metadata"]?["missing_values"] else { return XCTFail("no missing_values metadata") }
        XCTAssertTrue(note.hasSuffix("the model has no fill values: a row with a missing value gets NaN outputs"), note)
    }

    /// The small classics kept in the repository (numeric columns; classes and a regression).
    func testTheTablesInTheRepository() throws {
        let dir = try TempDir()
        for name in ["iris", "wine", "breast_cancer", "diabetes"] {
            let data = Package.path("data/tabular/\(name).csv.gz")
            let model = dir.file("\(name).safetensors")
            let t = try MLP.run(["train", "--data", data, "--epochs", "5", "--quiet", "--out", model])
            XCTAssertEqual(t.status, 0, t.stderr)
            try compare(model, data, name)
        }
    }

    // MARK: Adult and Diamonds (../shared)

    /// A copy of a raw test file with values training never saw: in every 40th row (in turn) a
    /// category replaced by a new one, and every 40th row (offset 20) a value missing, in turn in
    /// each of `missing` and written as each missing marker.
    func edited(_ path: String, unseen: [(String, String)], missing: [String], into dir: TempDir, _ name: String) throws -> String {
        let bytes = try Gzip.decompress(try FileBytes.read(path), path: path)
        var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        let markers = ["", "NA", "?"]
        for r in 1..<lines.count {
            var fields = lines[r].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if r % 40 == 0 {
                let (column, value) = unseen[(r / 40) % unseen.count]
                fields[header.firstIndex(of: column)!] = value
            } else if r % 40 == 20 {
                fields[header.firstIndex(of: missing[(r / 40) % missing.count])!] = markers[(r / 40 / missing.count) % 3]
            }
            lines[r] = fields.joined(separator: ",")
        }
        try dir.write(name, Array((lines.joined(separator: "\n") + "\n").utf8))
        return dir.file(name)
    }

    func testAdultAndDiamonds() throws {
        try XCTSkipUnless(
            FileManager.default.fileExists(atPath: Self.shared + "/adult/adult-raw-test.csv.gz"),
            "no \(Self.shared) (Adult and Diamonds)")
        let dir = try TempDir()
        let adult = dir.file("adult.safetensors")
        var t = try MLP.run([
            "train", "--data", Self.shared + "/adult/adult-raw-train.csv.gz", "--target", "income",
            "--missing", "most-frequent", "--epochs", "2", "--quiet", "--out", adult,
        ])
        XCTAssertEqual(t.status, 0, t.stderr)
        try compare(adult, Self.shared + "/adult/adult-raw-test.csv.gz", "Adult raw test")
        let adultEdited = try edited(
            Self.shared + "/adult/adult-raw-test.csv.gz",
            unseen: [("workclass", "Space-agency"), ("native_country", "Atlantis"), ("education", "Doctorate-honoris")],
            missing: ["age", "workclass", "hours_per_week", "occupation", "capital_gain"], into: dir, "adult-edited.csv")
        let adultNote = try compare(adult, adultEdited, "Adult raw test with unseen categories and missing values").note
        XCTAssertTrue(adultNote.contains("3 columns not seen in training"), adultNote)

        let diamonds = dir.file("diamonds.safetensors")
        t = try MLP.run([
            "train", "--data", Self.shared + "/diamonds/diamonds-raw-train.csv.gz", "--target", "price",
            "--missing", "mean", "--epochs", "2", "--quiet", "--out", diamonds,
        ])
        XCTAssertEqual(t.status, 0, t.stderr)
        try compare(diamonds, Self.shared + "/diamonds/diamonds-raw-test.csv.gz", "Diamonds raw test")
        let diamondsEdited = try edited(
            Self.shared + "/diamonds/diamonds-raw-test.csv.gz",
            unseen: [("cut", "Superb"), ("color", "Z"), ("clarity", "FL")],
            missing: ["carat", "cut", "depth", "clarity", "x"], into: dir, "diamonds-edited.csv")
        let diamondsNote = try compare(diamonds, diamondsEdited, "Diamonds raw test with unseen categories and missing values").note
        XCTAssertTrue(diamondsNote.contains("3 columns not seen in training"), diamondsNote)
    }
}
