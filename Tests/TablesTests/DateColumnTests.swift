// Date and date-time columns: ISO 8601 text read as seconds since 1970 (checked against Foundation's
// Gregorian calendar in UTC, an independent reference), the periodic parts (day of year, day of week,
// hour) against the same calendar, and a table's date column encoded as the features DateColumn.swift
// defines: the elapsed time standardized over the training rows and sine/cosine pairs.
import Formats
import Foundation
import Model
import Tables
import TestSupport
import XCTest

final class DateColumnTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("date-tests-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    static var calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    /// Seconds since 1970 of a UTC date and time, by Foundation.
    func reference(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> Double {
        Self.calendar.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: s))!.timeIntervalSince1970
    }

    /// Day of year (1…366), day of week (0 Monday … 6 Sunday) and hours of t's UTC day, by Foundation.
    func referencePeriodic(_ t: Double) -> (dayOfYear: Int, dayOfWeek: Int, hours: Double) {
        let date = Date(timeIntervalSince1970: t)
        let dayOfYear = Self.calendar.ordinality(of: .day, in: .year, for: date)!
        // Foundation's weekday: 1 Sunday … 7 Saturday.
        let dayOfWeek = (Self.calendar.component(.weekday, from: date) + 5) % 7
        let midnight = Self.calendar.startOfDay(for: date).timeIntervalSince1970
        return (dayOfYear, dayOfWeek, (t - midnight) / 3_600)
    }

    func testISODatesAndDateTimes() throws {
        let cases: [(String, Double, Bool)] = [
            ("2012-01-31", reference(2012, 1, 31), false),
            ("2012-02-29", reference(2012, 2, 29), false),  // a leap day
            ("2000-02-29", reference(2000, 2, 29), false),  // a leap century
            ("1970-01-01", 0, false),
            ("1969-12-31", -86_400, false),
            ("1969-12-31T23:59:59", -1, true),
            ("1900-03-01", reference(1900, 3, 1), false),
            // Proleptic Gregorian, as Python's datetime counts (Foundation switches to Julian before 1582).
            ("0001-01-01", -62_135_596_800, false),
            ("9999-12-31", reference(9999, 12, 31), false),
            ("2012-01-31T13:45:00", reference(2012, 1, 31, 13, 45), true),
            ("2012-01-31 13:45", reference(2012, 1, 31, 13, 45), true),
            ("2012-01-31T13:45:07.25", reference(2012, 1, 31, 13, 45, 7) + 0.25, true),
            ("2012-01-31T13:45:00Z", reference(2012, 1, 31, 13, 45), true),
            ("2012-01-31T13:45:00+02:00", reference(2012, 1, 31, 11, 45), true),
            ("2012-01-31T00:30-0130", reference(2012, 1, 31, 2, 0), true),
        ]
        for (text, t, hasTime) in cases {
            let parsed = try XCTUnwrap(ISODate.parse(text), text)
            XCTAssertEqual(parsed.t, t, accuracy: 1e-6, text)
            XCTAssertEqual(parsed.hasTime, hasTime, text)
        }
        for text in [
            "2013-02-29", "1900-02-29", "2012-13-01", "2012-00-10", "2012-04-31", "2012-1-5", "12-01-31", "2012/01/31",
            "2012-01-31T24:00", "2012-01-31T12:60", "2012-01-31T12", "2012-01-31T", "2012-01-31x", "2012-01-31T12:00:00.",
            "20120131", "", "yesterday", "2012-01-31T12:00:00+25:00",
        ] {
            XCTAssertNil(ISODate.parse(text), "\(text) is not an ISO date")
        }
    }

    func testPeriodicPartsAgainstTheCalendar() {
        // Known dates: a leap day, the last day of a leap year, both sides of 1970.
        let known: [(Double, Int, Int, Double)] = [
            (reference(2012, 2, 29), 60, 2, 0),  // a Wednesday
            (reference(2012, 12, 31), 366, 0, 0),  // a Monday
            (reference(1970, 1, 1), 1, 3, 0),  // a Thursday
            (reference(1969, 12, 31, 18, 30), 365, 2, 18.5),  // a Wednesday evening
            (reference(2000, 3, 1, 6), 61, 2, 6),
        ]
        for (t, doy, dow, hours) in known {
            let p = DateColumn.periodic(t)
            XCTAssertEqual(p.dayOfYear, doy, "\(ISODate.text(t))")
            XCTAssertEqual(p.dayOfWeek, dow, "\(ISODate.text(t))")
            XCTAssertEqual(p.hours, hours, accuracy: 1e-9, "\(ISODate.text(t))")
        }
        // Many moments from 1800 to 2200, against Foundation.
        var rng = SeededGenerator(seed: 31)
        for _ in 0..<3_000 {
            let t = Double.random(in: -5_364_662_400...7_258_118_400, using: &rng).rounded()
            let p = DateColumn.periodic(t)
            let r = referencePeriodic(t)
            XCTAssertEqual(p.dayOfYear, r.dayOfYear, "\(t)")
            XCTAssertEqual(p.dayOfWeek, r.dayOfWeek, "\(t)")
            XCTAssertEqual(p.hours, r.hours, accuracy: 1e-9, "\(t)")
        }
    }

    /// Writes a CSV file and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testADateColumnBecomesTheFeaturesOfTheReference() throws {
        let dates = [
            "2012-02-29", "1969-12-31", "1970-01-01", "2012-01-31", "2000-02-29", "2011-12-31", "1999-07-04", "2024-03-10",
        ]
        var text = "x,day,label\n"
        for (i, d) in dates.enumerated() { text += "\(i),\(d),\(i % 2)\n" }
        let loaded = try TabularData.load(train: write("d.csv", text), test: nil, settings: TableSettings(), seed: 1, threads: 1)
        XCTAssertEqual(loaded.encoder.columns.count, 2)
        guard case .date(let d) = loaded.encoder.columns[1] else { return XCTFail("\(loaded.encoder.columns[1])") }
        XCTAssertFalse(d.hour, "no value has a time")
        XCTAssertEqual(loaded.encoder.width, 1 + 5)
        XCTAssertEqual(
            d.featureNames, ["day:elapsed", "day:day_of_year_sin", "day:day_of_year_cos", "day:day_of_week_sin", "day:day_of_week_cos"])

        let ts = dates.map { s -> Double in
            let p = s.split(separator: "-").map { Int($0)! }
            return reference(p[0], p[1], p[2])
        }
        let mean = ts.reduce(0, +) / Double(ts.count)
        let std = (ts.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(ts.count)).squareRoot()
        XCTAssertEqual(d.mean, mean, accuracy: 1e-3)
        XCTAssertEqual(d.std, std, accuracy: 1e-3)
        guard case .floats(let x) = loaded.train.storage else { return XCTFail("features are floats") }
        for (i, t) in ts.enumerated() {
            let r = referencePeriodic(t)
            let year = 2 * Double.pi * Double(r.dayOfYear - 1) / 365.2425
            let week = 2 * Double.pi * Double(r.dayOfWeek) / 7
            let expected = [(t - mean) / std, sin(year), cos(year), sin(week), cos(week)]
            for (k, e) in expected.enumerated() {
                XCTAssertEqual(Double(x[i * 6 + 1 + k]), e, accuracy: 1e-5, "\(dates[i]), feature \(d.featureNames[k])")
            }
        }
    }

    func testADateTimeColumnHasTheHourAndMissingDatesAreFilled() throws {
        let times = ["2012-01-31T13:45:00", "2012-02-01 06:00", "", "2012-02-02T23:59:59", "2012-02-03"]
        var text = "when,label\n"
        for (i, d) in times.enumerated() { text += "\(d),\(i % 2)\n" }
        let path = try write("t.csv", text)
        // Without a missing-value policy the empty date is an error naming its line and column.
        XCTAssertThrowsError(try TabularData.load(train: path, test: nil, settings: TableSettings(), seed: 1, threads: 1)) { e in
            XCTAssertTrue("\(e)".contains("line 4"), "\(e)")
            XCTAssertTrue("\(e)".contains("when"), "\(e)")
        }
        let loaded = try TabularData.load(train: path, test: nil, settings: TableSettings(missing: .median), seed: 1, threads: 1)
        guard case .date(let d) = loaded.encoder.columns[0] else { return XCTFail("\(loaded.encoder.columns[0])") }
        XCTAssertTrue(d.hour, "some value has a time")
        XCTAssertEqual(loaded.encoder.width, 7)
        let present = [reference(2012, 1, 31, 13, 45), reference(2012, 2, 1, 6), reference(2012, 2, 2, 23, 59, 59), reference(2012, 2, 3)]
        // The median of four: the mean of the middle two.
        XCTAssertEqual(try XCTUnwrap(d.impute), (present[1] + present[2]) / 2, accuracy: 1e-6)
        guard case .floats(let x) = loaded.train.storage else { return XCTFail("features are floats") }
        let filled = (present[1] + present[2]) / 2
        let rowTimes = [present[0], present[1], filled, present[2], present[3]]
        // Known hours of the written times, then the reference's for every row.
        XCTAssertEqual(referencePeriodic(present[0]).hours, 13.75, accuracy: 1e-9)
        XCTAssertEqual(referencePeriodic(present[2]).hours, 23 + 59.0 / 60 + 59.0 / 3600, accuracy: 1e-9)
        for (i, t) in rowTimes.enumerated() {
            let h = 2 * Double.pi * referencePeriodic(t).hours / 24
            XCTAssertEqual(Double(x[i * 7 + 5]), sin(h), accuracy: 1e-5, "row \(i)")
            XCTAssertEqual(Double(x[i * 7 + 6]), cos(h), accuracy: 1e-5, "row \(i)")
        }
    }

    func testAColumnWithOneNonDateIsCategoricalAndForcedTextIsNotADate() throws {
        let text = "day,label\n2012-01-01,0\n2012-01-02,1\nsoon,0\n2012-01-04,1\n"
        let loaded = try TabularData.load(train: write("c.csv", text), test: nil, settings: TableSettings(), seed: 1, threads: 1)
        guard case .categorical(_, let categories, _) = loaded.encoder.columns[0] else { return XCTFail("\(loaded.encoder.columns[0])") }
        XCTAssertEqual(categories.count, 4)
        let dates = "day,label\n2012-01-01,0\n2012-01-02,1\n2012-01-03,0\n"
        let forced = try TabularData.load(
            train: write("f.csv", dates), test: nil, settings: TableSettings(categorical: ["day"]), seed: 1, threads: 1)
        XCTAssertFalse(forced.encoder.columns[0].isDate, "--categorical keeps a date column as categories")
        XCTAssertEqual(forced.encoder.width, 3)
    }
}
