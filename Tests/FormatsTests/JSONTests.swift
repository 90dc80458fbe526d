import TestSupport
import XCTest

@testable import Formats

final class JSONTests: XCTestCase {
    private func parse(_ text: String, rejectingDuplicateKeys: Bool = false) throws -> JSONValue {
        try JSONValue.parse(Array(text.utf8), rejectingDuplicateKeys: rejectingDuplicateKeys)
    }

    /// Asserts that parsing fails at `offset` with `message`.
    private func assertError(
        _ text: String, _ offset: Int, _ message: String,
        rejectingDuplicateKeys: Bool = false, line: UInt = #line
    ) {
        assertError(Array(text.utf8), offset, message, rejectingDuplicateKeys: rejectingDuplicateKeys, line: line)
    }

    private func assertError(
        _ bytes: [UInt8], _ offset: Int, _ message: String,
        rejectingDuplicateKeys: Bool = false, line: UInt = #line
    ) {
        do {
            let value = try JSONValue.parse(bytes, rejectingDuplicateKeys: rejectingDuplicateKeys)
            XCTFail("parsed as \(value)", line: line)
        } catch {
            XCTAssertEqual(error, JSONParseError(offset: offset, message: message), line: line)
        }
    }

    func testParsesEveryKindOfValue() throws {
        let value = try parse(#" { "a" : [1, -2.5, 3e2, true, false, null], "b": {}, "c": [], "d": "x" } "#)
        XCTAssertEqual(value, ["a": [1, -2.5, 300, true, false, nil], "b": .object([]), "c": [], "d": "x"])
        XCTAssertEqual(value["d"], "x")
        XCTAssertNil(value["zz"])
    }

    func testObjectsKeepKeyOrderAndCompareInOrder() throws {
        let value = try parse(#"{"z":1,"a":2}"#)
        XCTAssertEqual(value.serialized(), #"{"z":1,"a":2}"#)
        XCTAssertNotEqual(value, ["a": 2, "z": 1])
    }

    func testStringEscapes() throws {
        XCTAssertEqual(try parse(#""\"\\\/\b\f\n\r\t""#), .string("\"\\/\u{08}\u{0C}\n\r\t"))
        XCTAssertEqual(try parse(#""\u00e9\u4E2D""#), .string("é中"))
        XCTAssertEqual(try parse(#""\ud83d\ude00""#), .string("😀"))
        XCTAssertEqual(try parse("\"é😀\""), .string("é😀"))
    }

    func testRoundTrips() throws {
        let texts = [
            #"{"accuracy":0.9781,"loss":0.0712,"samples":10000}"#,
            #"[0,-0,1,-1,0.1,1e+300,5e-324,9007199254740991,1.5,-2.25]"#,
            #"{"s":"quote\" back\\ nl\n tab\t ctl\u0001 del\u007F é 😀","e":[],"o":{}}"#,
            #"[null,true,false,[[[]]]]"#,
        ]
        for text in texts {
            let value = try parse(text)
            XCTAssertEqual(value.serialized(), text)
            XCTAssertEqual(try parse(value.serialized()), value)
        }
    }

    func testNumberFormatting() {
        XCTAssertEqual(JSONValue(10000).serialized(), "10000")
        XCTAssertEqual(JSONValue(2.0).serialized(), "2")
        XCTAssertEqual(JSONValue(-0.0).serialized(), "-0")
        XCTAssertEqual(JSONValue(0.1).serialized(), "0.1")
        XCTAssertEqual(JSONValue(1e20).serialized(), "1e+20")
        XCTAssertEqual(JSONValue(9_007_199_254_740_992.0).serialized(), "9007199254740992")
        XCTAssertEqual(JSONValue(-36_028_797_018_963_968.0).serialized(), "-3.602879701896397e+16")
        XCTAssertEqual(JSONValue(Float(0.9781)).serialized(), "0.9781")
        XCTAssertEqual(JSONValue(Double.nan).serialized(), "null")
        XCTAssertEqual(JSONValue(-Double.infinity).serialized(), "null")
        guard case .number(let negativeZero)? = try? parse("-0") else { return XCTFail("-0 is not a number") }
        XCTAssertEqual(negativeZero.sign, .minus)
    }

    func testRoundedNumbersSerializeWithAtMostTheirDecimals() {
        XCTAssertEqual(JSONValue(0.0044567370000000005, decimals: 6).serialized(), "0.004457")
        XCTAssertEqual(JSONValue(0.00044007299993609195, decimals: 6).serialized(), "0.00044")
        XCTAssertEqual(JSONValue(12.3456785, decimals: 6).serialized(), "12.345679")
        XCTAssertEqual(JSONValue(-2.5e-7, decimals: 6).serialized(), "-0")
        XCTAssertEqual(JSONValue(3.0000001, decimals: 6).serialized(), "3")
        XCTAssertEqual(JSONValue(86_400.123_456_789, decimals: 6).serialized(), "86400.123457")
        XCTAssertEqual(JSONValue(1e300, decimals: 6).serialized(), "1e+300", "too large to round: kept")
        XCTAssertEqual(JSONValue(.nan, decimals: 6).serialized(), "null")
        // Every microsecond count up to a year of seconds comes back as exactly its decimal.
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<10_000 {
            let micros = Int64(rng.next() >> 20) % 31_536_000_000_000
            let text = JSONValue(Double(micros) / 1e6 + 1e-8, decimals: 6).serialized()
            let whole = micros / 1_000_000
            let frac = micros % 1_000_000
            var expected = "\(whole)"
            if frac != 0 {
                var f = String(frac)
                f = String(repeating: "0", count: 6 - f.count) + f
                while f.hasSuffix("0") { f.removeLast() }
                expected += "." + f
            }
            if whole == 0 && frac != 0 && frac < 100 { continue }  // shown as 1e-05 and so on: same number, other form
            XCTAssertEqual(text, expected, "\(micros) µs, drawn from seed \(rng.seed)")
        }
    }

    func testReportLine() {
        let report: JSONValue = ["accuracy": JSONValue(0.9781), "loss": JSONValue(0.0712), "samples": JSONValue(10000)]
        XCTAssertEqual(report.serialized(), #"{"accuracy":0.9781,"loss":0.0712,"samples":10000}"#)
    }

    func testStructuralErrors() {
        assertError("", 0, "expected a JSON value, found end of input")
        assertError("   ", 3, "expected a JSON value, found end of input")
        assertError("{\"a\" 1}", 5, "expected ':' after an object key, found '1'")
        assertError("{\"a\":1 \"b\":2}", 7, "expected ',' or '}' after an object member, found '\"'")
        assertError("{1:2}", 1, "expected a string key or '}', found '1'")
        assertError("{\"a\":1,}", 7, "expected a string key after ',', found '}'")
        assertError("[1 2]", 3, "expected ',' or ']' after an array element, found '2'")
        assertError("[1,]", 3, "expected a JSON value, found ']'")
        assertError("[1", 2, "expected ',' or ']' after an array element, found end of input")
        assertError("{} x", 3, "expected end of input after the JSON value, found 'x'")
        assertError("tru", 3, "expected 'true' starting at byte 0, found end of input")
        assertError("[nul]", 4, "expected 'null' starting at byte 1, found ']'")
        assertError("@", 0, "expected a JSON value, found '@'")
        assertError([0xFF], 0, "expected a JSON value, found byte 0xFF")
    }

    func testNumberErrors() {
        assertError("-", 1, "expected a digit after '-', found end of input")
        assertError("01", 1, "expected no leading zeros in a number, found '1'")
        assertError("1.", 2, "expected a digit after '.', found end of input")
        assertError("1e+", 3, "expected a digit in the exponent, found end of input")
        assertError("[1e999]", 1, "expected a number within the range of a double, found 1e999")
        assertError("+1", 0, "expected a JSON value, found '+'")
    }

    func testStringErrors() {
        assertError("\"abc", 4, "expected '\"' to end the string that starts at byte 0, found end of input")
        assertError("\"a\nb\"", 2, "expected control character 0x0A in a string to be escaped")
        assertError("\"\\x\"", 2, #"expected one of \" \\ \/ \b \f \n \r \t \u after '\', found 'x'"#)
        assertError("\"\\u12G4\"", 5, "expected 4 hex digits after '\\u', found 'G'")
        assertError("\"\\ud83d\"", 7, "expected a \\uDC00-\\uDFFF low surrogate after the high surrogate \\uD83D")
        assertError("\"\\ud83d\\u0041\"", 7, "expected a \\uDC00-\\uDFFF low surrogate after the high surrogate \\uD83D, found \\u0041")
        assertError("\"\\ude00\"", 1, "expected a high surrogate before the low surrogate \\uDE00")
        assertError([0x22, 0x61, 0xC3, 0x28, 0x22], 2, "expected UTF-8 in a string, found invalid byte 0xC3")
        assertError([0x22, 0xED, 0xA0, 0x80, 0x22], 1, "expected UTF-8 in a string, found invalid byte 0xED")
    }

    func testDuplicateKeys() throws {
        XCTAssertEqual(try parse(#"{"a":1,"a":2}"#), .object([("a", 1), ("a", 2)]))
        assertError(#"{"a":1, "a":2}"#, 8, "duplicate key \"a\"", rejectingDuplicateKeys: true)
        XCTAssertEqual(try parse(#"{"a":{"a":1}}"#, rejectingDuplicateKeys: true), ["a": ["a": 1]])
    }

    func testNestingDepthIsBounded() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        XCTAssertNoThrow(try parse(ok))
        let deep = String(repeating: "[", count: 100_000)
        assertError(deep, 64, "arrays and objects nested more than 64 deep")
        assertError(String(repeating: "{\"a\":", count: 65) + "1", 320, "arrays and objects nested more than 64 deep")
    }
}
