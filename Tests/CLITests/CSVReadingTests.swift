import Formats
// How mlp reads tables that are not written the C way, end to end: decimal commas and thousands
// separators (stored with the model, so evaluate and predict read new rows the same way), pandas'
// missing-value markers with --missing, a target just past the classification rule, a wrong
// delimiter, advice that the command giving it accepts, and ID and extra columns in the files that
// evaluate and predict read.
import Foundation
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

final class CSVReadingTests: XCTestCase {
    func json(_ text: String) throws -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    /// stderr without the epoch lines that --quiet keeps.
    func notes(_ r: Run) -> String {
        r.stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("epoch ") }.joined(separator: "\n")
    }

    /// 400 rows whose class is a linear threshold on two numbers (a TSV learns it easily); `write`
    /// prints a row's two numbers.
    func table(_ dir: TempDir, _ name: String, header: String, _ write: (Double, Double, Int) -> String) throws -> String {
        var rng = SeededGenerator(seed: 7)
        func uniform() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        var text = header + "\n"
        for _ in 0..<400 {
            let a = uniform() * 10 - 5
            let b = uniform() * 1000
            text += write(a, b, a * 100 + b > 500 ? 1 : 0) + "\n"
        }
        try dir.write(name, Array(text.utf8))
        return dir.file(name)
    }

    func decimals(_ x: Double, _ digits: Int) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([x]) { vsnprintf(&buffer, 64, "%.\(digits)f", $0) }
        return String(cString: buffer)
    }

    func accuracy(_ r: Run) throws -> Double {
        guard case .number(let a)? = try json(r.stdout)["test_accuracy"] else {
            XCTFail(r.stdout + r.stderr)
            return 0
        }
        return a
    }

    // MARK: - Decimal commas and thousands separators

    func testDecimalCommaIsNamedThenReadAndStoredWithTheModel() throws {
        let dir = try TempDir()
        let comma = { (x: Double, d: Int) in self.decimals(x, d).replacingOccurrences(of: ".", with: ",") }
        let semi = try table(dir, "semi.csv", header: "a;b;label") { a, b, y in "\(comma(a, 3));\(comma(b, 2));\(y)" }
        let tsv = try table(dir, "t.tsv", header: "a\tb\tlabel") { a, b, y in "\(self.decimals(a, 3))\t\(self.decimals(b, 2))\t\(y)" }
        let common = ["--test-split", "0.25", "--epochs", "30", "--threads", "1", "--json"]

        // Without --decimal: both columns are text, and one line says so and names the flag.
        let plain = try MLP.run(["train", "--data", semi, "--delimiter", ";", "--out", dir.file("plain")] + common)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        let warning = plain.stderr.split(separator: "\n").filter { $0.contains("decimal comma") }
        XCTAssertEqual(warning.count, 1, plain.stderr)
        XCTAssertTrue(
            warning[0].hasPrefix("mlp: warning: \(semi): columns 'a' (1), 'b' (2) hold numbers written with a decimal comma ('"),
            plain.stderr)
        XCTAssertTrue(warning[0].contains("') but are read as text ("), plain.stderr)
        XCTAssertTrue(warning[0].hasSuffix(" categories); --decimal , reads them as numbers"), plain.stderr)

        // With it: two numeric columns, and the same accuracy as the TSV of the same numbers.
        let model = dir.file("m.safetensors")
        let read = try MLP.run(["train", "--data", semi, "--delimiter", ";", "--decimal", ",", "--out", model] + common)
        XCTAssertEqual(read.status, 0, read.stderr)
        XCTAssertFalse(read.stderr.contains("warning"), read.stderr)
        XCTAssertTrue(read.stderr.contains("(2 numeric, 0 categorical) → 2 inputs"), read.stderr)
        let viaTSV = try MLP.run(["train", "--data", tsv, "--delimiter", "tab", "--out", dir.file("tsv")] + common)
        XCTAssertEqual(try accuracy(read), try accuracy(viaTSV), accuracy: 1e-6)
        XCTAssertGreaterThan(try accuracy(read), 0.95)
        XCTAssertLessThan(try accuracy(plain), try accuracy(read) - 0.1, "as text the numbers teach little")

        // The model keeps the decimal mark; evaluate and predict read rows with it unasked.
        let file = try Safetensors.read(path: model)
        XCTAssertTrue(
            file.metadataValue(for: "input")!.contains("\"delimiter\":\";\",\"decimal\":\",\""), file.metadataValue(for: "input")!)
        // Format 4, so that an mlp that reads rows only one way refuses the file instead of misreading
        // its rows; the same table read the default way stays format 2, and an INT8 copy keeps 4.
        XCTAssertEqual(file.metadataValue(for: "format_version"), "4")
        XCTAssertEqual(try Safetensors.read(path: dir.file("tsv")).metadataValue(for: "format_version"), "2")
        let int8 = try MLP.run(["quantize", "--model", model, "--out", dir.file("int8")])
        XCTAssertEqual(int8.status, 0, int8.stderr)
        XCTAssertEqual(try Safetensors.read(path: dir.file("int8")).metadataValue(for: "format_version"), "4")
        let e8 = try MLP.run(["evaluate", "--model", dir.file("int8"), "--data", semi, "--json"])
        XCTAssertEqual(e8.status, 0, e8.stderr)
        let e = try MLP.run(["evaluate", "--model", model, "--data", semi, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        guard case .number(let acc)? = try json(e.stdout)["accuracy"] else { return XCTFail(e.stdout) }
        XCTAssertGreaterThan(acc, 0.95)
        try dir.write("rows.csv", Array("a;b\n-4,5;12,5\n4,5;990,25\n\"1,5\";\"600\"\n".utf8))
        let p = try MLP.run(["predict", "--model", model, "--input", dir.file("rows.csv")])
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertEqual(
            p.stdout.split(separator: "\n").map { $0.split(separator: ",")[safe: 1].map(String.init) ?? "" },
            ["predicted", "0", "1", "1"])
        // Rows from elsewhere: the flags override the model's way.
        try dir.write("dot.csv", Array("a,b\n-4.5,12.5\n4.5,990.25\n".utf8))
        let dot = try MLP.run(["predict", "--model", model, "--input", dir.file("dot.csv"), "--delimiter", ",", "--decimal", "."])
        XCTAssertEqual(dot.status, 0, dot.stderr)
        XCTAssertEqual(dot.stdout.split(separator: "\n").count, 3, dot.stdout)
        // Without the override, the error names it.
        let wrong = try MLP.run(["predict", "--model", model, "--input", dir.file("dot.csv"), "--delimiter", ","])
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(
            wrong.stderr.hasSuffix(
                "error: \(dir.file("dot.csv")): line 2, column 'a' (1): '-4.5' is not a number, and this column must be numeric; numbers written with a decimal point need --decimal .\n"
            ), wrong.stderr)
        let s = try MLP.run(["summary", model])
        XCTAssertTrue(s.stdout.contains("numbers written with a decimal comma"), s.stdout)
    }

    func testThousandsSeparatorsInQuotes() throws {
        let dir = try TempDir()
        let path = try table(dir, "t.csv", header: "a,b,label") { a, b, y in
            let n = Int(b * 100)
            return "\(self.decimals(a, 3)),\"\(n / 1000 > 0 ? "\(n / 1000),\(String(1000 + n % 1000).dropFirst())" : "\(n)")\",\(y)"
        }
        let common = ["--epochs", "1", "--threads", "1", "--quiet"]
        let plain = try MLP.run(["train", "--data", path, "--out", dir.file("p")] + common)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertTrue(
            plain.stderr.contains("mlp: warning: \(path): column 'b' (2) holds numbers written with ',' between thousands ("), plain.stderr)
        XCTAssertTrue(plain.stderr.contains("; --thousands , reads it as numbers\n"), plain.stderr)
        let model = dir.file("m.safetensors")
        let read = try MLP.run(["train", "--data", path, "--thousands", ",", "--out", model] + common)
        XCTAssertEqual(read.status, 0, read.stderr)
        XCTAssertEqual(notes(read), "", "no warning")
        // A resumed run reads its data as it began (the checkpoint keeps the separator).
        let checkpoint = dir.file("c.ckpt")
        XCTAssertEqual(
            try MLP.run(["train", "--data", path, "--thousands", ",", "--checkpoint", checkpoint, "--out", model] + common).status, 0)
        let resumed = try MLP.run(["train", "--data", path, "--resume", checkpoint, "--epochs", "2", "--out", model, "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(notes(resumed), "")
        let loaded = try ModelFile.load(model)
        guard case .table(let encoder, _) = loaded.input else { return XCTFail() }
        XCTAssertEqual(encoder.numbers, CSVNumberFormat(thousands: UInt8(ascii: ",")))
        XCTAssertTrue(encoder.columns.allSatisfy(\.isNumeric))
        // A separator that is also the decimal mark is a usage error.
        let clash = try MLP.run(["train", "--data", path, "--thousands", ".", "--out", model] + common)
        XCTAssertEqual(clash.status, 2)
        XCTAssertTrue(clash.stderr.hasPrefix("error: --thousands . is also the decimal mark; give --decimal too\n"), clash.stderr)
        let bad = try MLP.run(["train", "--data", path, "--decimal", ";", "--out", model] + common)
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.hasPrefix("error: --decimal ';' is not one of . ,\n"), bad.stderr)
    }

    func testReadingSettingsRoundTripThroughTheConfiguration() throws {
        func configuration(_ flags: [String]) throws -> TrainingConfiguration {
            try TrainingConfiguration(Arguments(flags[...], flags: TrainCommand.flags, command: "train"))
        }
        let c = try configuration(["--decimal", ",", "--thousands", "space", "--missing", "mean", "--delimiter", ";"])
        XCTAssertEqual(c.numbers, CSVNumberFormat(decimal: UInt8(ascii: ","), thousands: 0x20))
        XCTAssertEqual(c.missingMarkers, .pandas)
        let text = c.json.serialized()
        XCTAssertTrue(text.contains("\"decimal\":\",\",\"thousands\":\" \",\"missing_markers\":[\"\",\"NA\",\"?\",\"#N/A\""), text)
        let back = try TrainingConfiguration(json: try json(text)) { CLIError(.dataError, $0) }
        XCTAssertEqual(back, c)
        // A configuration without them (every checkpoint before them) reads the old way, even with --missing.
        let plain = try configuration(["--missing", "median"])
        guard case .object(let members) = plain.json else { return XCTFail() }
        let old = JSONValue.object(members.filter { $0.0 != "missing_markers" })
        let oldBack = try TrainingConfiguration(json: old) { CLIError(.dataError, $0) }
        XCTAssertEqual(oldBack.missingMarkers, .basic)
        XCTAssertEqual(oldBack.numbers, .standard)
        XCTAssertEqual(oldBack.missing, .median)
        XCTAssertFalse(try configuration([]).json.serialized().contains("decimal"), "defaults are not written")
        for (key, value, message) in [
            ("decimal", JSONValue(";"), "\"decimal\" is not one of . ,"),
            ("missing_markers", JSONValue.array(["NA"]), "\"missing_markers\" is neither the basic markers nor pandas'"),
        ] {
            XCTAssertThrowsError(
                try TrainingConfiguration(json: .object(members.filter { $0.0 != key } + [(key, value)])) { CLIError(.dataError, $0) }
            ) { e in
                XCTAssertEqual(CLIError.from(e).message, message)
            }
        }
        // --resume keeps them: they are configuration flags.
        XCTAssertTrue(Flags.configuration.contains(Flags.decimal) && Flags.configuration.contains(Flags.thousands))
    }

    // MARK: - The task rule's edge

    func testAnIntegerTargetJustPastTheRuleSaysWhichTaskAndHowToChoose() throws {
        let dir = try TempDir()
        func write(_ name: String, classes: Int, offset: Int = 0) throws -> String {
            var text = "x,y,label\n"
            for i in 0..<(classes * 6) { text += "\(i % classes).\(i % 7),\(i % 5),\(i % classes + offset)\n" }
            try dir.write(name, Array(text.utf8))
            return dir.file(name)
        }
        let common = ["--epochs", "1", "--threads", "1", "--quiet", "--out", dir.file("m")]
        let letters = try write("letters.csv", classes: 26)
        let r = try MLP.run(["train", "--data", letters] + common)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(
            notes(r),
            "mlp: note: target 'label' holds 26 distinct whole numbers (0 to 25), more than the 20 a classification is inferred from: trained as a regression; --task classification trains 26 classes instead\n"
        )
        // Told, or far from the edge, or on the other side of it: no note.
        XCTAssertEqual(notes(try MLP.run(["train", "--data", letters, "--task", "regression"] + common)), "")
        XCTAssertEqual(notes(try MLP.run(["train", "--data", letters, "--task", "classification"] + common)), "")
        XCTAssertEqual(notes(try MLP.run(["train", "--data", try write("twenty.csv", classes: 20)] + common)), "")
        XCTAssertEqual(notes(try MLP.run(["train", "--data", try write("years.csv", classes: 30, offset: 1990)] + common)), "")
        XCTAssertEqual(notes(try MLP.run(["train", "--data", try write("wide.csv", classes: 150)] + common)), "")
        XCTAssertEqual(notes(try MLP.run(["train", "--data", try write("negative.csv", classes: 30, offset: -5)] + common)), "")
    }

    // MARK: - A wrong delimiter

    func testAWrongDelimiterIsNamed() throws {
        let dir = try TempDir()
        try dir.write("tab.tsv", Array("alpha\tbeta\tcolour\tlabel\n1\t2\tred\tp\n3\t4\tblue\tq\n".utf8))
        try dir.write("ragged.tsv", Array("alpha\tbeta\tlabel\n1,5\t2,5\tp\n".utf8))
        try dir.write("pipe.csv", Array("a|b|label\n1|2|p\n3|4|q\n".utf8))
        let out = ["--epochs", "1", "--out", dir.file("m")]
        func error(_ r: Run) -> String {
            XCTAssertEqual(r.status, 1, r.stderr)
            return r.stderr
        }
        XCTAssertEqual(
            error(try MLP.run(["train", "--data", dir.file("tab.tsv")] + out)),
            "error: \(dir.file("tab.tsv")): has no column left to learn from once the target (alpha\\tbeta\\tcolour\\tlabel) is set aside; the header holds tabs: give --delimiter tab\n"
        )
        XCTAssertEqual(
            error(try MLP.run(["train", "--data", dir.file("ragged.tsv")] + out)),
            "error: \(dir.file("ragged.tsv")): line 2 has 3 fields, the header has 1; the header holds tabs: give --delimiter tab\n")
        XCTAssertEqual(
            error(try MLP.run(["train", "--data", dir.file("pipe.csv"), "--target", "label"] + out)),
            "error: \(dir.file("pipe.csv")): has no column 'label' for --target (its columns: a|b|label); the header holds '|': give --delimiter '|'\n"
        )
        XCTAssertEqual(try MLP.run(["train", "--data", dir.file("pipe.csv"), "--delimiter", "|", "--quiet"] + out).status, 0)
    }

    // MARK: - Missing values: pandas' markers, and advice each command accepts

    func testPandasMarkersAreMissingWithMissing() throws {
        let dir = try TempDir()
        var text = "x,y,c,label\n"
        let markers = ["NaN", "nan", "null", "NULL", "N/A", "None", "<NA>", "#N/A"]
        for i in 0..<80 {
            let x = i % 5 == 1 ? markers[i % markers.count] : "\(Double(i % 9) / 4)"
            let c = i % 11 == 3 ? "null" : (i % 2 == 0 ? "red" : "blue")
            text += "\(x),\(i % 4),\(c),\(i % 2 == 0 ? "p" : "q")\n"
        }
        try dir.write("t.csv", Array(text.utf8))
        let path = dir.file("t.csv")
        // Without --missing: refused, naming the marker and the flag (not --categorical).
        let refused = try MLP.run(["train", "--data", path, "--epochs", "1", "--out", dir.file("m")])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(
            refused.stderr,
            "error: \(path): line 3, column 'x' (1): 'nan' marks a missing value; fill it in, or read it as missing with --missing mean|median|most-frequent\n"
        )
        // With it: missing in every column, the categorical one included.
        let model = dir.file("m.safetensors")
        let ok = try MLP.run(["train", "--data", path, "--missing", "most-frequent", "--epochs", "1", "--quiet", "--out", model])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let loaded = try ModelFile.load(model)
        guard case .table(let encoder, _) = loaded.input else { return XCTFail() }
        XCTAssertEqual(encoder.markers, .pandas)
        guard case .categorical(_, let categories, let impute) = encoder.columns[2] else { return XCTFail("\(encoder.columns)") }
        XCTAssertEqual(categories, ["blue", "red"])
        XCTAssertNotNil(impute)
        guard case .numeric(_, _, _, let fill) = encoder.columns[0] else { return XCTFail() }
        XCTAssertEqual(fill, 0.0, "the most frequent of 0, 0.25, … 2 (i % 9 = 0 most often among the rows kept)")
        // predict reads the markers the same way.
        try dir.write("rows.csv", Array("x,y,c\nNaN,1,null\nNone,2,red\n".utf8))
        let p = try MLP.run(["predict", "--model", model, "--input", dir.file("rows.csv")])
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertEqual(p.stdout.split(separator: "\n").count, 3)
        // A model file written before the markers existed reads them the old way, --missing or not.
        let input = try Safetensors.read(path: model).metadataValue(for: "input")!
        XCTAssertTrue(input.contains("\"missing_markers\":[\"\",\"NA\",\"?\",\"#N/A\""), input)
        var old = try JSONValue.parse(Array(input.utf8))
        if case .object(let members) = old { old = .object(members.filter { $0.0 != "missing_markers" }) }
        let (oldEncoder, _) = try TableEncoder.read(old) { CLIError(.dataError, $0) }
        XCTAssertEqual(oldEncoder.markers, .basic)
        XCTAssertEqual(oldEncoder.missing, .mostFrequent)
        // --help lists the markers.
        let help = try MLP.run(["train", "--help"])
        XCTAssertTrue(
            help.stdout.contains("#N/A, #N/A N/A, #NA, -1.#IND, -1.#QNAN, -NaN, -nan, 1.#IND, 1.#QNAN, <NA>, N/A, NULL, NaN, None, n/a,"),
            help.stdout)
    }

    func testEvaluateAndPredictAdviseWhatTheyAccept() throws {
        let dir = try TempDir()
        var text = "x,c,label\n"
        for i in 0..<40 { text += "\(i % 7),\(i % 3 == 0 ? "a" : "b"),\(i % 2)\n" }
        try dir.write("train.csv", Array(text.utf8))
        let model = dir.file("m.safetensors")
        XCTAssertEqual(try MLP.run(["train", "--data", dir.file("train.csv"), "--epochs", "1", "--quiet", "--out", model]).status, 0)
        try dir.write("gap.csv", Array("x,c,label\n1,a,0\n,b,1\n".utf8))
        try dir.write("nan.csv", Array("x,c,label\n1,a,0\nNaN,b,1\n".utf8))
        let gap = dir.file("gap.csv")
        let nan = dir.file("nan.csv")
        let retrain =
            "the model has no fill value for it (it was trained without --missing); fill it in, or retrain with --missing mean|median|most-frequent"
        for command in [["predict", "--input", gap], ["evaluate", "--data", gap]] {
            let r = try MLP.run([command[0], "--model", model] + command[1...])
            XCTAssertEqual(r.status, 1)
            XCTAssertTrue(
                r.stderr.hasSuffix("error: \(gap): line 3, column 'x' (1): missing value (empty, NA or ?), and \(retrain)\n"), r.stderr)
        }
        for command in [["predict", "--input", nan], ["evaluate", "--data", nan]] {
            let r = try MLP.run([command[0], "--model", model] + command[1...])
            XCTAssertEqual(r.status, 1)
            XCTAssertTrue(
                r.stderr.hasSuffix(
                    "error: \(nan): line 3, column 'x' (1): 'NaN' marks a missing value; fill it in, or retrain the model with --missing mean|median|most-frequent, which reads it as missing\n"
                ), r.stderr)
        }
        // train takes --missing: its test file's error says so.
        let t = try MLP.run(["train", "--data", dir.file("train.csv"), "--test-data", gap, "--epochs", "1", "--out", dir.file("m2")])
        XCTAssertEqual(t.status, 1)
        XCTAssertEqual(
            t.stderr,
            "error: \(gap): line 3, column 'x' (1): missing value (empty, NA or ?); fill it in, or impute it with --missing mean|median|most-frequent\n"
        )
    }

    // MARK: - ID and extra columns

    func testIDColumnAndExtraColumns() throws {
        let dir = try TempDir()
        var text = "x,c,label\n"
        for i in 0..<60 { text += "\(i % 10),\(i % 3 == 0 ? "a" : "b"),\(i % 10 < 5 ? "low" : "high")\n" }
        try dir.write("train.csv", Array(text.utf8))
        let model = dir.file("m.safetensors")
        XCTAssertEqual(
            try MLP.run([
                "train", "--data", dir.file("train.csv"), "--epochs", "40", "--batch-size", "8", "--threads", "1",
                "--quiet", "--out", model,
            ]).status, 0)
        // Extra columns (an id, notes that are mostly numbers) are ignored with one line; the ID is echoed as written.
        try dir.write("rows.csv", Array("id,notes,x,c\nNA,1,0,a\nB-7,2,9,b\n\"a,b\",lots,1,a\n".utf8))
        let rows = dir.file("rows.csv")
        let p = try MLP.run(["predict", "--model", model, "--input", rows, "--id-column", "id"])
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertEqual(p.stderr, "mlp: note: \(rows): ignoring column 'notes', which the model does not read\n")
        let lines = p.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(lines[0], "id,index,predicted,probability")
        XCTAssertTrue(lines[1].hasPrefix("NA,0,low,"), lines[1])
        XCTAssertTrue(lines[2].hasPrefix("B-7,1,high,"), lines[2])
        XCTAssertTrue(lines[3].hasPrefix("\"a,b\",2,low,"), lines[3])
        let j = try MLP.run(["predict", "--model", model, "--input", rows, "--id-column", "id", "--json"])
        let first = try json(String(j.stdout.split(separator: "\n")[0]))
        XCTAssertEqual(first["id"], "NA")
        XCTAssertTrue(j.stdout.hasPrefix("{\"id\":\"NA\",\"index\":0,"), j.stdout)
        // Without --id-column both extra columns are ignored; a feature column may serve as the ID.
        let plain = try MLP.run(["predict", "--model", model, "--input", rows])
        XCTAssertEqual(plain.stderr, "mlp: note: \(rows): ignoring 2 columns 'id', 'notes', which the model does not read\n")
        XCTAssertEqual(plain.stdout.split(separator: "\n")[0], "index,predicted,probability")
        let byX = try MLP.run(["predict", "--model", model, "--input", rows, "--id-column", "x"])
        XCTAssertEqual(byX.stdout.split(separator: "\n")[2].split(separator: ",").first, "9")
        let absent = try MLP.run(["predict", "--model", model, "--input", rows, "--id-column", "key"])
        XCTAssertEqual(absent.status, 1)
        XCTAssertTrue(
            absent.stderr.hasSuffix("error: \(rows): has no column 'key' for --id-column (its columns: id, notes, x, c)\n"), absent.stderr)

        // evaluate: extra columns ignored; --misclassified lists each mistake with its ID.
        try dir.write("test.csv", Array("id,x,c,label\nr1,0,a,high\nr2,9,b,high\nr3,1,a,low\nr4,8,b,low\n".utf8))
        let test = dir.file("test.csv")
        let e = try MLP.run(["evaluate", "--model", model, "--data", test, "--misclassified", "5", "--id-column", "id"])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertEqual(e.stderr, "")
        XCTAssertTrue(
            e.stdout.contains(
                "all 2 misclassified rows, most confident first\nid  index  true  predicted  probability\n──  ─────  ────  ─────────  ───────────\nr1      0  high        low"
            ), e.stdout)
        XCTAssertTrue(e.stdout.contains("\nr4      3   low       high"), e.stdout)
        let ej = try MLP.run(["evaluate", "--model", model, "--data", test, "--misclassified", "5", "--id-column", "id", "--json"])
        guard case .array(let wrong)? = try json(ej.stdout)["misclassified"] else { return XCTFail(ej.stdout) }
        XCTAssertEqual(wrong.map { $0["id"] }, ["r1", "r4"])
        let noted = try MLP.run(["evaluate", "--model", model, "--data", test])
        XCTAssertEqual(noted.stderr, "mlp: note: \(test): ignoring column 'id', which the model does not read\n")
        let usage = try MLP.run(["evaluate", "--model", model, "--data", test, "--id-column", "id"])
        XCTAssertEqual(usage.status, 2)
        XCTAssertTrue(
            usage.stderr.hasPrefix("error: --id-column names the rows of the --misclassified list; add --misclassified N\n"), usage.stderr)
        // train's test file may hold extra columns too.
        let t = try MLP.run([
            "train", "--data", dir.file("train.csv"), "--test-data", test, "--epochs", "1", "--quiet", "--out", dir.file("m2"),
        ])
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertEqual(notes(t), "mlp: note: \(test): ignoring column 'id', which the model does not read\n")
    }
}

extension Array {
    fileprivate subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
