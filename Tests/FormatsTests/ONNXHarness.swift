// Runs exported ONNX files through Scripts/onnx_check.py (the onnx checker + onnxruntime) and reads
// back its JSON. Tests that need it skip where python3 cannot import onnx and onnxruntime.

import Foundation
import TestSupport
import XCTest

enum ONNXHarness {
    /// One model to check and, when `rows` (or `idx`) is given, run: rows in batches of `batch` (0: all).
    struct Job {
        var label: String
        var model: [UInt8]
        var rows: [[Float]]? = nil
        /// An IDX file to give as input instead of raw float32 rows.
        var idx: [UInt8]? = nil
        var batch = 0
    }

    static let script = Package.path("Scripts/onnx_check.py")

    private static let available = ProcessRunner.pythonCanImport(["numpy", "onnx", "onnxruntime"])

    static func requireRuntime() throws {
        try XCTSkipUnless(available, "python3 cannot import numpy, onnx and onnxruntime (pip install onnx onnxruntime)")
    }

    /// One report per job, in order: a dictionary with "outputs" (rows of numbers) etc., or "error".
    /// `optimized`: the reports also list the operators onnxruntime runs after its graph optimizations.
    static func run(_ jobs: [Job], optimized: Bool = false) throws -> [[String: Any]] {
        try requireRuntime()
        let temporary = try TempDir()
        let directory = temporary.path

        var list: [[String: Any]] = []
        for (i, job) in jobs.enumerated() {
            let model = directory + "/\(i).onnx"
            try Data(job.model).write(to: URL(fileURLWithPath: model))
            var entry: [String: Any] = ["model": model, "batch": job.batch]
            if let rows = job.rows {
                let input = directory + "/\(i).f32"
                var bytes = Data()
                for v in rows.joined() { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
                try bytes.write(to: URL(fileURLWithPath: input))
                entry["input"] = input
            } else if let idx = job.idx {
                let input = directory + "/\(i).idx"
                try Data(idx).write(to: URL(fileURLWithPath: input))
                entry["input"] = input
            }
            list.append(entry)
        }
        let jobsPath = directory + "/jobs.json"
        try JSONSerialization.data(withJSONObject: list).write(to: URL(fileURLWithPath: jobsPath))

        // One thread: the comparisons do not depend on onnxruntime's thread count, and the machine is shared.
        let python = try ProcessRunner.run(
            "/usr/bin/env", ["python3", script, "--jobs", jobsPath, "--threads", "1"] + (optimized ? ["--optimized"] : []))
        guard python.status == 0 else {
            throw HarnessError("onnx_check.py exited with \(python.status): \(python.stderr)")
        }
        guard let reports = try JSONSerialization.jsonObject(with: python.stdoutData) as? [[String: Any]], reports.count == jobs.count
        else {
            throw HarnessError("onnx_check.py printed no list of \(jobs.count) reports: \(python.stdout.prefix(300))")
        }
        return reports
    }

    /// The outputs of a report as rows of Doubles; fails the test with the job's error otherwise.
    static func outputs(_ report: [String: Any], _ label: String, file: StaticString = #filePath, line: UInt = #line) -> [[Double]]? {
        if let error = report["error"] {
            XCTFail("\(label): \(error)", file: file, line: line)
            return nil
        }
        guard let rows = report["outputs"] as? [[Any]] else {
            XCTFail("\(label): no outputs in \(report)", file: file, line: line)
            return nil
        }
        return rows.map { $0.map { ($0 as? NSNumber)?.doubleValue ?? .nan } }
    }

    struct HarnessError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }
}

/// |actual − expected| ≤ tolerance·max(1, |expected|) for every value, with the worst miss in the message.
func assertClose(
    _ actual: [[Double]], _ expected: [[Double]], tolerance: Double, _ label: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    guard actual.count == expected.count, zip(actual, expected).allSatisfy({ $0.count == $1.count }) else {
        XCTFail("\(label): shape \(actual.map(\.count)) != expected \(expected.map(\.count))", file: file, line: line)
        return
    }
    var worst = 0.0
    var at = (0, 0)
    for (r, (a, e)) in zip(actual, expected).enumerated() {
        for (c, (x, y)) in zip(a, e).enumerated() {
            let miss = abs(x - y) / max(1, abs(y))
            if !(miss <= worst) {
                worst = miss
                at = (r, c)
            }  // NaN counts as the worst
        }
    }
    XCTAssert(
        worst <= tolerance,
        "\(label): row \(at.0) column \(at.1): onnxruntime \(actual[at.0][at.1]), "
            + "reference \(expected[at.0][at.1]) (relative miss \(worst) > \(tolerance))", file: file, line: line)
}
