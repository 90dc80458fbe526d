import Formats
// The Tables library on its own, as a program uses it: a CSV file read into datasets with the
// encoders it teaches, a seeded test split, and errors that name the setting at fault in the
// caller's words.
import Foundation
import Model
import Tables
import XCTest

final class TabularDataTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("tables-tests-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A table of `rows` rows: a number, a category and a whole-number class.
    func table(rows: Int) throws -> String {
        var text = "x,colour,label\n"
        for i in 0..<rows { text += "\(Double(i) / 4),\(["red", "green", "blue"][i % 3]),\(i % 2)\n" }
        let path = dir.appendingPathComponent("t.csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testATableWithATestSplit() throws {
        let path = try table(rows: 40)
        let settings = TableSettings(testSplit: 0.25)
        let loaded = try TabularData.load(train: path, test: nil, settings: settings, seed: 7, threads: 1)
        XCTAssertEqual(loaded.train.count, 30)
        XCTAssertEqual(loaded.test?.count, 10)
        XCTAssertEqual(loaded.taskReason, .wholeNumbers)
        XCTAssertEqual(loaded.target, .classes(column: "label", labels: ["0", "1"]))
        XCTAssertEqual(loaded.encoder.width, 4, "x, and one input per colour")
        XCTAssertEqual(loaded.testRows?.count, 10)
        XCTAssertEqual(loaded.testRows, loaded.testRows?.sorted(), "the held-out rows are kept in file order")
        let again = try TabularData.load(train: path, test: nil, settings: settings, seed: 7, threads: 1)
        XCTAssertEqual(again.testRows, loaded.testRows, "the same seed holds out the same rows")
        let other = try TabularData.load(train: path, test: nil, settings: settings, seed: 8, threads: 1)
        XCTAssertNotEqual(other.testRows, loaded.testRows, "another seed, other rows")
        // The split is the seeded split for tests, which the validation split does not share.
        let (_, held) = try XCTUnwrap(SeededSplit.split(count: 40, fraction: 0.25, seed: 7, purpose: .test))
        XCTAssertEqual(loaded.testRows, held.map { Int($0) }.sorted())
        let validation = try XCTUnwrap(SeededSplit.split(count: 40, fraction: 0.25, seed: 7, purpose: .validation))
        XCTAssertNotEqual(validation.held.map { Int($0) }.sorted(), loaded.testRows)
    }

    func testErrorsNameTheSettingAtFault() throws {
        let path = try table(rows: 6)
        XCTAssertThrowsError(try TabularData.load(train: path, test: nil, settings: TableSettings(target: ["lable"]), seed: 1, threads: 1))
        { e in
            guard let e = e as? TablesError, case .noSuchColumn(_, "lable", .target, _, _) = e else { return XCTFail("\(e)") }
            XCTAssertFalse(e.isSettingError, "the file lacks the column: a data error")
            XCTAssertTrue(
                e.message { "--\($0.rawValue)" }.contains(
                    "has no column 'lable' for --target (its columns: x, colour, label); did you mean 'label'?"),
                e.message { "--\($0.rawValue)" })
            XCTAssertTrue(e.description.contains("for target"), e.description)
        }
        XCTAssertThrowsError(try TabularData.load(train: path, test: nil, settings: TableSettings(testSplit: 0.01), seed: 1, threads: 1)) {
            e in
            guard let e = e as? TablesError else { return XCTFail("\(e)") }
            XCTAssertTrue(e.isSettingError)
            XCTAssertEqual(e.message { $0 == .testSplit ? "--test-split" : "?" }, "--test-split 0.01 of 6 rows leaves no test rows")
        }
    }
}
