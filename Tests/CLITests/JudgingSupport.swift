import Formats
// Shared by the tests of calibrate, importance and multi-label models: data sets whose answers are
// known, JSON reading, and Scripts/metrics_oracle.py (scikit-learn, scipy) run on cases written as
// JSON text, skipped with a message where python3 cannot import them.
import Foundation
import XCTest

enum Judging {
    static let oracle = Package.path("Scripts/metrics_oracle.py")

    /// The oracle's result per case of `cases` (a JSON list), or a skip.
    static func run(oracle cases: String) throws -> [[String: Any]] {
        let dir = try TempDir()
        try dir.write("cases.json", Array(cases.utf8))
        let r = try ProcessRunner.run("/usr/bin/env", ["python3", oracle, dir.file("cases.json")])
        if r.status == 3 {
            throw XCTSkip("python3 cannot import numpy, scipy and scikit-learn (python3 -m pip install scikit-learn): \(r.stderr)")
        }
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any]
        return try XCTUnwrap(report?["results"] as? [[String: Any]], r.stdout)
    }

    static func json(_ text: String) throws -> JSONValue { try JSONValue.parse(Array(text.utf8)) }
    static func lines(_ r: Run) throws -> [JSONValue] { try r.stdout.split(separator: "\n").map { try json(String($0)) } }
    static func number(_ v: JSONValue?) -> Double {
        if case .number(let x)? = v { return x }
        return .nan
    }
    static func numbers(_ v: JSONValue?) -> [Double] {
        switch v {
        case .array(let a)?: return a.map { number($0) }
        case .object(let m)?: return m.map { number($0.1) }
        default: return []
        }
    }
    /// Doubles as JSON text, each in Swift's shortest round-trip form.
    static func text(_ v: [Double]) -> String { "[" + v.map { "\($0)" }.joined(separator: ",") + "]" }

    /// 4×4 images of the four quadrants (class = the bright one) with `flip` of the labels drawn at
    /// random instead, as the four MNIST-named files in `dir`: a task no model gets all right, so a
    /// held-out set has something to calibrate.
    static func noisyQuadrants(_ dir: TempDir, count: Int = 400, flip: Double = 0.2, seed: UInt64 = 23) throws {
        var rng = SeededGenerator(seed: seed)
        var images: [UInt8] = []
        var labels: [UInt8] = []
        for i in 0..<count {
            let c = i % 4
            for r in 0..<4 {
                for col in 0..<4 {
                    let q = (r / 2) * 2 + col / 2
                    images.append(UInt8(q == c ? 120 + rng.next(80) : 40 + rng.next(80)))
                }
            }
            labels.append(UInt8(Double.random(in: 0..<1, using: &rng) < flip ? rng.next(4) : c))
        }
        try Synthetic.writeMNISTLike(dir: dir, images: images, labels: labels, rows: 4, cols: 4)
    }

    /// A CSV table: `decisive` sets the label (1 when above 0, with a little label noise), `noise`
    /// and the categorical `colour` are noise.
    static func decisiveTable(rows: Int = 600, seed: UInt64 = 5) -> String {
        var rng = SeededGenerator(seed: seed)
        func gauss() -> Double {
            let u = Double.random(in: Double.ulpOfOne..<1, using: &rng)
            let v = Double.random(in: 0..<1, using: &rng)
            return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
        var text = "noise,decisive,colour,label\n"
        for _ in 0..<rows {
            let d = gauss()
            let n = gauss()
            let colour = ["red", "green", "blue"][rng.next(3)]
            let label = d + 0.2 * gauss() > 0 ? 1 : 0
            text += "\(fixed(n, 4)),\(fixed(d, 4)),\(colour),\(label)\n"
        }
        return text
    }

    /// A multi-label table: features x1, x2 and colour; labels a (0/1: x1 above 0), b (no/yes: x2
    /// above 0.2, with noise) and c (0/1: red, or x1 + x2 above 1).
    static func multilabelTable(rows: Int = 400, seed: UInt64 = 8) -> String {
        var rng = SeededGenerator(seed: seed)
        func gauss() -> Double {
            let u = Double.random(in: Double.ulpOfOne..<1, using: &rng)
            let v = Double.random(in: 0..<1, using: &rng)
            return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
        var text = "x1,x2,colour,a,b,c\n"
        for _ in 0..<rows {
            let x1 = gauss()
            let x2 = gauss()
            let colour = ["red", "green", "blue"][rng.next(3)]
            let a = x1 > 0 ? 1 : 0
            let b = x2 + 0.3 * gauss() > 0.2 ? "yes" : "no"
            let c = colour == "red" || x1 + x2 > 1 ? 1 : 0
            text += "\(fixed(x1, 4)),\(fixed(x2, 4)),\(colour),\(a),\(b),\(c)\n"
        }
        return text
    }
}
