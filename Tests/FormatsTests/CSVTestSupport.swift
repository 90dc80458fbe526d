// Helpers for the CSV reader tests: read a string, read it expecting an error, compare tables.

import XCTest

@testable import Formats

enum CSVTest {
    static func read(_ text: String, name: String = "t.csv", _ options: CSVOptions = CSVOptions()) throws -> CSVTable {
        try CSVReader.read(bytes: Array(text.utf8), name: name, options: options)
    }

    static func read(bytes: [UInt8], name: String = "t.csv", _ options: CSVOptions = CSVOptions()) throws -> CSVTable {
        try CSVReader.read(bytes: bytes, name: name, options: options)
    }

    /// The error message reading `text` gives (fails the test when it reads fine).
    static func error(
        _ text: String, _ options: CSVOptions = CSVOptions(),
        file: StaticString = #filePath, line: UInt = #line
    ) -> String {
        error(bytes: Array(text.utf8), options, file: file, line: line)
    }

    static func error(
        bytes: [UInt8], _ options: CSVOptions = CSVOptions(),
        file: StaticString = #filePath, line: UInt = #line
    ) -> String {
        do {
            let table = try CSVReader.read(bytes: bytes, name: "t.csv", options: options)
            XCTFail("read without error: \(table.rowCount) rows", file: file, line: line)
            return ""
        } catch {
            return error.description
        }
    }

    static func values(_ table: CSVTable, _ name: String) -> [Float]? {
        table.columnIndex(name).flatMap { table.columns[$0].values }
    }

    static func text(_ table: CSVTable, _ name: String) -> [String?]? {
        guard let c = table.columnIndex(name), let (codes, categories) = table.columns[c].textValues else { return nil }
        return codes.map { $0 < 0 ? nil : categories[Int($0)] }
    }

    /// Bit-for-bit equality of everything a table holds, line mapping included.
    static func assertIdentical(_ a: CSVTable, _ b: CSVTable, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.header, b.header, file: file, line: line)
        XCTAssertEqual(a.rowCount, b.rowCount, file: file, line: line)
        XCTAssertEqual(a.columns.count, b.columns.count, file: file, line: line)
        for (x, y) in zip(a.columns, b.columns) {
            switch (x, y) {
            case (.numeric(let u, let m), .numeric(let v, let n)):
                XCTAssertEqual(m, n, file: file, line: line)
                XCTAssertEqual(u.map(\.bitPattern), v.map(\.bitPattern), file: file, line: line)
            case (.text(let u, let c, let m), .text(let v, let d, let n)):
                XCTAssertEqual(m, n, file: file, line: line)
                XCTAssertEqual(c, d, file: file, line: line)
                XCTAssertEqual(u, v, file: file, line: line)
            default:
                XCTFail("column types differ: \(x.isNumeric) vs \(y.isNumeric)", file: file, line: line)
            }
        }
        for row in stride(from: 0, to: a.rowCount, by: max(1, a.rowCount / 5000)) {
            XCTAssertEqual(a.line(ofRow: row), b.line(ofRow: row), "row \(row)", file: file, line: line)
        }
    }
}
