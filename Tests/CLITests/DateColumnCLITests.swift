// Date columns end to end: recognized without a flag (the banner counts them, five inputs instead of
// one per day), `mlp summary` says what a date column became, a date-time column gains the hour, and
// a value that is not a date in a date column at predict time is a one-line error naming the file,
// the line and the column.
import Foundation
import XCTest

final class DateColumnCLITests: XCTestCase {
    /// 300 days two apart from 2011-01-01 (or date-times, `withTime`), a temperature, and riders: more
    /// on weekends and warm days.
    func table(_ dir: TempDir, withTime: Bool = false) throws -> String {
        var rng = SeededGenerator(seed: 4)
        let calendar: Calendar = {
            var c = Calendar(identifier: .gregorian)
            c.timeZone = TimeZone(identifier: "UTC")!
            return c
        }()
        let start = calendar.date(from: DateComponents(year: 2011, month: 1, day: 1))!
        var text = "day,temp,riders\n"
        for i in 0..<300 {
            let date = calendar.date(byAdding: .day, value: 2 * i, to: start)!
            let c = calendar.dateComponents([.year, .month, .day, .weekday], from: date)
            func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
            var day = "\(c.year!)-\(two(c.month!))-\(two(c.day!))"
            if withTime { day += "T\(two(i % 24)):30:00" }
            let temp = Double.random(in: 0...30, using: &rng)
            let weekend = c.weekday! == 1 || c.weekday! == 7
            text += "\(day),\(temp),\(100 + Int(3 * temp) + (weekend ? 50 : 0))\n"
        }
        try dir.write("d.csv", Array(text.utf8))
        return dir.file("d.csv")
    }

    func testADateColumnIsReadAsDatesAndSummaryShowsIt() throws {
        let dir = try TempDir()
        let data = try table(dir)
        let model = dir.file("m.safetensors")
        let r = try MLP.run(["train", "--data", data, "--task", "regression", "--epochs", "3", "--threads", "1", "--out", model])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("2 feature columns (1 numeric, 0 categorical, 1 date) → 6 inputs"), r.stderr)
        XCTAssertFalse(r.stderr.contains("warning"), r.stderr)
        let s = try MLP.run(["summary", model])
        XCTAssertEqual(s.status, 0, s.stderr)
        let row = s.stdout.split(separator: "\n").first { $0.hasPrefix("day ") }
        let line = try XCTUnwrap(row, s.stdout)
        XCTAssertTrue(line.contains(" date "), String(line))
        // The mean of the 300 days is day 299 after 2011-01-01: 2011-10-27; their std is 173.2 days.
        XCTAssertTrue(
            line.hasSuffix("elapsed time (t − 2011-10-27)/173.2 days; day of year, day of week as sin, cos"), String(line))
    }

    func testADateTimeColumnHasTheHour() throws {
        let dir = try TempDir()
        let data = try table(dir, withTime: true)
        let model = dir.file("m.safetensors")
        let r = try MLP.run(["train", "--data", data, "--task", "regression", "--epochs", "2", "--threads", "1", "--out", model])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("(1 numeric, 0 categorical, 1 date) → 8 inputs"), r.stderr)
        let s = try MLP.run(["summary", model])
        XCTAssertTrue(s.stdout.contains("day of year, day of week, hour as sin, cos"), s.stdout)
    }

    func testANonDateAtPredictTimeIsAOneLineError() throws {
        let dir = try TempDir()
        let data = try table(dir)
        let model = dir.file("m.safetensors")
        let r = try MLP.run(["train", "--data", data, "--task", "regression", "--epochs", "2", "--quiet", "--out", model])
        XCTAssertEqual(r.status, 0, r.stderr)
        try dir.write("new.csv", Array("day,temp\n2012-01-01,10\n2012-02-30,12\n2012-03-01,9\n".utf8))
        let p = try MLP.run(["predict", "--model", model, "--input", dir.file("new.csv")])
        XCTAssertEqual(p.status, 1, p.stderr)
        XCTAssertEqual(
            p.stderr,
            "error: \(dir.file("new.csv")): line 3, column 'day' (1): '2012-02-30' is not a date (YYYY-MM-DD, optionally with a time: 2012-01-31T13:45:00, 2012-01-31 13:45), and the model reads this column as dates\n"
        )
        XCTAssertEqual(p.stdout, "")
        // A number in the date column is not a date either.
        try dir.write("num.csv", Array("day,temp\n2012,10\n".utf8))
        let n = try MLP.run(["predict", "--model", model, "--input", dir.file("num.csv")])
        XCTAssertEqual(n.status, 1, n.stderr)
        XCTAssertTrue(n.stderr.hasPrefix("error: \(dir.file("num.csv")): line 2, column 'day' (1): '2012' is not a date"), n.stderr)
        // Good dates predict.
        try dir.write("ok.csv", Array("day,temp\n2012-01-01,10\n2013-06-15T08:00:00,20\n".utf8))
        let ok = try MLP.run(["predict", "--model", model, "--input", dir.file("ok.csv")])
        XCTAssertEqual(ok.status, 0, ok.stderr)
    }
}
