// The CSV dialect: RFC 4180 quoting, delimiters, line ends, byte-order mark, blank lines, spaces,
// missing values, gzip, and the line numbers rows are found on.

import TestSupport
import XCTest

@testable import Formats

final class CSVDialectTests: XCTestCase {
    func testPlainNumbers() throws {
        let table = try CSVTest.read("a,b,c\n1,2.5,-3\n4,5e2,.25\n")
        XCTAssertEqual(table.header, ["a", "b", "c"])
        XCTAssertEqual(table.rowCount, 2)
        XCTAssertEqual(CSVTest.values(table, "a"), [1, 4])
        XCTAssertEqual(CSVTest.values(table, "b"), [2.5, 500])
        XCTAssertEqual(CSVTest.values(table, "c"), [-3, 0.25])
        XCTAssertEqual(table.columns.map(\.missing), [0, 0, 0])
    }

    func testQuotedFields() throws {
        let table = try CSVTest.read("name,note,x\n\"a \"\"b\"\" c\",\"x,y\",\"1.5\"\n\"line\nbreak\",\"\",2\n")
        XCTAssertEqual(CSVTest.text(table, "name"), ["a \"b\" c", "line\nbreak"])
        XCTAssertEqual(CSVTest.text(table, "note"), ["x,y", nil])  // "" is an empty field: missing
        XCTAssertEqual(CSVTest.values(table, "x"), [1.5, 2])  // a quoted number is a number
        XCTAssertEqual(table.columns[1].missing, 1)
    }

    func testQuotedHeader() throws {
        let table = try CSVTest.read("\"a,1\",\"b \"\"q\"\"\"\n1,2\n")
        XCTAssertEqual(table.header, ["a,1", "b \"q\""])
    }

    func testDelimiters() throws {
        for (delimiter, byte) in [(";", UInt8(ascii: ";")), ("\t", UInt8(0x09)), ("|", UInt8(ascii: "|"))] {
            var options = CSVOptions()
            options.delimiter = byte
            let text =
                ["a", "b", "c"].joined(separator: delimiter) + "\n"
                + ["1", "\"x\(delimiter)y\"", "2,5"].joined(separator: delimiter) + "\n"
            let table = try CSVTest.read(text, options)
            XCTAssertEqual(table.header, ["a", "b", "c"], "delimiter \(byte)")
            XCTAssertEqual(CSVTest.values(table, "a"), [1])
            XCTAssertEqual(CSVTest.text(table, "b"), ["x\(delimiter)y"])
            XCTAssertEqual(CSVTest.text(table, "c"), ["2,5"])  // a comma is text when it is not the delimiter
        }
    }

    func testCRLFAndNoFinalNewline() throws {
        let crlf = try CSVTest.read("a,b\r\n1,x\r\n2,\"y\r\nz\"\r\n3,w")
        XCTAssertEqual(CSVTest.values(crlf, "a"), [1, 2, 3])
        XCTAssertEqual(CSVTest.text(crlf, "b"), ["x", "y\r\nz", "w"])
        XCTAssertEqual((0..<3).map { crlf.line(ofRow: $0) }, [2, 3, 5])
        let lf = try CSVTest.read("a,b\n1,2")
        XCTAssertEqual(CSVTest.values(lf, "b"), [2])
    }

    func testByteOrderMark() throws {
        let table = try CSVTest.read(bytes: [0xEF, 0xBB, 0xBF] + Array("age,x\n1,2\n".utf8))
        XCTAssertEqual(table.header, ["age", "x"])
        XCTAssertEqual(CSVTest.values(table, "age"), [1])
    }

    func testBlankTrailingLinesIgnored() throws {
        let table = try CSVTest.read("a,b\n1,2\n3,4\n\n  \n\r\n\n")
        XCTAssertEqual(table.rowCount, 2)
        XCTAssertEqual(CSVTest.values(table, "b"), [2, 4])
        // One column: an empty line inside is a missing value, at the end it is a blank line.
        let single = try CSVTest.read("x\n1\n\n3\n\n\n")
        XCTAssertEqual(single.rowCount, 3)
        XCTAssertEqual(single.columns[0].missing, 1)
        XCTAssertEqual(CSVTest.values(single, "x")?.map { $0.isNaN ? -1 : $0 }, [1, -1, 3])
    }

    func testSpacesAroundUnquotedFieldsTrimmed() throws {
        let table = try CSVTest.read("a , b,c\n 1 ,  x y  , \"  q  \" \n2,z, NA \n")
        XCTAssertEqual(table.header, ["a", "b", "c"])
        XCTAssertEqual(CSVTest.values(table, "a"), [1, 2])
        XCTAssertEqual(CSVTest.text(table, "b"), ["x y", "z"])
        XCTAssertEqual(CSVTest.text(table, "c"), ["  q  ", nil])  // quoted content is kept as written
        // Tab is a delimiter there, not a space to trim.
        var options = CSVOptions()
        options.delimiter = 0x09
        let tabs = try CSVTest.read("a\tb\n1\t\n", options)
        XCTAssertEqual(tabs.columns[1].missing, 1)
    }

    func testMissingMarkers() throws {
        let table = try CSVTest.read("n,t\n1,a\n,b\nNA,NA\n?,?\n\"NA\",\"\"\n2, ? \n")
        XCTAssertEqual(table.columns[0].missing, 4)
        XCTAssertEqual(table.columns[1].missing, 4)
        XCTAssertEqual(CSVTest.values(table, "n")?.map(\.isNaN), [false, true, true, true, true, false])
        XCTAssertEqual(CSVTest.text(table, "t"), ["a", "b", nil, nil, nil, nil])
        // Only these exact markers: na, N/A, "NA " quoted with a space are values.
        let other = try CSVTest.read("t\nna\nN/A\n\"NA \"\nx\n")
        XCTAssertEqual(other.columns[0].missing, 0)
        XCTAssertEqual(CSVTest.text(other, "t"), ["na", "N/A", "NA ", "x"])
    }

    func testHeaderOnlyIsZeroRows() throws {
        for text in ["a,b\n", "a,b", "a,b\n\n\n"] {
            let table = try CSVTest.read(text)
            XCTAssertEqual(table.rowCount, 0)
            XCTAssertEqual(table.columns.count, 2)
            XCTAssertEqual(table.columns.map(\.count), [0, 0])
            XCTAssertThrowsError(try table.requireRows()) { error in
                XCTAssertEqual("\(error)", "t.csv: has a header (2 columns) but no data rows")
            }
        }
    }

    func testGzipToldByContent() throws {
        let raw = Array("a,b\n1,x\n2,y\n".utf8)
        let plain = try CSVTest.read(bytes: raw)
        let zipped = try CSVTest.read(bytes: Gzip.compress(raw), name: "no-suffix")
        CSVTest.assertIdentical(plain, zipped)
        // A file on disk: named .txt, gzip inside.
        let temporary = try TempDir()
        let path = temporary.file("gzip-inside.txt")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let data = Gzip.compress(raw)
        _ = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let fromFile = try CSVReader.read(path: path)
        CSVTest.assertIdentical(plain, fromFile)
        XCTAssertEqual(fromFile.path, path)
    }

    func testUTF8Text() throws {
        let table = try CSVTest.read("ville,n\nZürich,1\n東京,2\n\"São Paulo\",3\n")
        XCTAssertEqual(CSVTest.text(table, "ville"), ["Zürich", "東京", "São Paulo"])
    }

    func testLinesOfRows() throws {
        // Rows after quoted line breaks start lower down; the header may span lines too.
        let table = try CSVTest.read("\"a\nb\",c\n1,\"x\ny\nz\"\n2,w\n3,\"p\nq\"\n4,r\n")
        XCTAssertEqual(table.header, ["a\nb", "c"])
        XCTAssertEqual((0..<4).map { table.line(ofRow: $0) }, [3, 6, 7, 9])
        XCTAssertEqual(table.position(row: 1, column: 1), "line 6, column 'c' (2)")
    }
}
