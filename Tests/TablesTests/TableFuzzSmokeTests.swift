// A quick stand-in for the libFuzzer CSV target (Fuzz/CSVFuzz.swift) inside `swift test`: random
// corruptions of small tables, read in every dialect and then fitted and encoded as train does, must
// be read or refused with one line, never trap; a table read with two threads is the one read with
// one. Deterministic, so a failure reproduces.
import Formats
import Model
import Tables
import TestSupport
import XCTest

final class TableFuzzSmokeTests: XCTestCase {
    static let tables = [
        "age,city,score,label\n25,Lyon,1.5,yes\n,Nice,2,no\n40,?,NA,yes\n33,Paris,,no\n",
        "a;b;c\n1.234,5;x;1\n2,5;y;0\n-0,75;x;1\n1.000.000;z;0\n",
        "\u{FEFF}name,\"note, quoted\",label\r\n\"a \"\"b\"\"\",\"line\nbreak\",1\r\n\"c\",\"\",0\r\n",
        "x,y,z\n1,NA,a\n?,2,b\n,3,\nnan,NULL,None\n#N/A,n/a,<NA>\n4,5,c\n",
        "x,y\n3.4e38,-3.4e38\n1e-45,0\n-0,1e39\n0.1,2\n",
    ]

    func mutate(_ bytes: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var out = bytes
        let pieces = Array(",;\t|\"\n\r?NA.e-0123 x".utf8)
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0 where !out.isEmpty: out[Int.random(in: 0..<out.count, using: &rng)] = pieces.randomElement(using: &rng)!
            case 1 where !out.isEmpty: out.remove(at: Int.random(in: 0..<out.count, using: &rng))
            case 2: out.insert(pieces.randomElement(using: &rng)!, at: Int.random(in: 0...out.count, using: &rng))
            default: out = Array(out.prefix(Int.random(in: 0...out.count, using: &rng)))
            }
        }
        return out
    }

    func testCorruptedTablesAreReadOrRefusedInOneLine() {
        var rng = SeededGenerator(seed: 11)
        var read = 0
        var encoded = 0
        for i in 0..<3000 {
            let bytes = mutate(Array(Self.tables[i % Self.tables.count].utf8), &rng)
            var options = CSVOptions(delimiter: CSVOptions.delimiters[i % 4])
            if i % 3 == 1 { options.numbers = CSVNumberFormat(decimal: UInt8(ascii: ","), thousands: UInt8(ascii: ".")) }
            if i % 5 == 2 { options.missingMarkers = .pandas }
            let table: CSVTable
            do { table = try CSVReader.read(bytes: bytes, name: "t.csv", options: options) } catch {
                XCTAssertFalse(error.description.contains("\n"), "input \(i): \(error.description)")
                continue
            }
            read += 1
            var two = options
            two.threads = 2
            two.minBytesPerThread = 8
            let again = try? CSVReader.read(bytes: bytes, name: "t.csv", options: two)
            XCTAssertEqual(again?.header, table.header, "input \(i)")
            XCTAssertEqual(again?.rowCount, table.rowCount, "input \(i)")
            guard table.rowCount > 0, table.header.count >= 2 else { continue }
            let target = table.header.count - 1
            let features = Array(0..<target)
            do {
                let encoder = try TableEncoder.fit(
                    table, features: features, rows: nil, missing: [nil, .mean, .median, .mostFrequent][i % 4])
                let targetEncoder = try TargetEncoder.fit(table, columns: [target], task: Task.infer(table.columns[target]), rows: nil)
                let (x, _) = try encoder.encode(table, at: features, rows: nil, advice: .impute)
                XCTAssertEqual(x.count, table.rowCount * encoder.width)
                _ = try targetEncoder.encode(table, at: [target], rows: nil)
                encoded += 1
            } catch {
                XCTAssertFalse(error.description.contains("\n"), "input \(i): \(error.description)")
            }
        }
        // Enough of them get through to the encoders to mean something.
        XCTAssertGreaterThan(read, 1000, "tables read")
        XCTAssertGreaterThan(encoded, 30, "tables encoded")
    }
}
