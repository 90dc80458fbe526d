// The raw-row graph of a table model (ONNXTableGraph.swift), run by onnxruntime on CSV rows
// (Scripts/onnx_check.py --csv): behind an identity network its outputs are the encoded features,
// compared with mlp's encoding computed here and, for date columns, with Scripts/date_features.py
// (Python's datetime calendar). Skipped where onnx and onnxruntime cannot be imported.

import Formats
import Foundation
import TestSupport
import XCTest

final class ONNXTableGraphTests: XCTestCase {
    static let check = Package.path("Scripts/onnx_check.py")
    static let dateReference = Package.path("Scripts/date_features.py")

    /// onnx_check.py's report for `model` on the CSV `text`.
    func run(_ model: [UInt8], csv text: String) throws -> JSONValue {
        try run([(model, text)])[0]
    }

    /// onnx_check.py's reports for each model on its CSV, from one Python process.
    func run(_ jobs: [([UInt8], String)]) throws -> [JSONValue] {
        try ONNXHarness.requireRuntime()
        let dir = try TempDir()
        var list: [JSONValue] = []
        for (i, (model, text)) in jobs.enumerated() {
            try dir.write("\(i).onnx", model)
            try dir.write("\(i).csv", Array(text.utf8))
            list.append(.object([("model", JSONValue(dir.file("\(i).onnx"))), ("csv", JSONValue(dir.file("\(i).csv")))]))
        }
        try dir.write("jobs.json", Array(JSONValue.array(list).serialized().utf8))
        let p = try ProcessRunner.run("/usr/bin/env", ["python3", Self.check, "--jobs", dir.file("jobs.json"), "--threads", "1"])
        XCTAssertEqual(p.status, 0, p.stderr)
        guard case .array(let reports) = try JSONValue.parse(Array(p.stdoutData)), reports.count == jobs.count else {
            throw ONNXHarness.HarnessError("onnx_check.py printed no list of \(jobs.count) reports: \(p.stdout.prefix(300))")
        }
        for r in reports { if case .string(let e)? = r["error"] { XCTFail(e) } }
        return reports
    }

    static func rows(_ v: JSONValue?) -> [[Double]] {
        guard case .array(let rows)? = v else { return [] }
        return rows.map { row in
            guard case .array(let xs) = row else { return [] }
            return xs.map {
                if case .number(let d) = $0 { return d }
                return .nan
            }
        }
    }

    /// The identity network on `width` features, so that the graph's outputs are its encoded features.
    static func identity(_ width: Int) -> ([ONNXExport.Layer], ONNXExport.TableOutput) {
        var w = [Float](repeating: 0, count: width * width)
        for i in 0..<width { w[i * width + i] = 1 }
        return (
            [.dense(weight: w, out: width, in: width, bias: [Float](repeating: 0, count: width), activation: "linear")],
            .values(
                columns: (0..<width).map { "f\($0)" }, mean: [Float](repeating: 0, count: width),
                std: [Float](repeating: 1, count: width))
        )
    }

    /// The reference features of `dates` (ISO text, "" for missing) from Python's datetime.
    func dateFeatures(_ dates: [String], mean: Double, std: Double, hours: Bool, fill: Double?) throws -> [[Double]?] {
        let args = [Self.dateReference, "\(mean)", "\(std)"] + (hours ? ["--hours"] : []) + (fill.map { ["--fill", "\($0)"] } ?? [])
        let p = try ProcessRunner.run("/usr/bin/env", ["python3"] + args, input: Array(dates.map { $0 + "\n" }.joined().utf8))
        XCTAssertEqual(p.status, 0, p.stderr)
        guard case .array(let items) = try JSONValue.parse(Array(p.stdoutData)) else { return [] }
        return items.map { item in
            guard case .array(let xs)? = item["features"] else { return nil }
            return xs.map {
                if case .number(let d) = $0 { return d }
                return .nan
            }
        }
    }

    static let dates = [
        "1970-01-01", "1969-12-31T23:59:59", "2000-02-29T12:00:00", "1900-03-01", "1900-02-28T23:59:59",
        "2100-12-31 23:59", "2024-12-31T23:59:59", "2023-01-01", "0001-01-01", "9999-12-31T23:59:59",
        "1600-02-29", "2012-01-31T13:45:00", "1985-07-04T06:30:15", "2024-03-01T00:00:00", "1969-03-01", "2000-12-31T23:00:00",
        "2000-03-01", "",
    ]

    func testEveryColumnKindEncodesAsMlpDoes() throws {
        let table = ONNXExport.Table(columns: [
            .numeric(name: "n1", mean: 10, std: 4, impute: 12),
            .categorical(name: "c1", categories: ["a", "b", "c"], impute: "b"),
            .date(name: "d1", mean: 1.3e9, std: 2e8, impute: 1e9, hours: true),
            .numeric(name: "n2", mean: -1, std: 0.5, impute: nil),
            .categorical(name: "c2", categories: ["x", "y"], impute: nil),
            .date(name: "d2", mean: 0, std: 1e9, impute: nil, hours: false),
        ])
        XCTAssertEqual(table.width, 1 + 3 + 7 + 1 + 2 + 5)
        let (layers, output) = Self.identity(table.width)
        let model = try ONNXExport.onnxModel(table: table, layers: layers, output: output, metadata: [("architecture", "test")])

        // The columns with fill values take every kind of missing value; the others none.
        let n1 = ["3", "", "NA", "14.5", "?", "-2"]
        let c1 = ["a", "", "c", "NA", "zz", "?", "b"]
        var csv = "n1,c1,d1,n2,c2,d2\n"
        let count = Self.dates.count
        let d2 = Self.dates.filter { !$0.isEmpty }
        for r in 0..<count {
            csv +=
                "\(n1[r % n1.count]),\(c1[r % c1.count]),\(Self.dates[r]),\(Float(r) / 4),\(["x", "y", "w"][r % 3]),\(d2[(r + 5) % d2.count])\n"
        }
        let report = try run(model, csv: csv)
        XCTAssertEqual(report["checker"], .string("ok"))
        let actual = Self.rows(report["outputs"]?["values"])
        XCTAssertEqual(actual.count, count)

        let d1Features = try dateFeatures(Self.dates, mean: 1.3e9, std: 2e8, hours: true, fill: 1e9)
        let d2Features = try dateFeatures((0..<count).map { d2[($0 + 5) % d2.count] }, mean: 0, std: 1e9, hours: false, fill: nil)
        var worst = 0.0
        for r in 0..<min(count, actual.count) {
            var expected: [Double] = []
            let v1 = Float(n1[r % n1.count]) ?? 12
            expected.append(Double((v1 - 10) * (1 / Float(4))))
            let k1 = ["a": 0, "b": 1, "c": 2, "": 1, "NA": 1, "?": 1][c1[r % c1.count]]
            expected += (0..<3).map { $0 == k1 ? 1 : 0 }
            expected += try XCTUnwrap(d1Features[r])
            expected.append(Double((Float(r) / 4 - -1) * (1 / Float(0.5))))
            let k2 = ["x": 0, "y": 1][["x", "y", "w"][r % 3]]
            expected += (0..<2).map { $0 == k2 ? 1 : 0 }
            expected += try XCTUnwrap(d2Features[r])
            XCTAssertEqual(actual[r].count, expected.count, "row \(r)")
            for (j, (a, e)) in zip(actual[r], expected).enumerated() {
                // float32 features: within 1e-6 of their size
                let miss = abs(a - e) / max(1, abs(e))
                if !(miss <= 1e-6) { XCTFail("row \(r) (\(Self.dates[r])) feature \(j): onnxruntime \(a), reference \(e)") }
                worst = max(worst, miss)
            }
        }
        print("table graph features: \(count) rows, max relative difference \(worst)")

        // The metadata describes the inputs, the missing values and the date unit.
        guard case .string(let inputs)? = report["metadata"]?["inputs"] else { return XCTFail("no inputs metadata") }
        XCTAssertEqual(
            try JSONValue.parse(Array(inputs.utf8)).serialized(),
            #"[{"name":"n1","column":"n1","type":"numeric","element_type":"float"},"#
                + #"{"name":"c1","column":"c1","type":"categorical","element_type":"string"},"#
                + #"{"name":"d1","column":"d1","type":"date","element_type":"double","unit":"seconds since 1970-01-01T00:00:00Z (UTC), as a double"},"#
                + #"{"name":"n2","column":"n2","type":"numeric","element_type":"float"},"#
                + #"{"name":"c2","column":"c2","type":"categorical","element_type":"string"},"#
                + #"{"name":"d2","column":"d2","type":"date","element_type":"double","unit":"seconds since 1970-01-01T00:00:00Z (UTC), as a double"}]"#
        )
        XCTAssertEqual(
            report["metadata"]?["missing_values"],
            .string(
                #"NaN in a float or double input; "", "NA", "?" in a string input; "#
                    + "filled with the training rows' values where the model has one, otherwise the row's outputs are NaN"))
        guard case .string(let dates)? = report["metadata"]?["dates"] else { return XCTFail("no dates metadata") }
        XCTAssertTrue(dates.hasPrefix("a date column is a double input: seconds since 1970-01-01T00:00:00Z (UTC)"), dates)
        XCTAssertEqual(report["metadata"]?["architecture"], .string("test"))
        XCTAssertEqual(report["opset"], .object([("ai.onnx", .number(17)), ("ai.onnx.ml", .number(3))]))
        guard case .array(let graphInputs)? = report["graph_inputs"] else { return XCTFail("no graph inputs") }
        XCTAssertEqual(
            graphInputs.map { $0["type"] ?? .null },
            [
                "tensor(float)", "tensor(string)", "tensor(double)", "tensor(float)",
                "tensor(string)", "tensor(double)",
            ].map { JSONValue.string($0) })
        guard case .array(let ops)? = report["operators"] else { return XCTFail("no operators") }
        for op in ["Imputer", "Scaler", "LabelEncoder", "OneHotEncoder", "Concat", "Sin", "Cos", "Mod"] {
            XCTAssertTrue(ops.contains(.string(op)), op)
        }
    }

    /// A missing value in a column without a fill value makes the row's outputs NaN (mlp refuses such a
    /// row), whatever the column's kind and the missing marker; an unseen category does not.
    func testAMissingValueWithoutAFillValueGivesNaN() throws {
        let table = ONNXExport.Table(columns: [
            .numeric(name: "n", mean: 0, std: 1, impute: nil),
            .categorical(name: "c", categories: ["x", "y"], impute: nil),
            .date(name: "d", mean: 0, std: 1e9, impute: nil, hours: true),
        ])
        let (layers, output) = Self.identity(table.width)
        let model = try ONNXExport.onnxModel(table: table, layers: layers, output: output, metadata: [])
        let report = try run(
            model, csv: "n,c,d\n1,x,2001-01-01\n,x,2001-01-01\n1,,2001-01-01\n1,NA,2001-01-01\n1,?,2001-01-01\n1,x,\n1,zz,2001-01-01\n")
        XCTAssertEqual(
            Self.rows(report["outputs"]?["values"]).map { $0.allSatisfy(\.isNaN) }, [false, true, true, true, true, true, false])
        XCTAssertEqual(
            report["metadata"]?["missing_values"],
            .string(
                #"NaN in a float or double input; "", "NA", "?" in a string input; "#
                    + "the model has no fill values: a row with a missing value gets NaN outputs"))
    }

    /// Labels: int64 when every label is an integer written as such, strings otherwise; the label is
    /// the most probable class's.
    func testLabelsAreIntegersOrStrings() throws {
        let table = ONNXExport.Table(columns: [.numeric(name: "x", mean: 0, std: 1, impute: nil)])
        // Three classes, logits (x, 0, −x): class 0 for x > 0, class 2 for x < 0, a tie (class 0) at 0.
        let layers: [ONNXExport.Layer] = [.dense(weight: [1, 0, -1], out: 3, in: 1, bias: [0, 0, 0], activation: "linear")]
        let cases: [([String], String, [JSONValue])] = [
            (["-1", "0", "2"], "tensor(int64)", [.number(-1), .number(2), .number(-1)]),
            (["01", "1", "2"], "tensor(string)", [.string("01"), .string("2"), .string("01")]),
            (["0.5", "1", "2"], "tensor(string)", [.string("0.5"), .string("2"), .string("0.5")]),
            (["cat", "dog", "emu"], "tensor(string)", [.string("cat"), .string("emu"), .string("cat")]),
        ]
        let reports = try run(
            try cases.map { (labels, _, _) in
                (
                    try ONNXExport.onnxModel(
                        table: table, layers: layers, output: .classes(labels: labels, probabilities: .softmax), metadata: []),
                    "x\n3\n-3\n0\n"
                )
            })
        for ((labels, type, expected), report) in zip(cases, reports) {
            guard case .array(let outputs)? = report["graph_outputs"] else { return XCTFail("no outputs") }
            XCTAssertEqual(outputs.map { $0["name"] ?? .null }, [.string("label"), .string("probabilities")])
            XCTAssertEqual(outputs.first?["type"], .string(type), "\(labels)")
            XCTAssertEqual(report["outputs"]?["label"], .array(expected), "\(labels)")
            let p = Self.rows(report["outputs"]?["probabilities"])
            let e: Double = exp(3.0)
            let z: Double = e + 1 + 1 / e
            let want: [Double] = [e / z, 1 / z, 1 / e / z]
            XCTAssertEqual(p.first?.count, 3)
            for (a, b) in zip(p.first ?? [], want) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        }
    }

    /// A calibration temperature T divides the logits before the softmax or sigmoid, in both graphs:
    /// the same as the network with its last layer divided by T.
    func testTemperatureDividesTheLogits() throws {
        let w: [Float] = [0.5, -1, 2, 0.25, 1.5, -0.75]
        let b: [Float] = [0.1, -0.2, 0.3]
        var hot = ONNXExport.Options()
        hot.temperature = 2
        let table = ONNXExport.Table(columns: [
            .numeric(name: "a", mean: 0, std: 1, impute: nil), .numeric(name: "b", mean: 0, std: 1, impute: nil),
        ])
        let csv = "a,b\n1,2\n-1,0.5\n3,-2\n"
        for probabilities in [ONNXExport.Output.softmax, .sigmoid] {
            let withT = try ONNXExport.onnxModel(
                table: table, layers: [.dense(weight: w, out: 3, in: 2, bias: b, activation: "linear")],
                output: .classes(labels: ["a", "b", "c"], probabilities: probabilities), metadata: [], options: hot)
            let halved = try ONNXExport.onnxModel(
                table: table, layers: [.dense(weight: w.map { $0 / 2 }, out: 3, in: 2, bias: b.map { $0 / 2 }, activation: "linear")],
                output: .classes(labels: ["a", "b", "c"], probabilities: probabilities), metadata: [])
            let plain = try ONNXExport.onnxModel(
                table: table, layers: [.dense(weight: w, out: 3, in: 2, bias: b, activation: "linear")],
                output: .classes(labels: ["a", "b", "c"], probabilities: probabilities), metadata: [])
            let reports = try run([(withT, csv), (halved, csv), (plain, csv)])
            let (t, h, p) = (reports[0], reports[1], reports[2])
            let (pt, ph, pp) = (
                Self.rows(t["outputs"]?["probabilities"]), Self.rows(h["outputs"]?["probabilities"]),
                Self.rows(p["outputs"]?["probabilities"])
            )
            XCTAssertEqual(pt.count, 3)
            var changed = 0.0
            for (r, x) in pt.enumerated() {
                for (j, v) in x.enumerated() {
                    XCTAssertEqual(v, ph[r][j], accuracy: 1e-6)
                    changed = max(changed, abs(v - pp[r][j]))
                }
            }
            XCTAssertGreaterThan(changed, 1e-3, "T changes the answer")
        }
        // The image graph's hook is the same.
        let image = try ONNXExport.onnxModel(
            inputWidth: 2, input: .identity,
            layers: [.dense(weight: w, out: 3, in: 2, bias: b, activation: "linear")],
            output: .softmax, metadata: [], options: hot)
        let reference = try ONNXExport.onnxModel(
            inputWidth: 2, input: .identity,
            layers: [.dense(weight: w.map { $0 / 2 }, out: 3, in: 2, bias: b.map { $0 / 2 }, activation: "linear")],
            output: .softmax, metadata: [])
        let reports = try ONNXHarness.run([
            .init(label: "T", model: image, rows: [[1, 2], [-1, 0.5]]),
            .init(label: "halved", model: reference, rows: [[1, 2], [-1, 0.5]]),
        ])
        if let a = ONNXHarness.outputs(reports[0], "T"), let e = ONNXHarness.outputs(reports[1], "halved") {
            assertClose(a, e, tolerance: 1e-6, "temperature in the image graph")
        }
    }

    func testInputNamesAreIdentifiersDistinctFromEachOtherAndTheOutputs() {
        XCTAssertEqual(
            ONNXExport.inputNames(["age", "native country", "1st", "a.b", "label", "age", "é", "", "x-y"], reserved: ["label"]),
            ["age", "native_country", "_1st", "a_b", "label_2", "age_2", "_", "__2", "x_y"])
    }

    func testDescriptionsThatCannotBeExported() {
        func error(_ columns: [ONNXExport.Table.Column], _ output: ONNXExport.TableOutput? = nil) -> String? {
            let table = ONNXExport.Table(columns: columns)
            let (layers, identity) = Self.identity(max(table.width, 1))
            do {
                _ = try ONNXExport.onnxModel(table: table, layers: layers, output: output ?? identity, metadata: [])
                return nil
            } catch { return error.message }
        }
        XCTAssertEqual(
            error([.categorical(name: "c", categories: ["a", "b"], impute: "z")]),
            "column 'c': the fill category 'z' is not one of its categories")
        XCTAssertEqual(
            error([.numeric(name: "n", mean: 0, std: 0, impute: nil)]),
            "column 'n': mean 0.0, std 0.0, fill value none; expected finite numbers and std > 0")
        XCTAssertEqual(
            error([.date(name: "d", mean: .nan, std: 1, impute: nil, hours: false)]),
            "column 'd': mean nan, std 1.0, fill value none; expected finite numbers and std > 0")
        XCTAssertEqual(
            error([.numeric(name: "n", mean: 0, std: 1, impute: nil)], .classes(labels: ["a", "b"], probabilities: .softmax)),
            "2 labels for 1 outputs")
        XCTAssertEqual(error([]), "the table has no input columns")
    }
}
