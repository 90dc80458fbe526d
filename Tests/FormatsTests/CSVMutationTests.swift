// A cheap stand-in for fuzzing the CSV reader: every prefix and many random mutations of valid files
// must either read or throw a FormatError, never trap, and give the same outcome on 1 and 3 threads.

import TestSupport
import XCTest

@testable import Formats

final class CSVMutationTests: XCTestCase {
    private let seeds: [[UInt8]] = [
        Array("a,b,c\n1,2.5,x\n-3,,\"y\"\"z\"\n4e2,NA,\"p\nq\"\n".utf8),
        [0xEF, 0xBB, 0xBF] + Array("name;v\r\n\"Zürich\";1\r\n\"a;b\";?\r\n".utf8),
        Array("k\n1\n2\n\n3\nx\n".utf8),
        Array("\"h 1\",h2\n\"1\",\" 2 \"\n  3 , 4 \nnan,inf\n".utf8),
    ]

    /// The outcome as a string; fails the test on anything but a FormatError.
    private func outcome(_ bytes: [UInt8], threads: Int, delimiter: UInt8) -> String {
        var options = CSVOptions()
        options.threads = threads
        options.minBytesPerThread = 1
        options.delimiter = delimiter
        options.maxBytes = 1 << 20
        do {
            let table = try CSVReader.read(bytes: bytes, name: "f", options: options)
            var summary = "\(table.header) \(table.rowCount)"
            for column in table.columns {
                switch column {
                case .numeric(let values, let missing): summary += " n\(missing):\(values.map(\.bitPattern))"
                case .text(let codes, let categories, let missing): summary += " t\(missing):\(codes)\(categories)"
                }
            }
            summary += " lines \((0..<table.rowCount).map { table.line(ofRow: $0) })"
            return summary
        } catch {
            return "error \(error)"
        }
    }

    private func exercise(_ bytes: [UInt8], delimiter: UInt8) {
        let one = outcome(bytes, threads: 1, delimiter: delimiter)
        let three = outcome(bytes, threads: 3, delimiter: delimiter)
        XCTAssertEqual(one, three, "bytes \(bytes)")
    }

    func testEveryPrefix() {
        for seed in seeds {
            let delimiter = seed.contains(UInt8(ascii: ";")) ? UInt8(ascii: ";") : UInt8(ascii: ",")
            for file in [seed, Gzip.compress(seed)] {
                for end in 0...file.count { exercise(Array(file[..<end]), delimiter: delimiter) }
            }
        }
    }

    func testRandomMutations() {
        var random = SeededGenerator(seed: 0x9E37_79B9_7F4A_7C15)
        let interesting: [UInt8] = Array("\",;\n\r ?NAe.-+0159x".utf8) + [0x00, 0xFF, 0xC3, 0xA9, 0xEF, 0xBB, 0xBF, 0x09]
        for _ in 0..<6000 {
            let k = random.next(seeds.count)
            var bytes = seeds[k]
            let delimiter = k == 1 ? UInt8(ascii: ";") : UInt8(ascii: ",")
            for _ in 0...random.next(4) {
                switch random.next(4) {
                case 0: bytes[random.next(bytes.count)] = interesting[random.next(interesting.count)]
                case 1: bytes[random.next(bytes.count)] = UInt8(random.next(256))
                case 2: bytes.insert(interesting[random.next(interesting.count)], at: random.next(bytes.count + 1))
                default: if bytes.count > 1 { bytes.remove(at: random.next(bytes.count)) }
                }
            }
            exercise(bytes, delimiter: delimiter)
            if random.next(20) == 0 { exercise(Gzip.compress(bytes), delimiter: delimiter) }
        }
    }
}
