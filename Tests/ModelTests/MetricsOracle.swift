// Runs cases through Scripts/metrics_oracle.py (scikit-learn, scipy) and reads back its figures.
// Tests that need it skip, saying so, where python3 cannot import scikit-learn.
import Foundation
import XCTest

/// A JSON value, written by hand: each Double as Swift's shortest round-trip form, so that Python
/// reads exactly the numbers the Swift side computed with.
indirect enum OracleJSON {
    case number(Double)
    case integer(Int)
    case array([OracleJSON])
    case object([(String, OracleJSON)])
    case null
    case bool(Bool)
    case string(String)

    static func numbers(_ v: [Double]) -> OracleJSON { .array(v.map { .number($0) }) }
    static func rows(_ v: [Double], width: Int) -> OracleJSON {
        .array(stride(from: 0, to: v.count, by: width).map { numbers(Array(v[$0..<($0 + width)])) })
    }
    static func flags(_ v: [Bool]) -> OracleJSON { .array(v.map { .integer($0 ? 1 : 0) }) }
    static func flagRows(_ v: [Bool], width: Int) -> OracleJSON {
        .array(stride(from: 0, to: v.count, by: width).map { flags(Array(v[$0..<($0 + width)])) })
    }
    static func weights(_ v: [Double]?) -> OracleJSON { v.map(numbers) ?? .null }

    func write(into s: inout String) {
        switch self {
        case .number(let d):
            precondition(d.isFinite, "the oracle's cases hold finite numbers")
            s += "\(d)"
        case .integer(let i): s += "\(i)"
        case .bool(let b): s += b ? "true" : "false"
        case .null: s += "null"
        case .string(let t): s += "\"\(t)\""
        case .array(let a):
            s += "["
            for (i, v) in a.enumerated() {
                if i > 0 { s += "," }
                v.write(into: &s)
            }
            s += "]"
        case .object(let o):
            s += "{"
            for (i, (k, v)) in o.enumerated() {
                if i > 0 { s += "," }
                s += "\"\(k)\":"
                v.write(into: &s)
            }
            s += "}"
        }
    }
}

enum MetricsOracle {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Scripts/metrics_oracle.py").path

    private static let available: Bool = {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import numpy, scipy, sklearn"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }()

    static func require() throws {
        try XCTSkipUnless(
            available,
            "python3 cannot import numpy, scipy and scikit-learn (python3 -m pip install scikit-learn): "
                + "the metrics are not checked against scikit-learn")
    }

    /// scikit-learn's figures for each case, in order.
    static func run(_ cases: [OracleJSON]) throws -> [[String: Any]] {
        try require()
        let directory = NSTemporaryDirectory() + "metrics-oracle-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var text = ""
        OracleJSON.array(cases).write(into: &text)
        let path = directory + "/cases.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", script, path]
        let out = Pipe()
        let err = Pipe()
        python.standardOutput = out
        python.standardError = err
        try python.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        python.waitUntilExit()
        guard python.terminationStatus == 0 else {
            throw OracleError("metrics_oracle.py exited with \(python.terminationStatus): \(String(decoding: stderr, as: UTF8.self))")
        }
        guard let report = try JSONSerialization.jsonObject(with: stdout) as? [String: Any],
            let results = report["results"] as? [[String: Any]], results.count == cases.count
        else {
            throw OracleError("metrics_oracle.py printed no result per case: \(String(decoding: stdout, as: UTF8.self).prefix(300))")
        }
        return results
    }

    struct OracleError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }
}

/// Compares one figure with the oracle's: both undefined (nil / null), or within 1e-6 (relative above 1).
func assertAgrees(
    _ ours: Double?, _ theirs: Any?, _ what: String, tolerance: Double = 1e-6,
    file: StaticString = #filePath, line: UInt = #line
) {
    let ref = (theirs as? NSNumber)?.doubleValue
    switch (ours, ref) {
    case (nil, nil): return
    case (let a?, let b?):
        XCTAssertLessThanOrEqual(abs(a - b), tolerance * max(1, abs(b)), "\(what): ours \(a), scikit-learn's \(b)", file: file, line: line)
    default:
        XCTFail(
            "\(what): ours \(ours.map { "\($0)" } ?? "undefined"), scikit-learn's \(ref.map { "\($0)" } ?? "undefined")", file: file,
            line: line)
    }
}
