// Two (or more) threads give the same table as one, bit for bit, the same error when there is one,
// including when the guessed split falls inside a quoted field that spans lines.

import TestSupport
import XCTest

@testable import Formats

final class CSVParallelTests: XCTestCase {
    private func options(threads: Int) -> CSVOptions {
        var options = CSVOptions()
        options.threads = threads
        options.minBytesPerThread = 1  // split even tiny files
        return options
    }

    /// The outcome as something comparable: the error message, or the table.
    private func outcome(_ bytes: [UInt8], threads: Int) -> Result<CSVTable, FormatError> {
        do {
            return .success(try CSVReader.read(bytes: bytes, name: "t.csv", options: options(threads: threads)))
        } catch {
            return .failure(error)
        }
    }

    private func assertSame(_ bytes: [UInt8], threads: [Int], file: StaticString = #filePath, line: UInt = #line) {
        let one = outcome(bytes, threads: 1)
        for n in threads {
            switch (one, outcome(bytes, threads: n)) {
            case (.success(let a), .success(let b)):
                CSVTest.assertIdentical(a, b, file: file, line: line)
            case (.failure(let a), .failure(let b)):
                XCTAssertEqual(a, b, "\(n) threads", file: file, line: line)
            case (let a, let b):
                XCTFail("1 thread: \(a), \(n) threads: \(b)", file: file, line: line)
            }
        }
    }

    /// A mixed table: numbers, text with quotes, commas and line breaks, missing values.
    private func mixedCSV(rows: Int, random: inout SeededGenerator, crlf: Bool = false) -> String {
        let end = crlf ? "\r\n" : "\n"
        var text = "id,x,city,note,y" + end
        let cities = ["Paris", "Zürich", "\"New York, NY\"", "NA", "", "Oslo"]
        for i in 0..<rows {
            let x = random.next(3) == 0 ? "" : "\(random.next(20000) - 10000).\(random.next(1000))"
            let note: String
            switch random.next(5) {
            case 0: note = "\"two\nlines\""
            case 1: note = "\"say \"\"hi\"\"\""
            case 2: note = "plain"
            case 3: note = "?"
            default: note = "\"a\(end)b\(end)c\""
            }
            text += "\(i),\(x),\(cities[random.next(cities.count)]),\(note),\(random.next(100))e-2" + end
        }
        return text
    }

    func testTwoThreadsIdenticalOnMixedData() throws {
        var random = SeededGenerator(seed: 42)
        for crlf in [false, true] {
            let bytes = Array(mixedCSV(rows: 3000, random: &random, crlf: crlf).utf8)
            let two = try CSVReader.read(bytes: bytes, name: "t.csv", options: options(threads: 2))
            XCTAssertEqual(two.chunks, 2)
            assertSame(bytes, threads: [2, 3, 4])
        }
    }

    /// A quoted field with many line breaks covers the middle of the file: the first split guess is
    /// inside it, the chunk before ends inside quotes, and the reader splits again by quote parity.
    func testSplitInsideAQuotedFieldIsRedone() throws {
        var text = "a,b,c\n"
        for i in 0..<400 { text += "\(i),x\(i % 5),\(i).5\n" }
        text += "400,\"" + String(repeating: "line\n", count: 200) + "\",1\n"
        for i in 401..<800 { text += "\(i),\"q\ny\",\(i)\n" }
        let bytes = Array(text.utf8)
        let middle = bytes.count / 2
        let quoteStart = Array("400,\"".utf8)
        let at = (0..<bytes.count).first { bytes[$0..<min($0 + 5, bytes.count)].elementsEqual(quoteStart) }!
        XCTAssertLessThan(at, middle, "the long field must start before the middle")
        XCTAssertGreaterThan(at + 5 + 200 * 5, middle, "and end after it")

        let one = try CSVReader.read(bytes: bytes, name: "t.csv", options: options(threads: 1))
        let two = try CSVReader.read(bytes: bytes, name: "t.csv", options: options(threads: 2))
        XCTAssertTrue(two.resplit, "the guess was inside quotes and should have been redone")
        XCTAssertEqual(two.chunks, 2)
        XCTAssertFalse(one.resplit)
        CSVTest.assertIdentical(one, two)
        XCTAssertEqual(one.line(ofRow: 401), 2 + 400 + 201)
        XCTAssertEqual(CSVTest.text(two, "b")?[400], String(repeating: "line\n", count: 200))
        XCTAssertEqual(CSVTest.values(two, "c")?[400], 1)
    }

    /// Quoted line breaks right around the split point, at every offset near it.
    func testQuotedLineBreaksNearTheSplit() throws {
        var base = "k,v\n"
        for i in 0..<300 { base += "\(i),w\(i % 4)\n" }
        let tail = (300..<600).map { "\($0),w\($0 % 4)\n" }.joined()
        for shift in 0..<12 {
            let middle = String(repeating: "\(shift),\"a\nb\"\n", count: shift) + "9,\"x\n\ny\n\"\n"
            let bytes = Array((base + middle + tail).utf8)
            assertSame(bytes, threads: [2, 3])
        }
    }

    /// Errors in the second half are found by the second chunk and reported with the same line.
    func testErrorsInLaterChunks() {
        var random = SeededGenerator(seed: 7)
        let good = mixedCSV(rows: 2000, random: &random)
        for bad in ["1,2,3\n", "1,\"x\n", "5,1.5,Paris,\"a\"b,3\n", "6,,,\r,1\n"] {
            let bytes = Array((good + bad + "7,1,Oslo,plain,1\n").utf8)
            assertSame(bytes, threads: [2, 3, 4])
            if case .failure(let error) = outcome(bytes, threads: 2) {
                XCTAssertTrue(error.message.hasPrefix("line "), error.message)
            } else {
                XCTFail("'\(bad)' should fail")
            }
        }
        // A type error found in the second chunk only.
        let typed = "a\n" + (0..<3000).map { "\($0)\n" }.joined() + "oops\n"
        XCTAssertEqual(
            CSVTest.error(typed, options(threads: 2)),
            "t.csv: line 3002, column 'a' (1): 'oops' is not a number (the column's other 3,000 values are); use --categorical a if it holds categories"
        )
    }

    /// Text that only the second chunk sees as text from its first rows: it switches to text early,
    /// the first chunk reads the column again; the categories are still in file order.
    func testChunksThatGuessDifferently() throws {
        var text = "c\n"
        for i in 0..<1000 { text += "\(i % 10)\n" }
        for i in 0..<1200 { text += "t\(i % 6)\n" }
        let bytes = Array(text.utf8)
        assertSame(bytes, threads: [2, 3])
        let table = try CSVReader.read(bytes: bytes, name: "t.csv", options: options(threads: 2))
        XCTAssertEqual(
            table.columns[0].textValues?.categories,
            ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "t0", "t1", "t2", "t3", "t4", "t5"])
    }

    func testRandomFilesAnyThreadCount() {
        var random = SeededGenerator(seed: 99)
        for _ in 0..<40 {
            let rows = 1 + random.next(400)
            var text = mixedCSV(rows: rows, random: &random, crlf: random.next(2) == 0)
            if random.next(2) == 0 { text += "\n\n" }
            assertSame(Array(text.utf8), threads: [2, 3, 5])
        }
    }
}
