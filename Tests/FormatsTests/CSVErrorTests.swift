// Every way a CSV file can be refused, with the exact one-line message: the file, the line (1-based,
// physical), the column by name and position, what was found and what was expected.

import XCTest

@testable import Formats

final class CSVErrorTests: XCTestCase {
    func testRaggedRows() {
        XCTAssertEqual(CSVTest.error("a,b,c,d,e\n1,2,3,4,5\n1,2,3,4\n"), "t.csv: line 3 has 4 fields, the header has 5")
        XCTAssertEqual(CSVTest.error("a,b\n1,2\n3,4\n5,6,7,8\n"), "t.csv: line 4 has 4 fields, the header has 2")
        // The line a row starts on, even when a quoted field takes it further.
        XCTAssertEqual(CSVTest.error("a,b\n1,2\n\"x\ny\",2,3\n"), "t.csv: line 3 has 3 fields, the header has 2")
        XCTAssertEqual(CSVTest.error("a,b\n\"x\ny\"\n"), "t.csv: line 2 has 1 field, the header has 2")
        XCTAssertEqual(CSVTest.error("a,b\nx\n"), "t.csv: line 2 has 1 field, the header has 2")
        XCTAssertEqual(CSVTest.error("a,b\n1,2\n\n3,4\n"), "t.csv: line 3 is blank, expected 2 fields as in the header")
    }

    func testUnterminatedQuote() {
        XCTAssertEqual(
            CSVTest.error("a,b\n1,2\n3,\"x\n4,5\n"),
            "t.csv: line 3, column 'b' (2): the quoted field opened here (byte 10) is never closed")
        XCTAssertEqual(
            CSVTest.error("\"a,b\n1,2\n"),
            "t.csv: line 1, header column 1: the quoted field opened here (byte 0) is never closed")
    }

    func testQuoteErrors() {
        XCTAssertEqual(
            CSVTest.error("a,b\n1,\"x\"y\n"),
            "t.csv: line 2, column 'b' (2): 'y' after the closing quote (byte 9), expected ',' or the end of the line")
        XCTAssertEqual(
            CSVTest.error("a,b\n1,x\"y\"\n"),
            "t.csv: line 2, column 'b' (2): a quote inside an unquoted field (byte 7); quote the whole field and double the quotes inside it"
        )
        var options = CSVOptions()
        options.delimiter = UInt8(ascii: ";")
        XCTAssertEqual(
            CSVTest.error("a;b\n1;\"x\",\n", options),
            "t.csv: line 2, column 'b' (2): ',' after the closing quote (byte 9), expected ';' or the end of the line")
    }

    func testBareCarriageReturn() {
        XCTAssertEqual(
            CSVTest.error("a,b\n1,x\ry\n"),
            "t.csv: line 2, column 'b' (2): a carriage return not followed by a line feed (byte 7)")
    }

    func testInvalidUTF8() {
        let bytes = Array("a,b\n1,ok\n2,".utf8) + [0x66, 0xC3, 0x28] + Array("\n".utf8)
        XCTAssertEqual(CSVTest.error(bytes: bytes), "t.csv: line 3, column 'b' (2): invalid UTF-8 at byte 12")
        // Inside a quoted field that spans lines: the line of the bad byte.
        let quoted = Array("a,b\n1,\"x\ny".utf8) + [0xFF] + Array("\"\n".utf8)
        XCTAssertEqual(CSVTest.error(bytes: quoted), "t.csv: line 3, column 'b' (2): invalid UTF-8 at byte 10")
        let header = Array("a,".utf8) + [0xED, 0xA0, 0x80] + Array("\n1,2\n".utf8)  // a surrogate
        XCTAssertEqual(CSVTest.error(bytes: header), "t.csv: line 1, header column 2: invalid UTF-8 at byte 2")
        // In a gzip file the offset counts decompressed bytes.
        XCTAssertEqual(
            CSVTest.error(bytes: Gzip.compress(bytes)),
            "t.csv: line 3, column 'b' (2): invalid UTF-8 at byte 12 of the decompressed data")
    }

    func testHeaderNames() {
        XCTAssertEqual(CSVTest.error("age,x,age\n1,2,3\n"), "t.csv: line 1: the header names column 'age' twice (columns 1 and 3)")
        XCTAssertEqual(CSVTest.error("a,,c\n1,2,3\n"), "t.csv: line 1: column 2 of the header has no name")
        XCTAssertEqual(CSVTest.error("a, \"\" ,c\n1,2,3\n"), "t.csv: line 1: column 2 of the header has no name")
        XCTAssertEqual(CSVTest.error("\n\na,b\n1,2\n"), "t.csv: line 1 is blank, expected the header row")
    }

    func testEmptyFile() {
        XCTAssertEqual(CSVTest.error(""), "t.csv: empty file, expected a header row")
        XCTAssertEqual(CSVTest.error("\n \n\r\n"), "t.csv: has no header row (the file holds only blank lines)")
        XCTAssertEqual(CSVTest.error(bytes: [0xEF, 0xBB, 0xBF]), "t.csv: has no header row (the file holds only blank lines)")
        XCTAssertEqual(CSVTest.error(bytes: Gzip.compress([])), "t.csv: empty file, expected a header row")
    }

    func testTextInANumericColumn() {
        var text = "id,age\n"
        for i in 0..<1000 { text += "\(i),\(20 + i % 50)\n" }
        text += "1000,thirty\n"
        XCTAssertEqual(
            CSVTest.error(text),
            "t.csv: line 1002, column 'age' (2): 'thirty' is not a number (the column's other 1,000 values are); use --categorical age if it holds categories"
        )
        // Several text values: the first is named, the counts say how many numbers there are.
        let several = "x y,z\n1,1\nfoo,2\n3,3\n4,4\nbar,5\n6,6\n"
        XCTAssertEqual(
            CSVTest.error(several),
            "t.csv: line 3, column 'x y' (1): 'foo' is not a number (4 of the column's other 5 values are); use --categorical 'x y' if it holds categories"
        )
    }

    func testNonFiniteAndOutOfRange() {
        // 'nan' is a missing-value marker (pandas'), which this reading does not take as missing.
        XCTAssertEqual(
            CSVTest.error("a,age\n1,2\n2,nan\n"),
            "t.csv: line 3, column 'age' (2): 'nan' marks a missing value; fill it in, or read it as missing with --missing mean|median|most-frequent"
        )
        XCTAssertEqual(
            CSVTest.error("a,age\n1,2\n2,NAN\n"),
            "t.csv: line 3, column 'age' (2): 'NAN' is not allowed: numbers must be finite (write a missing value as an empty field, NA or ?)"
        )
        XCTAssertEqual(
            CSVTest.error("a,age\n1,-Infinity\n"),
            "t.csv: line 2, column 'age' (2): '-Infinity' is not allowed: numbers must be finite (write a missing value as an empty field, NA or ?)"
        )
        XCTAssertEqual(
            CSVTest.error("a,b\n1,2\n1e39,3\n"),
            "t.csv: line 3, column 'a' (1): '1e39' is outside the range of a 32-bit float (±3.4e38)")
        // In a text column they are just categories.
        let table = try? CSVTest.read("name\nNaN\nInf\nbob\n")
        XCTAssertEqual(table.flatMap { CSVTest.text($0, "name") }, ["NaN", "Inf", "bob"])
    }

    func testTheEarliestTypeErrorWins() {
        // Column b's problem is on line 3, column a's on line 4.
        XCTAssertEqual(
            CSVTest.error("a,b\n1,1\n2,inf\nx,3\n4,4\n5,5\n"),
            "t.csv: line 3, column 'b' (2): 'inf' is not allowed: numbers must be finite (write a missing value as an empty field, NA or ?)"
        )
        // A syntax error anywhere comes before type errors.
        XCTAssertEqual(CSVTest.error("a,b\n1,1\n2,inf\n4,4,4\n"), "t.csv: line 4 has 3 fields, the header has 2")
    }

    func testForcedColumnsThatDoNotExist() {
        var options = CSVOptions()
        options.textColumns = ["zip"]
        XCTAssertEqual(CSVTest.error("a,b\n1,2\n", options), "t.csv: no column named 'zip' to read as text (the header has 'a', 'b')")
        options = CSVOptions()
        options.numericColumns = ["c"]
        XCTAssertEqual(CSVTest.error("a,b\n1,2\n", options), "t.csv: no column named 'c' that must be numeric (the header has 'a', 'b')")
        options.textColumns = ["a"]
        options.numericColumns = ["a"]
        XCTAssertEqual(CSVTest.error("a,b\n1,2\n", options), "t.csv: column 'a' (1) is asked to be both text and numeric")
    }

    func testBadDelimiterOption() {
        var options = CSVOptions()
        options.delimiter = UInt8(ascii: "\"")
        XCTAssertEqual(CSVTest.error("a\n1\n", options), "t.csv: the delimiter '\"' is not one of ',' ';' tab '|'")
    }

    func testMissingFile() {
        XCTAssertThrowsError(try CSVReader.read(path: "/nonexistent/x.csv")) { error in
            XCTAssertEqual("\(error)", "/nonexistent/x.csv: no such file")
        }
    }

    func testCorruptGzip() {
        var bytes = Gzip.compress(Array("a,b\n1,2\n".utf8))
        bytes.removeLast(6)
        XCTAssertTrue(CSVTest.error(bytes: bytes).hasPrefix("t.csv: gzip data truncated"))
    }
}
