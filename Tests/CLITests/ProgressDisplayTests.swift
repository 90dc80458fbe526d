import Formats
// The progress bar on a terminal: its line fits the terminal's width at every width (fields left
// out least useful first), follows a resize, and its time left is right after the first epoch and
// after a resume mid-epoch. The layout and the estimate are pure functions tested directly; the
// bar is also checked as the binary draws it on a pseudo-terminal (Terminal.swift).
import Foundation
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

final class ProgressDisplayTests: XCTestCase {
    // MARK: - The line's layout

    static let typical = ProgressFigures(
        epoch: 2, epochs: 5, done: 36, total: 938, elapsed: 0.86, epochLeft: 0.73,
        runLeft: 3.9, loss: 0.1234, accuracy: 0.9612, samplesPerSecond: 150_000)
    /// Every field at its longest.
    static let long = ProgressFigures(
        epoch: 99_999, epochs: 100_000, done: 1_048_575, total: 1_048_576, elapsed: 35_999,
        epochLeft: 35_999, runLeft: 3_599_999, loss: -12_345.6789, accuracy: 0.5,
        samplesPerSecond: 12_345_678_901)
    static let regression = ProgressFigures(
        epoch: 1, epochs: 1, done: 0, total: 7, elapsed: 0, epochLeft: nil,
        runLeft: nil, loss: .nan, accuracy: nil, samplesPerSecond: 0)

    func testTheLineNeverTakesTheTerminalsLastColumn() {
        for f in [Self.typical, Self.long, Self.regression] {
            for width in 1...220 {
                let line = ProgressLine.render(f, width: width)
                XCTAssertLessThanOrEqual(line.count, max(width - 1, 1), "width \(width): \(line)")
                XCTAssertFalse(line.isEmpty)
                if width >= 20 && f != Self.long {
                    XCTAssertTrue(line.hasPrefix("epoch \(f.epoch)/\(f.epochs)"), "width \(width): \(line)")
                    XCTAssertTrue(line.contains(" \(f.done)/\(f.total)"), "width \(width): the steps outlast the rest: \(line)")
                }
            }
        }
    }

    /// Fields are taken most useful first while they fit: a field left out would not have fitted
    /// beside the more useful ones kept, and none is left out while a less useful one is kept
    /// unless it is longer.
    func testFieldsAreLeftOutLeastUsefulFirst() {
        for f in [Self.typical, Self.long] {
            let fields = ProgressLine.fields(f)
            for width in 20...220 {
                let line = ProgressLine.render(f, width: width)
                let kept = fields.map { $0.isBar ? line.contains("·") || line.contains("█") : line.contains($0.text) }
                for (i, d) in fields.enumerated() where !kept[i] {
                    var more = kept
                    for (j, g) in fields.enumerated() where g.rank > d.rank { more[j] = false }
                    more[i] = true
                    XCTAssertGreaterThan(
                        ProgressLine.length(fields, more), width - 1,
                        "width \(width): '\(d.text)' was left out though it fits beside the more useful fields: \(line)")
                }
            }
        }
        // At 80 columns the typical line keeps the bar, the steps, the run's ETA, loss and accuracy.
        let at80 = ProgressLine.render(Self.typical, width: 80)
        for part in ["epoch 2/5 ", " 36/938", "run ETA 3.90s", "loss 0.1234", "acc 0.9612"] {
            XCTAssertTrue(at80.contains(part), "\(part) in \(at80)")
        }
        XCTAssertFalse(at80.contains("samples/s"), at80)
        // Wide enough, everything, and the bar at its widest.
        let wide = ProgressLine.render(Self.typical, width: 200)
        XCTAssertEqual(
            wide,
            "epoch 2/5 " + String(repeating: "·", count: 24)
                + " 36/938  0.86s  epoch ETA 0.73s  run ETA 3.90s  loss 0.1234  acc 0.9612  150000 samples/s")
        // The bar widens into the room the fields leave.
        let small = ProgressFigures(
            epoch: 1, epochs: 1, done: 5, total: 10, elapsed: 1, epochLeft: 1, runLeft: 1,
            loss: 1, accuracy: nil, samplesPerSecond: 1)
        XCTAssertEqual(ProgressLine.render(small, width: 60), "epoch 1/1 ████████········ 5/10  run ETA 1.00s  loss 1.0000")
        XCTAssertEqual(ProgressLine.render(small, width: 46), "epoch 1/1  5/10  run ETA 1.00s  loss 1.0000")
        XCTAssertEqual(ProgressLine.render(small, width: 8), "epoch 1")
    }

    func testTheLastEpochShowsTheRunsTimeLeftOnly() {
        var f = Self.typical
        f.epoch = 5
        let line = ProgressLine.render(f, width: 200)
        XCTAssertFalse(line.contains("epoch ETA"), line)
        XCTAssertTrue(line.contains("run ETA 3.90s"), line)
    }

    func testTheWidthFallsBackToCOLUMNSThenEighty() {
        XCTAssertEqual(TerminalWidth.fallback(columns: "132"), 132)
        XCTAssertEqual(TerminalWidth.fallback(columns: nil), 80)
        XCTAssertEqual(TerminalWidth.fallback(columns: "0"), 80)
        XCTAssertEqual(TerminalWidth.fallback(columns: "wide"), 80)
    }

    // MARK: - The time left

    /// The run of the report: epoch 1 took 0.76 s for 938 steps; 36 steps into epoch 2 of 2 the
    /// epoch has about 902 steps' worth left, 0.73 s, not the 21.5 s the run's whole elapsed time gave.
    func testTheTimeLeftAfterTheFirstEpoch() throws {
        var t = TimeLeft()
        let perStep = 0.76 / 938
        for done in 1...938 {
            _ = t.step(epoch: 1, epochs: 2, done: done, total: 938, elapsed: Double(done) * perStep, resumedAt: (0, 0))
        }
        t.epochFinished(evaluationSeconds: 0.1)
        let left = try XCTUnwrap(t.step(epoch: 2, epochs: 2, done: 36, total: 938, elapsed: 36 * perStep, resumedAt: (0, 0)))
        XCTAssertEqual(left.epoch, 902 * perStep, accuracy: 1e-9)
        XCTAssertEqual(left.run, 902 * perStep + 0.1, accuracy: 1e-9, "the epoch's steps and its evaluation")
    }

    /// A resumed epoch is timed from this process's own steps: the seconds recorded before the
    /// interruption (here 100 s for 8 steps, on a slower machine) do not count.
    func testTheTimeLeftAfterAResumeMidEpoch() throws {
        var t = TimeLeft()
        XCTAssertNil(t.step(epoch: 2, epochs: 3, done: 8, total: 32, elapsed: 100, resumedAt: (8, 100)), "no step timed yet")
        let left = try XCTUnwrap(t.step(epoch: 2, epochs: 3, done: 12, total: 32, elapsed: 100.4, resumedAt: (8, 100)))
        XCTAssertEqual(left.epoch, 20 * 0.1, accuracy: 1e-9)
        XCTAssertEqual(left.run, 20 * 0.1 + 32 * 0.1, accuracy: 1e-9, "one more epoch; no evaluation measured yet")
    }

    func testTheEstimate() {
        let e = TimeLeft.estimate(epoch: 2, epochs: 4, done: 10, total: 50, secondsPerStep: 0.01, evaluationSeconds: 0.2)
        XCTAssertEqual(e.epoch, 0.4, accuracy: 1e-12)
        XCTAssertEqual(e.run, 0.4 + 0.2 + 2 * (0.5 + 0.2), accuracy: 1e-12)
        let end = TimeLeft.estimate(epoch: 4, epochs: 4, done: 50, total: 50, secondsPerStep: 0.01, evaluationSeconds: 0)
        XCTAssertEqual(end.epoch, 0)
        XCTAssertEqual(end.run, 0)
    }

    // MARK: - The binary on a terminal

    /// 256 images in batches of 8 (32 steps an epoch), each step slowed by the test driver.
    func quadrantRun(_ dir: TempDir, epochs: Int = 3, delay: Int = 5, extra: [String] = []) -> [String] {
        [
            "--step-delay-ms", "\(delay)", "train", "--data", dir.path, "--epochs", "\(epochs)", "--batch-size", "8",
            "--hidden", "8", "--out", dir.file("m.safetensors"),
        ] + extra
    }

    /// A figure of a redraw: the number after `label` ("epoch ETA 0.12s" → 0.12).
    func seconds(after label: String, in line: String) -> Double? {
        guard let r = line.range(of: label + " ") else { return nil }
        let word = line[r.upperBound...].drop { $0 == " " }.prefix { $0 != " " }
        guard word.hasSuffix("s") else { return nil }
        let body = word.dropLast()
        if let m = body.firstIndex(of: "m") { return Double(body[..<m]).map { $0 * 60 + (Double(body[body.index(after: m)...]) ?? 0) } }
        return Double(body)
    }

    /// The steps done in a redraw and the epoch's elapsed time ("epoch 2/3 ███··· 12/32  0.08s ..." → (2, 12, 0.08)).
    func position(_ line: String) -> (epoch: Int, done: Int, elapsed: Double)? {
        let words = line.split(separator: " ")
        guard words.count > 2, words[0] == "epoch", let e = Int(words[1].split(separator: "/")[0]) else { return nil }
        guard let i = words.indices.dropFirst(2).first(where: { words[$0].contains("/") && words[$0].first!.isNumber }),
            let done = Int(words[i].split(separator: "/")[0]), i + 1 < words.count,
            let elapsed = seconds(after: String(words[i]), in: line)
        else { return nil }
        return (e, done, elapsed)
    }

    func testRedrawsFitTheTerminalAtEveryWidthTried() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 256)
        for columns in [40, 80, 132] as [UInt16] {
            let r = try Terminal.run(quadrantRun(dir, epochs: 2), columns: columns, executable: MLP.driver)
            XCTAssertEqual(r.status, 0, r.screen)
            let redraws = r.redraws
            XCTAssertGreaterThan(redraws.count, 2, "the bar was drawn: \(r.screen.debugDescription)")
            for d in redraws { XCTAssertLessThan(d.text.count, Int(columns), "at \(columns) columns: \(d.text)") }
            // No redraw left a line behind: what each line shows in the end (after its last carriage
            // return) is the banner, an epoch line or the results, never a bar.
            let shown = r.screen.components(separatedBy: "\r\n").map { $0.components(separatedBy: "\r").last! }
            XCTAssertEqual(shown.filter { $0.contains("█") || $0.contains("·") }, [])
        }
    }

    func testWithoutASizeTheWidthIsCOLUMNS() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 256)
        let r = try Terminal.run(quadrantRun(dir, epochs: 1), columns: 0, executable: MLP.driver, environment: ["COLUMNS": "44"])
        XCTAssertEqual(r.status, 0, r.screen)
        XCTAssertFalse(r.redraws.isEmpty)
        for d in r.redraws { XCTAssertLessThan(d.text.count, 44, d.text) }
        XCTAssertTrue(r.redraws.contains { $0.text.count > 30 }, "the room is used: \(r.redraws.map(\.text))")
    }

    /// The terminal narrows from 150 to 50 columns after the first redraw: later redraws fit the
    /// new width (the first one after the resize may have been drawn before the signal came).
    func testAResizeIsFollowed() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 256)
        var resizedAt: Int?
        let r = try Terminal.run(quadrantRun(dir, epochs: 3, delay: 8), columns: 150, executable: MLP.driver) { screen in
            guard resizedAt == nil, screen.contains("\u{1B}[2Kepoch 1/3 ") else { return nil }
            resizedAt = screen.utf8.count
            return 50
        }
        XCTAssertEqual(r.status, 0, r.screen)
        let cut = try XCTUnwrap(resizedAt)
        let before = r.redraws.filter { $0.offset < cut }
        let after = r.redraws.filter { $0.offset >= cut }
        XCTAssertTrue(before.contains { $0.text.count >= 50 }, "wide before: \(before.map(\.text))")
        XCTAssertGreaterThan(after.count, 3)
        for d in after.dropFirst() { XCTAssertLessThan(d.text.count, 50, d.text) }
    }

    /// Epoch 2's elapsed time and time left, on the real output, against what epoch 1 took: each
    /// redraw's elapsed time is epoch 2's alone, and its "epoch ETA" close to epoch 1's time per
    /// step times the steps left.
    func testTheTimeLeftShownAfterTheFirstEpoch() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 256)
        let r = try Terminal.run(quadrantRun(dir, epochs: 3, delay: 6), columns: 200, executable: MLP.driver)
        XCTAssertEqual(r.status, 0, r.screen)
        let first = try XCTUnwrap(
            r.screen.components(separatedBy: "\r\n").map { $0.components(separatedBy: "\r").last! }
                .first { $0.contains("epoch 1/3  loss") })
        let e1 = try XCTUnwrap(
            first.split(separator: " ").first { $0.hasSuffix("s") && Double($0.dropLast()) != nil }.flatMap { Double($0.dropLast()) })
        var checked = 0
        for d in r.redraws {
            guard let (epoch, done, elapsed) = position(d.text), epoch == 2, done < 28,
                let left = seconds(after: "epoch ETA", in: d.text), let run = seconds(after: "run ETA", in: d.text)
            else { continue }
            XCTAssertLessThan(elapsed, 2 * e1 * Double(done) / 32 + 0.05, "epoch 2's time alone: \(d.text) (epoch 1 took \(e1)s)")
            let expected = e1 * Double(32 - done) / 32
            XCTAssertLessThan(left, 2 * expected + 0.05, "\(d.text) (epoch 1 took \(e1)s)")
            XCTAssertGreaterThan(left, 0.5 * expected - 0.05, "\(d.text) (epoch 1 took \(e1)s)")
            XCTAssertGreaterThan(run, left + 0.5 * e1, "the run has another epoch to go: \(d.text)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 0, "a redraw early in epoch 2: \(r.redraws.map(\.text))")
    }

    /// Interrupted 8 steps into a slow run (60 ms a step), resumed at 4 ms a step: the resumed
    /// epoch's time left comes from the new steps, not from the slow ones before; its elapsed time
    /// counts both.
    func testTheTimeLeftShownAfterAResumeMidEpoch() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 512)
        let ckpt = dir.file("run.ckpt")
        let cut = try MLP.run(
            ["--interrupt-after", "8"] + quadrantRun(dir, epochs: 3, delay: 60, extra: ["--checkpoint", ckpt]),
            executable: MLP.driver)
        XCTAssertEqual(cut.status, 130, cut.stderr)
        let r = try Terminal.run(
            [
                "--step-delay-ms", "4", "train", "--resume", ckpt, "--data", dir.path, "--out", dir.file("m.safetensors"),
                "--checkpoint", ckpt,
            ], columns: 200, executable: MLP.driver)
        XCTAssertEqual(r.status, 0, r.screen)
        XCTAssertTrue(r.screen.contains("resuming after epoch 0, step 8"), r.screen)
        // This process's pace, from its first redraw to each later one, gives the time left.
        let bars = r.redraws.compactMap { d in position(d.text).map { (text: d.text, at: $0) } }.filter { $0.at.epoch == 1 }
        let first = try XCTUnwrap(bars.first, r.screen)
        XCTAssertLessThan(first.at.done, 18, "the first redraw comes right after the resume: \(first.text)")
        var checked = 0
        for b in bars where b.at.done >= first.at.done + 10 && b.at.done < 60 {
            let left = try XCTUnwrap(seconds(after: "epoch ETA", in: b.text), b.text)
            XCTAssertGreaterThan(b.at.elapsed, 8 * 0.06, "the epoch's time before the interruption counts: \(b.text)")
            let pace = (b.at.elapsed - first.at.elapsed) / Double(b.at.done - first.at.done)
            let expected = pace * Double(64 - b.at.done)
            XCTAssertLessThan(left, 2 * expected + 0.03, "\(b.text): from this process's steps, not the 60 ms ones before")
            XCTAssertGreaterThan(left, 0.5 * expected - 0.03, b.text)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 0, "a redraw in the resumed epoch: \(r.redraws.map(\.text))")
    }
}
