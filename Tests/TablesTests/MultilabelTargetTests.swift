import Formats
// Multi-label targets in the Tables library: which target columns make labels, the [off, on] pair
// of each (sorted as classes are: the greater value is on), the 0/1 targets, the JSON a model file
// keeps, and the errors for a column of other values.
import Foundation
import Model
import Tables
import XCTest

final class MultilabelTargetTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("multilabel-tests-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func write(_ text: String, _ name: String = "t.csv") throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// x; labels a (0/1), b (no/yes), rare (0 in every row), and y (a number of many values).
    func table(rows: Int = 12) throws -> String {
        var text = "x,a,b,rare,y\n"
        for i in 0..<rows { text += "\(i),\(i % 2),\(i % 3 == 0 ? "yes" : "no"),0,\(Double(i) * 1.5)\n" }
        return try write(text)
    }

    func testTwoValuedColumnsAreInferredAsLabels() throws {
        let path = try table()
        let loaded = try TabularData.load(train: path, test: nil, settings: TableSettings(target: ["a", "b", "rare"]), seed: 1, threads: 1)
        XCTAssertEqual(loaded.taskReason, .labelColumns(3))
        XCTAssertEqual(loaded.target, .labels(columns: ["a", "b", "rare"], values: [["0", "1"], ["no", "yes"], ["0", "1"]]))
        XCTAssertEqual(loaded.target.task, .multilabel)
        XCTAssertEqual(loaded.target.outputs, 3)
        guard case .values(let t, let w) = loaded.train.targets else { return XCTFail("0/1 targets per label") }
        XCTAssertEqual(w, 3)
        XCTAssertEqual(Array(t[0..<9]), [0, 1, 0, 1, 0, 0, 0, 0, 0])  // rows 0, 1 and 2
        // A column of many values among them: a regression, as several target columns were before.
        let mixed = try TabularData.load(train: path, test: nil, settings: TableSettings(target: ["a", "y"]), seed: 1, threads: 1)
        XCTAssertEqual(mixed.taskReason, .targetColumns(2))
        XCTAssertEqual(mixed.target.task, .regression)
        // Asked for, a single column is one label.
        let one = try TabularData.load(
            train: path, test: nil, settings: TableSettings(target: ["b"], task: .multilabel), seed: 1, threads: 1)
        XCTAssertEqual(one.target, .labels(columns: ["b"], values: [["no", "yes"]]))
    }

    func testTheTargetRoundTripsThroughJSON() throws {
        let target = TargetEncoder.labels(columns: ["a", "b"], values: [["0", "1"], ["no", "yes"]])
        struct Failure: Error { let message: String }
        let back = try TargetEncoder.read(target.json) { Failure(message: $0) }
        XCTAssertEqual(back, target)
        for bad in [
            #"{"kind":"labels","columns":["a"],"values":[["0","0"]]}"#,
            #"{"kind":"labels","columns":["a","a"],"values":[["0","1"],["0","1"]]}"#,
            #"{"kind":"labels","columns":["a"],"values":[["0","1","2"]]}"#, #"{"kind":"labels","columns":["a","b"],"values":[["0","1"]]}"#,
        ] {
            XCTAssertThrowsError(try TargetEncoder.read(try JSONValue.parse(Array(bad.utf8))) { Failure(message: $0) }, bad) { error in
                XCTAssertEqual((error as? Failure)?.message, "\"target\" needs distinct columns with two distinct values each")
            }
        }
    }

    func testOtherValuesAreOneLineErrors() throws {
        let path = try table()
        XCTAssertThrowsError(
            try TabularData.load(
                train: path, test: nil, settings: TableSettings(target: ["a", "x"], task: .multilabel), seed: 1, threads: 1)
        ) { error in
            XCTAssertEqual(
                "\(error)",
                "\(path): the target column 'x' holds 12 values ('0', '1', '2', '3', '4', …); a multi-label target needs two in each column, such as 0/1 or no/yes (or choose another task)"
            )
        }
        // A text column with one value says which.
        let single = try write("x,a,b\n1,0,no\n2,1,no\n", "s.csv")
        XCTAssertThrowsError(
            try TabularData.load(
                train: single, test: nil, settings: TableSettings(target: ["a", "b"], task: .multilabel), seed: 1, threads: 1)
        ) { error in
            XCTAssertEqual(
                "\(error)",
                "\(single): the target column 'b' holds 1 value ('no'); a multi-label target needs two in each column, such as 0/1 or no/yes (or choose another task)"
            )
        }
        // Evaluating: a value the model was not trained with.
        let loaded = try TabularData.load(train: path, test: nil, settings: TableSettings(target: ["a", "b"]), seed: 1, threads: 1)
        let other = try write("x,rare,y,a,b\n1,0,1,0,no\n2,0,3,2,yes\n", "o.csv")
        let t = try TabularData.read(other, loaded.encoder.readingOptions(CSVOptions(threads: 1), target: loaded.target))
        XCTAssertThrowsError(try TabularData.encodeLabelled(t, encoder: loaded.encoder, target: loaded.target)) { error in
            XCTAssertEqual(
                "\(error)", "\(other): line 3, column 'a' (4): '2' in 'a' is neither '0' nor '1', the two values the model was trained with"
            )
        }
    }
}
