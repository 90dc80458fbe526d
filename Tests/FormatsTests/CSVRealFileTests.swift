// The real tabular files in ../shared/data/tabular next to the checkout (skipped when absent),
// checked against a naive independent reading (none of them has a quote: split lines at commas,
// Float(String) per field), and a generated file in the same shape that runs everywhere.

import TestSupport
import XCTest

@testable import Formats

final class CSVRealFileTests: XCTestCase {
    /// <package>/../shared/data/tabular: for a worktree at /work/wt-NAME, /work/shared/data/tabular.
    private static let root = Package.path("../shared/data/tabular")

    private func path(_ relative: String) throws -> String {
        let path = CSVRealFileTests.root + "/" + relative
        guard access(path, R_OK) == 0 else { throw XCTSkip("\(path) is not here") }
        return path
    }

    /// Compares a table with the naive reading of the same (quote-free) bytes: every numeric value
    /// bit for bit against strtof, every text value against its field, missing values where fields
    /// are empty, and the categories in order of first appearance. (Byte ranges, not Strings per
    /// field: the tests run unoptimized.)
    private func assertMatchesNaiveReading(_ table: CSVTable, _ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        var rows: [[Range<Int>]] = []
        var fields: [Range<Int>] = []
        var start = 0
        for i in 0..<bytes.count where bytes[i] == 0x2C || bytes[i] == 0x0A {
            fields.append(start..<i)
            start = i + 1
            if bytes[i] == 0x0A {
                rows.append(fields)
                fields = []
            }
        }
        if start < bytes.count {
            fields.append(start..<bytes.count)
            rows.append(fields)
        }
        let header = rows.removeFirst().map { String(decoding: bytes[$0], as: UTF8.self) }
        XCTAssertEqual(header, table.header, file: file, line: line)
        XCTAssertEqual(rows.count, table.rowCount, file: file, line: line)
        for (c, column) in table.columns.enumerated() {
            let name = table.header[c]
            XCTAssertEqual(column.missing, rows.filter { $0[c].isEmpty }.count, name, file: file, line: line)
            switch column {
            case .numeric(let values, _):
                for (v, range) in zip(values, rows.lazy.map { $0[c] }) {
                    let expected = range.isEmpty ? Float.nan : Float(String(decoding: bytes[range], as: UTF8.self))!
                    if v.bitPattern != expected.bitPattern {
                        XCTFail("\(name): '\(String(decoding: bytes[range], as: UTF8.self))' read as \(v)", file: file, line: line)
                        break
                    }
                }
            case .text(let codes, let categories, _):
                let utf8 = categories.map { Array($0.utf8) }
                var seen = 0  // categories must appear in order: each new one is the next
                for (code, range) in zip(codes, rows.lazy.map { $0[c] }) {
                    let good =
                        range.isEmpty
                        ? code == -1
                        : code >= 0 && Int(code) <= seen && Int(code) < utf8.count && utf8[Int(code)].elementsEqual(bytes[range])
                    if !good {
                        XCTFail(
                            "\(name): '\(String(decoding: bytes[range], as: UTF8.self))' read as code \(code) (\(seen) categories so far)",
                            file: file, line: line)
                        break
                    }
                    if Int(code) == seen { seen += 1 }
                }
                XCTAssertEqual(seen, categories.count, name, file: file, line: line)
            }
        }
    }

    private func read(_ path: String, threads: Int) throws -> CSVTable {
        var options = CSVOptions()
        options.threads = threads
        options.minBytesPerThread = 64 * 1024
        return try CSVReader.read(path: path, options: options)
    }

    func testAdult() throws {
        let path = try path("adult/adult-raw-train.csv.gz")
        let table = try read(path, threads: 1)
        XCTAssertEqual(table.rowCount, 32_561)
        XCTAssertEqual(table.header.count, 15)
        let numeric = table.header.indices.filter { table.columns[$0].isNumeric }.map { table.header[$0] }
        XCTAssertEqual(numeric, ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"])
        let missing = Dictionary(uniqueKeysWithValues: zip(table.header, table.columns.map(\.missing)).filter { $0.1 > 0 })
        XCTAssertEqual(missing, ["workclass": 1836, "occupation": 1843, "native_country": 583])
        XCTAssertEqual(table.columns[14].textValues?.categories, ["<=50K", ">50K"])

        let bytes = try Gzip.decompress(try FileBytes.read(path), path: path)
        assertMatchesNaiveReading(table, bytes)
        let two = try read(path, threads: 2)
        XCTAssertEqual(two.chunks, 2)
        CSVTest.assertIdentical(table, two)
    }

    func testDiamonds() throws {
        let path = try path("diamonds/diamonds-raw-train.csv.gz")
        let table = try read(path, threads: 2)
        XCTAssertEqual(table.rowCount, 43_152)
        XCTAssertEqual(table.header, ["carat", "cut", "color", "clarity", "depth", "table", "x", "y", "z", "price"])
        XCTAssertEqual(table.columns.map(\.isNumeric), [true, false, false, false, true, true, true, true, true, true])
        XCTAssertEqual(table.columns[1].textValues?.categories.sorted(), ["Fair", "Good", "Ideal", "Premium", "Very Good"])
        XCTAssertEqual(table.columns[2].textValues?.categories.count, 7)
        XCTAssertEqual(table.columns[3].textValues?.categories.count, 8)
        let bytes = try Gzip.decompress(try FileBytes.read(path), path: path)
        assertMatchesNaiveReading(table, bytes)
        CSVTest.assertIdentical(table, try read(path, threads: 1))
    }

    func testSmallClassics() throws {
        for (name, rows, columns) in [("iris", 150, 5), ("wine", 178, 14), ("breast_cancer", 569, 31), ("diabetes", 442, 11)] {
            let path = try path("small/\(name).csv.gz")
            let table = try read(path, threads: 2)
            XCTAssertEqual(table.rowCount, rows, name)
            XCTAssertEqual(table.header.count, columns, name)
            assertMatchesNaiveReading(table, try Gzip.decompress(try FileBytes.read(path), path: path))
        }
    }

    /// An Adult-like file made here, so the comparison runs without ../shared: numbers, text columns
    /// with empty fields, a 2-class target; plain and gzip, on disk, 1 and 2 threads.
    func testGeneratedAdultLikeFile() throws {
        var rng = SeededGenerator(seed: 12345)
        func next(_ bound: Int) -> Int { Int((rng.next() >> 33) % UInt64(bound)) }
        let work = ["Private", "Self-emp", "State-gov", ""]
        var text = "age,workclass,fnlwgt,hours,ratio,income\n"
        for _ in 0..<20000 {
            text += "\(17 + next(70)),\(work[next(4)]),\(10000 + next(1_000_000)),\(next(99)),"
            text += "\(next(2000) - 1000).\(next(10000)),\(next(4) == 0 ? ">50K" : "<=50K")\n"
        }
        let bytes = Array(text.utf8)
        let temporary = try TempDir()
        let path = temporary.file("adult-like.csv.gz")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let data = Gzip.compress(bytes)
        _ = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)

        let one = try read(path, threads: 1)
        assertMatchesNaiveReading(one, bytes)
        XCTAssertEqual(one.columns.map(\.isNumeric), [true, false, true, true, true, false])
        XCTAssertGreaterThan(one.columns[1].missing, 4000)
        let two = try read(path, threads: 2)
        XCTAssertEqual(two.chunks, 2)
        CSVTest.assertIdentical(one, two)
    }
}
