// The reader's options beyond the dialect: pandas' missing-value markers, columns read as written
// (an ID), columns a model ignores read as text, and the hint at the delimiter when the header came
// out as one column.

import XCTest

@testable import Formats

final class CSVReadingOptionsTests: XCTestCase {
    func testPandasMarkersAreMissingWhenAsked() throws {
        let markers = CSVMissingMarkers.pandasOnly
        var text = "n,t\n1,a\n"
        for m in markers { text += "\(m),\(m)\n" }
        text += "3,\"null \"\n2,b\n"
        var options = CSVOptions()
        options.missingMarkers = .pandas
        let table = try CSVTest.read(text, options)
        XCTAssertEqual(table.columns[0].missing, markers.count)
        XCTAssertEqual(table.columns[1].missing, markers.count)
        XCTAssertEqual(CSVTest.text(table, "t"), ["a"] + markers.map { _ in nil } + ["null ", "b"])
        XCTAssertTrue(table.columns[0].isNumeric)
        // A marker in quotes with a space is text.
        XCTAssertEqual(
            CSVTest.error("n\n1\n\" NaN\"\n2\n", options),
            "t.csv: line 3, column 'n' (1): ' NaN' is not a number (the column's other 2 values are); use --categorical n if it holds categories"
        )
        // The same values without the pandas markers: in a text column they are categories.
        let basic = try CSVTest.read(text)
        XCTAssertEqual(basic.columns[1].missing, 0)
        XCTAssertEqual(CSVTest.text(basic, "t")?.compactMap { $0 }.count, markers.count + 3)
        // The marker list round-trips through its stored form.
        XCTAssertEqual(CSVMissingMarkers(list: CSVMissingMarkers.pandas.list.reversed()), .pandas)
        XCTAssertEqual(CSVMissingMarkers(list: ["?", "", "NA"]), .basic)
        XCTAssertNil(CSVMissingMarkers(list: ["", "NA"]))
    }

    func testNumbersWithPandasMarkers() throws {
        var options = CSVOptions()
        options.missingMarkers = .pandas
        let table = try CSVTest.read("x,y\n1.5,NaN\nnull,2\nN/A,-nan\nNone,<NA>\n4,#N/A\n", options)
        XCTAssertEqual(table.columns[0].missing, 3)
        XCTAssertEqual(table.columns[1].missing, 4)
        XCTAssertEqual(CSVTest.values(table, "x")?.map { $0.isNaN ? -1 : $0 }, [1.5, -1, -1, -1, 4])
        // Without them: the first marker is named, with what to do (not --categorical).
        XCTAssertEqual(
            CSVTest.error("x,y\n1.5,1\nnull,2\n3,3\n4,4\n"),
            "t.csv: line 3, column 'x' (1): 'null' marks a missing value; fill it in, or read it as missing with --missing mean|median|most-frequent"
        )
        // Both a refused number and text: the earlier is named.
        XCTAssertEqual(
            CSVTest.error("x,y\n1,0\nNaN,1\n1,2\nnull,3\n2,4\n3,5\n"),
            "t.csv: line 3, column 'x' (1): 'NaN' marks a missing value; fill it in, or read it as missing with --missing mean|median|most-frequent"
        )
        XCTAssertEqual(
            CSVTest.error("x,y\n1.5,1\nNaN,2\n"),
            "t.csv: line 3, column 'x' (1): 'NaN' marks a missing value; fill it in, or read it as missing with --missing mean|median|most-frequent"
        )
    }

    func testVerbatimColumnKeepsMarkers() throws {
        var options = CSVOptions()
        options.verbatimColumns = ["id"]
        options.missingMarkers = .pandas
        let table = try CSVTest.read("id,x\nNA,1\n7,2\n,3\nnull,4\n", options)
        XCTAssertEqual(CSVTest.text(table, "id"), ["NA", "7", "", "null"])
        XCTAssertEqual(table.columns[0].missing, 0)
    }

    func testColumnsOutsideTypedOnesAreText() throws {
        var options = CSVOptions()
        options.typedColumns = ["x", "y"]
        options.numericColumns = ["x"]
        // 'notes' is mostly numbers with one word: an error if it were typed, text here.
        let table = try CSVTest.read("x,notes,y\n1,5,a\n2,6,b\n3,seven,c\n4,8,d\n", options)
        XCTAssertEqual(CSVTest.text(table, "notes"), ["5", "6", "seven", "8"])
        XCTAssertEqual(CSVTest.values(table, "x"), [1, 2, 3, 4])
        XCTAssertEqual(CSVTest.text(table, "y"), ["a", "b", "c", "d"])
    }

    func testWrongDelimiterIsNamed() {
        XCTAssertEqual(
            CSVTest.error("a;b;c\n1,5;2;3\n"), "t.csv: line 2 has 2 fields, the header has 1; the header holds ';': give --delimiter ';'")
        XCTAssertEqual(
            CSVTest.error("a|b|c\n1|2,5|3\n"), "t.csv: line 2 has 2 fields, the header has 1; the header holds '|': give --delimiter '|'")
        XCTAssertEqual(
            CSVTest.error("alpha\tbeta\tlabel\n1,5\t2\t3\n"),
            "t.csv: line 2 has 2 fields, the header has 1; the header holds tabs: give --delimiter tab")
        XCTAssertEqual(
            CSVTest.error("a,b,c\n1;2;3\n", CSVOptions(delimiter: UInt8(ascii: ";"))).hasSuffix(
                "; the header holds ',': give --delimiter ','"), true)
        // A header of several columns says nothing more.
        XCTAssertEqual(CSVTest.error("a,b\n1,2,3\n"), "t.csv: line 2 has 3 fields, the header has 2")
        XCTAssertEqual(CSVText.delimiterHint(header: ["a;b;c"], delimiter: UInt8(ascii: ",")), "the header holds ';': give --delimiter ';'")
        XCTAssertNil(CSVText.delimiterHint(header: ["abc"], delimiter: UInt8(ascii: ",")))
    }
}
