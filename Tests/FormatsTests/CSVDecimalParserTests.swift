// The decimal parser against the C library's correctly rounded strtof (Swift's Float(String)):
// random numbers in every shape a CSV holds, and inputs next to Float rounding boundaries, where a
// parser that rounds twice (decimal → Double → Float) goes wrong.

import TestSupport
import XCTest

@testable import Formats

final class CSVDecimalParserTests: XCTestCase {
    private func check(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let expected = Float(text)
        let got = DecimalParser.parse(Array(text.utf8))
        XCTAssertNotNil(expected, "Float(\"\(text)\") is nil: the test made a bad input", file: file, line: line)
        guard let expected, let got else {
            XCTFail("'\(text)' not parsed", file: file, line: line)
            return
        }
        XCTAssertEqual(
            got.bitPattern, expected.bitPattern, "'\(text)': got \(got), strtof says \(expected)",
            file: file, line: line)
        // As in a file: more bytes follow (the eight-at-a-time path needs them), and the parse must
        // stop at the delimiter after the number.
        for tail in [",", "\n12345678", ",9999999999999999"] {
            let bytes = Array((text + tail).utf8)
            bytes.withUnsafeBufferPointer { buffer in
                let base = buffer.baseAddress!
                var value: Float = 0
                let stop = DecimalParser.parse(base, base + buffer.count, &value, DecimalParser.tables)
                XCTAssertEqual(stop.map { $0 - base }, text.utf8.count, "'\(text)' + '\(tail)'", file: file, line: line)
                XCTAssertEqual(value.bitPattern, expected.bitPattern, "'\(text)' + '\(tail)'", file: file, line: line)
            }
        }
    }

    func testSimpleShapes() {
        for text in [
            "0", "-0", "+0", "0.0", "-0.0", "1", "-1", "+7", "12.5", "-12.3456", "0.000123", "98765.4",
            ".5", "-.5", "5.", "1e3", "1E3", "1e+3", "1e-3", "-2.5e-3", "123456789", "0.1", "0.2", "0.3",
            "3.4028235e38", "1.17549435e-38", "1e-45", "1.4e-45", "7e-46", "1e-50", "3.4028236e38",
            "340282356779733661637539395458142568447", "00012", "0.000000000000000000000000000001",
            "123456789012345678901234567890", "0.1234567890123456789012345678901234567890",
            "16777216", "16777217", "16777218", "16777219", "33554431", "33554433", "9007199254740993",
            "1.000000059604644775390625", "1.0000000596046447753906249", "1.0000000596046447753906251",
            "2.98023223876953125e-8", "4.4501477170144023e-308",
        ] {
            check(text)
        }
        XCTAssertEqual(DecimalParser.parse(Array("-0".utf8))?.sign, .minus)
    }

    func testNotNumbers() {
        for text in [
            "", "-", "+", ".", "-.", "e5", ".e5", "1e", "1e+", "1.2.3", "1,5", "0x10", "nan", "inf", " 1",
            "1 ", "--1", "1e5e5", "١٢",
        ] {
            XCTAssertNil(DecimalParser.parse(Array(text.utf8)), "'\(text)' parsed as a number")
        }
    }

    func testOutOfRangeIsInfinite() {
        XCTAssertEqual(DecimalParser.parse(Array("1e39".utf8)), .infinity)
        XCTAssertEqual(DecimalParser.parse(Array("-3.5e38".utf8)), -.infinity)
        XCTAssertEqual(DecimalParser.parse(Array("1e99999999999".utf8)), .infinity)
        XCTAssertEqual(DecimalParser.parse(Array("1e-99999999999".utf8)), 0)
    }

    /// Numbers as CSV writers print them: fixed decimals, %g, %.9g, %.17g and %.18e of random doubles
    /// over many magnitudes, plus random digit strings.
    func testRandomAgainstStrtof() {
        var random = SeededGenerator(seed: 0x2545_F491_4F6C_DD1D)
        for i in 0..<60_000 {
            let exponent = random.next(80) - 45
            let mantissa = Double(random.next() >> 11) / Double(1 << 53)
            var x = (mantissa + 0.05) * pow10(exponent)
            if random.next(2) == 0 { x = -x }
            let text: String
            switch i % 6 {
            case 0: text = String(x)  // shortest round-trip Double: up to 17 digits
            case 1: text = format("%.\(random.next(8))f", x)
            case 2: text = format("%.\(1 + random.next(9))g", x)
            case 3: text = format("%.17g", x)
            case 4: text = format("%.18e", x)
            default:
                var digits = ""
                for _ in 0..<(1 + random.next(25)) { digits.append(Character(UnicodeScalar(UInt8(48 + random.next(10))))) }
                let point = random.next(digits.count + 1)
                digits.insert(".", at: digits.index(digits.startIndex, offsetBy: point))
                text = digits + (random.next(3) == 0 ? "e\(random.next(60) - 30)" : "")
            }
            check(text)
        }
    }

    /// Decimals next to the midpoint between two adjacent Floats: exactly on it, and a few units of the
    /// 17th–25th digit either side. Double rounding (decimal → Double → Float) breaks ties here.
    func testNearMidpoints() {
        var random = SeededGenerator(seed: 0x9E37_79B9_7F4A_7C15)
        for _ in 0..<4000 {
            let bits = UInt32(truncatingIfNeeded: random.next() >> 32) & 0x7EFF_FFFF | 0x0080_0000
            let f = Float(bitPattern: bits)
            guard f.isFinite, f.isNormal, f.nextUp.isFinite else { continue }
            let mid = (Double(f) + Double(f.nextUp)) / 2  // exact: 25 significant bits
            // The exact decimal of the midpoint, then nudged in its last printed digits.
            for digits in [9, 12, 17, 20, 25] {
                let text = format("%.\(digits)e", mid)
                check(text)
                check(nudge(text, by: 1))
                check(nudge(text, by: -1))
            }
            check(format("%.40e", mid))
        }
    }

    func testDoubleRoundingCases() {
        // These decimals round to a Double that sits exactly on a Float midpoint although the decimal
        // is not on it: decimal → Double → Float gets them wrong, the parser must not.
        let cases = [
            "1.00000005960464477539062499", "1.000000059604644775390625001",
            "3.0000001192092896", "0.10000000894069671630859375001",
        ]
        for text in cases { check(text) }
        var wrongTwice = 0
        for text in cases where Float(Double(text)!) != Float(text)! { wrongTwice += 1 }
        XCTAssertGreaterThan(wrongTwice, 0, "the cases should include a double-rounding trap")
    }

    private func pow10(_ e: Int) -> Double { Double("1e\(e)")! }

    private func format(_ pattern: String, _ x: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 128)
        _ = withVaList([x]) { vsnprintf(&buffer, 128, pattern, $0) }
        return String(cString: buffer)
    }

    /// Adds `delta` to the last digit of the mantissa of "d.ddddde±xx" (carrying as needed).
    private func nudge(_ text: String, by delta: Int) -> String {
        var chars = Array(text)
        guard var i = chars.firstIndex(where: { $0 == "e" }) else { return text }
        i -= 1
        var carry = delta
        while i >= 0 && carry != 0 {
            guard let d = chars[i].wholeNumberValue else {
                i -= 1
                continue
            }
            var v = d + carry
            carry = 0
            if v > 9 {
                v -= 10
                carry = 1
            }
            if v < 0 {
                v += 10
                carry = -1
            }
            chars[i] = Character(String(v))
            i -= 1
        }
        return String(chars)
    }
}
