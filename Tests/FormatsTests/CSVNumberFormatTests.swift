// Numbers written with a decimal comma or a thousands separator (CSVNumberFormat): parsed exactly as
// the same number written the C way (bit for bit against strtof), malformed groups refused, the
// delimiter's own byte only inside quotes, the same on every thread count; and the suggestion made
// for a text column that would be numbers in another format.

import TestSupport
import XCTest

@testable import Formats

final class CSVNumberFormatTests: XCTestCase {
    static let comma = UInt8(ascii: ","), dot = UInt8(ascii: "."), space: UInt8 = 0x20, apostrophe = UInt8(ascii: "'")

    /// `text` (a number the C way: '.', no separators) written in `format`: the decimal mark
    /// replaced, the integer part's digits grouped by threes.
    private func written(_ text: String, _ format: CSVNumberFormat) -> String {
        var sign = ""
        var body = Substring(text)
        if body.first == "-" || body.first == "+" { sign = String(body.removeFirst()) }
        var exponent = ""
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = String(body[e...])
            body = body[..<e]
        }
        var integer = body
        var fraction: Substring? = nil
        if let point = body.firstIndex(of: ".") {
            integer = body[..<point]
            fraction = body[body.index(after: point)...]
        }
        var grouped = String(integer)
        if let t = format.thousands, integer.count > 3 {
            let digits = Array(integer)
            grouped = ""
            for (i, d) in digits.enumerated() {
                if i > 0 && (digits.count - i) % 3 == 0 { grouped.append(Character(UnicodeScalar(t))) }
                grouped.append(d)
            }
        }
        let mark = String(UnicodeScalar(format.decimal))
        return sign + grouped + (fraction.map { mark + $0 } ?? "") + exponent
    }

    private func check(_ text: String, _ format: CSVNumberFormat, file: StaticString = #filePath, line: UInt = #line) {
        guard let expected = Float(text) else { return XCTFail("bad test input '\(text)'", file: file, line: line) }
        let shown = written(text, format)
        guard let got = format.parse(shown) else { return XCTFail("'\(shown)' not parsed", file: file, line: line) }
        XCTAssertEqual(
            got.bitPattern, expected.bitPattern, "'\(shown)': got \(got), strtof('\(text)') says \(expected)", file: file, line: line)
    }

    private let formats = [
        CSVNumberFormat(decimal: comma), CSVNumberFormat(thousands: comma),
        CSVNumberFormat(decimal: comma, thousands: dot), CSVNumberFormat(decimal: comma, thousands: space),
        CSVNumberFormat(thousands: apostrophe), CSVNumberFormat(thousands: UInt8(ascii: "_")),
    ]

    func testShapes() {
        for format in formats {
            for text in [
                "0", "-0", "1", "-1", "+7", "12.5", "-12.3456", "0.000123", "98765.4", "1234", "-1234.5", "12345",
                "123456", "1234567", "-1234567.125", ".5", "-.5", "5.", "1e3", "-2.5e-3", "1234.5e-2", "16777217",
                "123456789012345678901234567890", "3.4028235e38", "1.17549435e-38", "1e-45",
                "1.000000059604644775390625", "1.0000000596046447753906249", "1.0000000596046447753906251",
                "100000005.960464477539062", "33554433",
            ] {
                check(text, format)
            }
        }
        let decimalComma = CSVNumberFormat(decimal: Self.comma, thousands: Self.dot)
        XCTAssertEqual(decimalComma.parse("-3,656"), Float("-3.656"))
        XCTAssertEqual(decimalComma.parse("847,43"), Float("847.43"))
        XCTAssertEqual(decimalComma.parse("1.234.567,89"), Float("1234567.89"))
        XCTAssertEqual(decimalComma.parse("-1.234e3"), -1_234_000)
        XCTAssertEqual(decimalComma.parse(",5"), 0.5)
        XCTAssertEqual(CSVNumberFormat(thousands: Self.comma).parse("22,068"), 22068)
        XCTAssertEqual(CSVNumberFormat(thousands: Self.space).parse("1 234 567"), 1_234_567)
        XCTAssertEqual(CSVNumberFormat(decimal: Self.comma).parse("-0,0")?.sign, .minus)
    }

    func testMalformed() {
        let dotThousands = CSVNumberFormat(decimal: Self.comma, thousands: Self.dot)
        for text in [
            "1.2.3", "1.23", "1.2345", "12.34.567", "1234.567", ".123", "1..234", "1.234.", "1.234.5678", "-.234",
            "1.234,5,6", "1,2,3", "1.234e", "", "-", ",", "1.2.3,4", "1 234", "nan", "1,5e",
        ] {
            XCTAssertNil(dotThousands.parse(text), "'\(text)' parsed as \(dotThousands.parse(text) ?? 0) with '.' between thousands")
        }
        let commaThousands = CSVNumberFormat(thousands: Self.comma)
        for text in ["1,2345", "12,34", "1,234,5", ",123", "1,,234", "1,234,", "1234,567", "1.234,567", "1,234.5.6"] {
            XCTAssertNil(commaThousands.parse(text), "'\(text)' parsed with ',' between thousands")
        }
        // A decimal comma alone: '.' is no mark at all.
        for text in ["1.5", "1,5,5", "1.234,5"] { XCTAssertNil(CSVNumberFormat(decimal: Self.comma).parse(text), text) }
        XCTAssertFalse(CSVNumberFormat(decimal: Self.comma, thousands: Self.comma).isValid)
        XCTAssertFalse(CSVNumberFormat(decimal: Self.space).isValid)
    }

    /// Random numbers as writers print them, in every format, bit for bit against strtof on the C form.
    func testRandomAgainstStrtof() {
        var random = SeededGenerator(seed: 0x2545_F491_4F6C_DD1D)
        for i in 0..<30_000 {
            let exponent = random.next(60) - 30
            let mantissa = Double(random.next() >> 11) / Double(1 << 53)
            var x = (mantissa + 0.05) * Double("1e\(exponent)")!
            if random.next(2) == 0 { x = -x }
            let text: String
            switch i % 3 {
            case 0: text = String(x)
            case 1:
                var buffer = [CChar](repeating: 0, count: 128)
                _ = withVaList([x]) { vsnprintf(&buffer, 128, "%.\(random.next(8))f", $0) }
                text = String(cString: buffer)
            default:
                var digits = ""
                for _ in 0..<(1 + random.next(25)) { digits.append(Character(UnicodeScalar(UInt8(48 + random.next(10))))) }
                let point = random.next(digits.count + 1)
                digits.insert(".", at: digits.index(digits.startIndex, offsetBy: point))
                text = digits
            }
            check(text, formats[i % formats.count])
        }
    }

    /// Midpoints between adjacent Floats, nudged: where a parser that rounds twice goes wrong.
    func testNearMidpoints() {
        var random = SeededGenerator(seed: 0x9E37_79B9_7F4A_7C15)
        for k in 0..<2000 {
            let bits = UInt32(truncatingIfNeeded: random.next() >> 32) & 0x4EFF_FFFF | 0x0080_0000
            let f = Float(bitPattern: bits)
            guard f.isFinite, f.isNormal, f.nextUp.isFinite else { continue }
            let mid = (Double(f) + Double(f.nextUp)) / 2
            var buffer = [CChar](repeating: 0, count: 128)
            _ = withVaList([mid]) { vsnprintf(&buffer, 128, "%.30f", $0) }
            let text = String(cString: buffer)
            check(text, formats[k % formats.count])
        }
    }

    func testReadingFiles() throws {
        var options = CSVOptions(delimiter: UInt8(ascii: ";"))
        options.numbers = CSVNumberFormat(decimal: Self.comma)
        let table = try CSVTest.read("a;b;c\n-3,656;847,43;0\n1,5e2;\"2,25\";-0,5\n", options)
        XCTAssertEqual(CSVTest.values(table, "a"), [-3.656, 150])
        XCTAssertEqual(CSVTest.values(table, "b"), [847.43, 2.25])
        XCTAssertEqual(CSVTest.values(table, "c"), [0, -0.5])
        // Tab delimiter, a decimal comma and '.' between thousands.
        var tabs = CSVOptions(delimiter: 0x09)
        tabs.numbers = CSVNumberFormat(decimal: Self.comma, thousands: Self.dot)
        let t = try CSVTest.read("x\ty\n1.234,5\t2\n-12.345.678\t1.000\n", tabs)
        XCTAssertEqual(CSVTest.values(t, "x"), [1234.5, -12_345_678])
        XCTAssertEqual(CSVTest.values(t, "y"), [2, 1000])
        // A malformed group makes the value text, not a wrong number.
        XCTAssertEqual(
            CSVTest.error("x\ty\n1.2.3\t1\n4\t2\n5\t3\n", tabs),
            "t.csv: line 2, column 'x' (1): '1.2.3' is not a number (the column's other 2 values are); use --categorical x if it holds categories"
        )
    }

    /// With the ',' delimiter a ',' mark is only read inside quotes; unquoted, it separates fields.
    func testTheDelimitersByteOnlyInsideQuotes() throws {
        var thousands = CSVOptions()
        thousands.numbers = CSVNumberFormat(thousands: Self.comma)
        let table = try CSVTest.read("n,m\n\"22,068\",1\n\"1,234,567.5\",\"2\"\n7,3\n", thousands)
        XCTAssertEqual(CSVTest.values(table, "n"), [22068, 1_234_567.5, 7])
        XCTAssertEqual(CSVTest.error("n,m\n22,068,1\n", thousands), "t.csv: line 2 has 3 fields, the header has 2")
        var decimal = CSVOptions()
        decimal.numbers = CSVNumberFormat(decimal: Self.comma)
        let d = try CSVTest.read("n,m\n\"3,5\",1\n4,2\n", decimal)
        XCTAssertEqual(CSVTest.values(d, "n"), [3.5, 4])
        XCTAssertEqual(CSVTest.values(d, "m"), [1, 2])
        // '.' is not a decimal mark there: 4.5 is text (and so a type error).
        XCTAssertEqual(
            CSVTest.error("n,m\n\"3,5\",1\n4.5,2\n6,3\n", decimal),
            "t.csv: line 3, column 'n' (1): '4.5' is not a number (the column's other 2 values are); numbers written with a decimal point need --decimal ."
        )
    }

    /// The fast path and the general path (spaces, quotes) agree, and so do all thread counts.
    func testSameOnEveryPathAndThread() throws {
        var random = SeededGenerator(seed: 42)
        var plain = "a;b\n"
        var spaced = "a;b\n"
        var expected: [Float] = []
        for _ in 0..<20_000 {
            let x = Double(Int(random.next(2_000_000_000)) - 1_000_000_000) / 1000
            let c = written(String(x), CSVNumberFormat(decimal: Self.comma, thousands: Self.dot))
            plain += "\(c);1\n"
            spaced += " \"\(c)\" ;1\n"
            expected.append(Float(String(x))!)
        }
        var options = CSVOptions(delimiter: UInt8(ascii: ";"))
        options.numbers = CSVNumberFormat(decimal: Self.comma, thousands: Self.dot)
        options.minBytesPerThread = 1
        for threads in [1, 2, 5] {
            options.threads = threads
            XCTAssertEqual(CSVTest.values(try CSVTest.read(plain, options), "a")?.map(\.bitPattern), expected.map(\.bitPattern))
            XCTAssertEqual(CSVTest.values(try CSVTest.read(spaced, options), "a")?.map(\.bitPattern), expected.map(\.bitPattern))
        }
    }

    func testSuggestion() {
        let standard = CSVNumberFormat.standard
        let semicolon = UInt8(ascii: ";")
        XCTAssertEqual(standard.suggestion(for: ["-3,656", "847,43", "0"], delimiter: semicolon), CSVNumberFormat(decimal: Self.comma))
        XCTAssertEqual(
            standard.suggestion(for: ["1.234,5", "3,5"], delimiter: semicolon), CSVNumberFormat(decimal: Self.comma, thousands: Self.dot))
        // Ambiguous 22,068: a thousands separator in a ',' file, a decimal comma in a ';' file.
        XCTAssertEqual(standard.suggestion(for: ["22,068", "1,234,567"], delimiter: Self.comma), CSVNumberFormat(thousands: Self.comma))
        XCTAssertEqual(standard.suggestion(for: ["22,068"], delimiter: Self.comma), CSVNumberFormat(thousands: Self.comma))
        XCTAssertEqual(standard.suggestion(for: ["22,068"], delimiter: semicolon), CSVNumberFormat(decimal: Self.comma))
        XCTAssertEqual(
            standard.suggestion(for: ["1 234,5", "12"], delimiter: semicolon), CSVNumberFormat(decimal: Self.comma, thousands: Self.space))
        XCTAssertNil(standard.suggestion(for: ["3,5", "red"], delimiter: semicolon))
        XCTAssertNil(standard.suggestion(for: [], delimiter: semicolon))
        XCTAssertEqual(CSVNumberFormat(decimal: Self.comma).suggestion(for: ["1.5", "2"], delimiter: semicolon), .standard)
        XCTAssertEqual(CSVNumberFormat(decimal: Self.comma, thousands: Self.dot).flags, "--decimal , --thousands .")
        XCTAssertEqual(CSVNumberFormat(thousands: Self.space).flags, "--thousands space")
        XCTAssertEqual(CSVNumberFormat(thousands: Self.apostrophe).flags, "--thousands \"'\"")
        XCTAssertEqual(CSVNumberFormat.standard.flags, "--decimal .")
    }

    func testTextInANumericColumnNamesTheFlag() {
        // Mostly whole numbers, one with a decimal comma: the error names --decimal, not --categorical.
        let error = CSVTest.error("a;b\n1;2\n3;4\n5,5;6\n", CSVOptions(delimiter: UInt8(ascii: ";")))
        XCTAssertEqual(
            error,
            "t.csv: line 4, column 'a' (1): '5,5' is not a number (the column's other 2 values are); numbers written with a decimal comma need --decimal ,"
        )
        var forced = CSVOptions(delimiter: UInt8(ascii: ";"))
        forced.numericColumns = ["a"]
        XCTAssertEqual(
            CSVTest.error("a;b\n1.234,5;2\n", forced),
            "t.csv: line 2, column 'a' (1): '1.234,5' is not a number, and this column must be numeric; numbers written with a decimal comma and '.' between thousands need --decimal , --thousands ."
        )
    }
}
