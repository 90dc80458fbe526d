// A date or date-time column: a text column whose every value is an ISO 8601 date (ISODate), turned
// into numbers instead of one category per day. Each value becomes t, seconds since
// 1970-01-01T00:00:00Z, and t becomes these features, in this order:
//   elapsed:      (t − mean)/std, the training rows' mean and population std of t (as numeric
//                 columns are standardized; a constant column is only centred, its std taken as 1)
//   day of year:  sin(2π·(doy − 1)/365.2425), cos(same), doy = 1…366 of the UTC date
//   day of week:  sin(2π·dow/7), cos(same), dow = 0 for Monday … 6 for Sunday
//   hour of day:  sin(2π·h/24), cos(same), h = hours + minutes/60 + seconds/3600 (UTC); only when
//                 some training value has a time part
// A missing value is filled as a numeric column's is (--missing: the mean, median or most frequent
// t of the training rows) and its features computed from that t. The ONNX export computes the same
// features in its graph from t, so this is the one definition of them.
#if canImport(Glibc)
    import Glibc
#endif

public struct DateColumn: Equatable, Sendable {
    public let name: String
    /// The training rows' mean and standard deviation of t (seconds since 1970, UTC).
    public let mean: Double, std: Double
    /// The t that fills a missing value (nil: a missing value is an error).
    public let impute: Double?
    /// Whether the hour of day is among the features (some training value has a time part).
    public let hour: Bool

    public init(name: String, mean: Double, std: Double, impute: Double?, hour: Bool) {
        self.name = name
        self.mean = mean
        self.std = std
        self.impute = impute
        self.hour = hour
    }

    /// Features per value: elapsed time, day of year and day of week (5), and the hour (7).
    public var width: Int { hour ? 7 : 5 }

    /// The names of the features, for summaries and exports ("d:elapsed", "d:day_of_year_sin", …).
    public var featureNames: [String] {
        ["elapsed", "day_of_year_sin", "day_of_year_cos", "day_of_week_sin", "day_of_week_cos"].map { "\(name):\($0)" }
            + (hour ? ["hour_sin", "hour_cos"].map { "\(name):\($0)" } : [])
    }

    /// Writes the features of t at `out[0..<width]`.
    public func features(_ t: Double, into out: UnsafeMutablePointer<Float>) {
        out[0] = Float((t - mean) / std)
        let p = DateColumn.periodic(t)
        let twoPi = 2 * Double.pi
        let year = twoPi * Double(p.dayOfYear - 1) / 365.2425
        let week = twoPi * Double(p.dayOfWeek) / 7
        out[1] = Float(sin(year))
        out[2] = Float(cos(year))
        out[3] = Float(sin(week))
        out[4] = Float(cos(week))
        if hour {
            let h = twoPi * p.hours / 24
            out[5] = Float(sin(h))
            out[6] = Float(cos(h))
        }
    }

    /// The periodic parts of t: the day of the year (1…366) and of the week (0 Monday … 6 Sunday)
    /// of its UTC date, and the hours since that day's midnight (0 ≤ h < 24).
    public static func periodic(_ t: Double) -> (dayOfYear: Int, dayOfWeek: Int, hours: Double) {
        let days = (t / 86_400).rounded(.down)
        let d = Int(days)
        let year = ISODate.civil(days: d).year
        let dayOfYear = d - ISODate.days(year: year, month: 1, day: 1) + 1
        // 1970-01-01 was a Thursday (3).
        let dayOfWeek = ((d + 3) % 7 + 7) % 7
        return (dayOfYear, dayOfWeek, (t - days * 86_400) / 3_600)
    }

    /// Learns a date column from the t of its training rows' present values (`present`, none
    /// missing), whether one of them has a time part, and the missing-value policy.
    public static func fit(name: String, present: [Double], hasTime: Bool, missing: MissingPolicy?) -> DateColumn {
        var sum = 0.0
        for t in present { sum += t }
        let mean = present.isEmpty ? 0 : sum / Double(present.count)
        var squares = 0.0
        for t in present { squares += (t - mean) * (t - mean) }
        let std = present.isEmpty ? 0 : (squares / Double(present.count)).squareRoot()
        var impute: Double?
        if let missing, !present.isEmpty {
            let sorted = present.sorted()
            switch missing {
            case .mean: impute = mean
            case .median:
                impute = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            case .mostFrequent:
                // The most frequent t; ties go to the earliest.
                var best = sorted[0]
                var bestRun = 0
                var run = 0
                for (i, t) in sorted.enumerated() {
                    run = i > 0 && sorted[i - 1] == t ? run + 1 : 1
                    if run > bestRun {
                        best = t
                        bestRun = run
                    }
                }
                impute = best
            }
        } else if missing != nil {
            impute = 0
        }
        return DateColumn(name: name, mean: mean, std: std > 1e-12 * max(abs(mean), 1) ? std : 1, impute: impute, hour: hasTime)
    }

    /// What the column became, in words (`mlp summary`).
    public var summary: String {
        let spread =
            std >= 86_400 ? "\(Self.short(std / 86_400)) days" : std >= 3_600 ? "\(Self.short(std / 3_600)) hours" : "\(Self.short(std)) s"
        return "elapsed time (t − \(ISODate.text(mean)))/\(spread); day of year, day of week\(hour ? ", hour" : "") as sin, cos"
            + (impute.map { "; missing → \(ISODate.text($0))" } ?? "")
    }

    private static func short(_ x: Double) -> String {
        let r = (x * 10).rounded() / 10
        return r == r.rounded() ? "\(Int(r))" : "\(r)"
    }

    /// Whether every value of a text column (its categories; at least one) is an ISO date, and
    /// then each category's t and whether it has a time part.
    public static func recognize(_ categories: [String]) -> [(t: Double, hasTime: Bool)]? {
        guard !categories.isEmpty else { return nil }
        var out: [(t: Double, hasTime: Bool)] = []
        out.reserveCapacity(categories.count)
        for c in categories {
            guard let d = ISODate.parse(c) else { return nil }
            out.append(d)
        }
        return out
    }
}

/// ISO 8601 dates and date-times as mlp reads them: `YYYY-MM-DD`, optionally followed by `T` (or a
/// space) and `HH:MM` or `HH:MM:SS` with an optional fraction of a second (`.` or `,` then digits),
/// then optionally `Z` or an offset `±HH:MM`, `±HHMM` or `±HH` (a value with an offset is
/// converted to UTC; one without is read as UTC). Years 0000–9999, months and days as the
/// calendar has them (proleptic Gregorian), hours 00–23, minutes and seconds 00–59 (no leap second).
public enum ISODate {
    /// Seconds since 1970-01-01T00:00:00Z, and whether the value has a time part; nil when the text
    /// is not such a date.
    public static func parse(_ text: String) -> (t: Double, hasTime: Bool)? {
        var s = Array(text.utf8)[...]
        func digits(_ n: Int) -> Int? {
            guard s.count >= n else { return nil }
            var v = 0
            for b in s.prefix(n) {
                guard b >= 48, b <= 57 else { return nil }
                v = v * 10 + Int(b - 48)
            }
            s = s.dropFirst(n)
            return v
        }
        func take(_ c: UInt8) -> Bool {
            guard s.first == c else { return false }
            s = s.dropFirst()
            return true
        }
        guard let year = digits(4), take(45), let month = digits(2), take(45), let day = digits(2),
            (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        var t = Double(days(year: year, month: month, day: day)) * 86_400
        guard let first = s.first else { return (t, false) }
        guard first == UInt8(ascii: "T") || first == UInt8(ascii: " ") else { return nil }
        s = s.dropFirst()
        guard let h = digits(2), take(58), let m = digits(2), h < 24, m < 60 else { return nil }
        var seconds = 0.0
        if take(58) {
            guard let sec = digits(2), sec < 60 else { return nil }
            seconds = Double(sec)
            if take(46) || take(44) {
                var scale = 0.1
                var any = false
                while let b = s.first, b >= 48, b <= 57 {
                    seconds += Double(b - 48) * scale
                    scale /= 10
                    any = true
                    s = s.dropFirst()
                }
                guard any else { return nil }
            }
        }
        t += Double(h * 3_600 + m * 60) + seconds
        if take(90) { return s.isEmpty ? (t, true) : nil }
        if let sign = s.first, sign == 43 || sign == 45 {
            s = s.dropFirst()
            guard let oh = digits(2), oh < 24 else { return nil }
            var om = 0
            if !s.isEmpty {
                _ = take(58)
                guard let mm = digits(2), mm < 60 else { return nil }
                om = mm
            }
            // Local time = UTC + offset, so UTC = local − offset.
            t -= Double(sign == 43 ? 1 : -1) * Double(oh * 3_600 + om * 60)
        }
        return s.isEmpty ? (t, true) : nil
    }

    static func isLeap(_ y: Int) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a date of the proleptic Gregorian calendar (Howard Hinnant's
    /// days_from_civil).
    public static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01 (civil_from_days).
    public static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// t as ISO text: "2012-01-31" at midnight, else "2012-01-31T13:45:00Z" (to the second).
    public static func text(_ t: Double) -> String {
        let rounded = t.rounded()
        let days = (rounded / 86_400).rounded(.down)
        let (y, m, d) = civil(days: Int(days))
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let year = y >= 0 && y < 10_000 ? String(repeating: "0", count: 4 - "\(y)".count) + "\(y)" : "\(y)"
        let date = "\(year)-\(two(m))-\(two(d))"
        let sod = Int(rounded - days * 86_400)
        guard sod != 0 else { return date }
        return "\(date)T\(two(sod / 3_600)):\(two(sod / 60 % 60)):\(two(sod % 60))Z"
    }
}
