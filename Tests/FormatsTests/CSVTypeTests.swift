// How the reader types columns: numeric when every present value is a number, text when at least half
// are not, an error in between; forced text and forced numeric; categories in order of appearance.

import XCTest

@testable import Formats

final class CSVTypeTests: XCTestCase {
    func testNumericWhenEveryValueIsANumber() throws {
        let table = try CSVTest.read("a,b\n1,NA\n2.5,?\n-3e2,\n")
        XCTAssertTrue(table.columns[0].isNumeric)
        XCTAssertTrue(table.columns[1].isNumeric, "a column with no present value is numeric")
        XCTAssertEqual(table.columns[1].missing, 3)
        XCTAssertEqual(CSVTest.values(table, "b")?.allSatisfy(\.isNaN), true)
    }

    func testTextColumnsAndCategoryOrder() throws {
        // Categories are numbered in order of first appearance; numbers in a text column are
        // categories spelled as written ("1" and "1.0" differ).
        let table = try CSVTest.read("c\nred\nblue\n1\nred\n1.0\n\ngreen\nblue\n")
        guard let (codes, categories) = table.columns[0].textValues else { return XCTFail("not text") }
        XCTAssertEqual(categories, ["red", "blue", "1", "1.0", "green"])
        XCTAssertEqual(codes, [0, 1, 2, 0, 3, -1, 4, 1])
        XCTAssertEqual(table.columns[0].missing, 1)
    }

    func testHalfTextIsText() throws {
        let table = try CSVTest.read("c\n1\nx\n2\ny\n")
        XCTAssertEqual(CSVTest.text(table, "c"), ["1", "x", "2", "y"])
    }

    func testMostlyNumbersIsAnError() {
        XCTAssertEqual(
            CSVTest.error("c\n1\nx\n2\n"),
            "t.csv: line 3, column 'c' (1): 'x' is not a number (the column's other 2 values are); use --categorical c if it holds categories"
        )
    }

    /// Text that appears only after the first rows: the chunk parsed the column as numbers and must
    /// read it again as text, keeping the categories in order of appearance.
    func testTextAfterManyNumbers() throws {
        var text = "id,c\n"
        for i in 0..<200 { text += "\(i),\(i % 7)\n" }
        for i in 0..<300 { text += "\(i),k\(i % 3)\n" }
        let table = try CSVTest.read(text)
        guard let (codes, categories) = table.columns[1].textValues else { return XCTFail("not text") }
        XCTAssertEqual(categories, ["0", "1", "2", "3", "4", "5", "6", "k0", "k1", "k2"])
        XCTAssertEqual(codes.count, 500)
        XCTAssertEqual(codes[0..<8], [0, 1, 2, 3, 4, 5, 6, 0])
        XCTAssertEqual(codes[200..<204], [7, 8, 9, 7])
        XCTAssertTrue(table.columns[0].isNumeric)
    }

    /// Text first, numbers after: the column was switched to text at once, then turns out mostly
    /// numeric: the error names the first text value.
    func testTextFirstThenManyNumbers() {
        var text = "v\nabc\n"
        for i in 0..<300 { text += "\(i)\n" }
        XCTAssertEqual(
            CSVTest.error(text),
            "t.csv: line 2, column 'v' (1): 'abc' is not a number (the column's other 300 values are); use --categorical v if it holds categories"
        )
    }

    func testForcedText() throws {
        var options = CSVOptions()
        options.textColumns = ["zip"]
        let table = try CSVTest.read("zip,n\n02134,1\n2134,2\n02134,3\nNA,4\n", options)
        XCTAssertEqual(CSVTest.text(table, "zip"), ["02134", "2134", "02134", nil])
        XCTAssertTrue(table.columns[1].isNumeric)
        // nan is a plain category in a text column.
        let nan = try CSVTest.read("zip\nnan\n1\n", options.with(text: ["zip"]))
        XCTAssertEqual(CSVTest.text(nan, "zip"), ["nan", "1"])
    }

    func testForcedNumeric() throws {
        var options = CSVOptions()
        options.numericColumns = ["age"]
        let table = try CSVTest.read("age,s\n30,a\n?,b\n", options)
        XCTAssertEqual(table.columns[0].missing, 1)
        XCTAssertEqual(
            CSVTest.error("age,s\n30,a\nthirty,b\n31,c\n", options),
            "t.csv: line 3, column 'age' (1): 'thirty' is not a number, and this column must be numeric")
        // Even when the column is all text.
        XCTAssertEqual(
            CSVTest.error("age\nold\nyoung\n", options),
            "t.csv: line 2, column 'age' (1): 'old' is not a number, and this column must be numeric")
        XCTAssertEqual(
            CSVTest.error("age\n1\ninf\n", options),
            "t.csv: line 3, column 'age' (1): 'inf' is not allowed: numbers must be finite (write a missing value as an empty field, NA or ?)"
        )
        options.markerAdvice = "retrain"
        XCTAssertEqual(
            CSVTest.error("age\n1\nnan\n", options),
            "t.csv: line 3, column 'age' (1): 'nan' marks a missing value; fill it in, or retrain")
    }

    func testLongValuesAreCutInMessages() {
        let long = String(repeating: "x", count: 500)
        let message = CSVTest.error("a\n1\n2\n3\n\(long)\n")
        XCTAssertTrue(message.contains("'" + String(repeating: "x", count: 60) + "…'"), message)
        XCTAssertLessThan(message.count, 250)
    }
}

extension CSVOptions {
    func with(text: Set<String> = [], numeric: Set<String> = [], threads: Int? = nil) -> CSVOptions {
        var options = self
        options.textColumns = text
        options.numericColumns = numeric
        if let threads { options.threads = threads }
        return options
    }
}
