// A search's files in its output directory, written by rank 0 as results arrive, each rewritten
// whole and atomically (a reader never sees half a file, a kill never leaves one):
//   leaderboard.jsonl  one JSON object per trial and rung: the trial's parameters, the objective and
//                      every validation figure at the rung's end, epochs, seconds, the curve
//   leaderboard.csv    the same without the curves, best first within each rung, highest rung first
//   running.json       the rungs running now, in the order they started (run again first on resume)
//   search.json        what the search is (its space, trials, budgets, objective), so that a second
//                      run with other settings is refused instead of mixing two searches
import Formats
import Training

public enum Leaderboard {
    /// A result as a leaderboard line; `parameters` are the trial's, by key.
    public static func json(_ r: SuccessiveHalving.Result, parameters: [(key: String, value: String)], objective: String) -> JSONValue {
        var m: [(String, JSONValue)] = [
            ("trial", JSONValue(r.trial)), ("rung", JSONValue(r.rung)), ("epochs", JSONValue(r.epochs)),
            ("parameters", .object(parameters.map { ($0.key, JSONValue($0.value)) })),
            ("objective", JSONValue(objective)), ("value", JSONValue(r.value)),
        ]
        m += r.figures.map { ($0.name, JSONValue($0.value)) }
        m += [
            ("seconds", JSONValue(r.seconds, decimals: 6)), ("status", JSONValue(r.status.rawValue)),
            ("stopped_early", JSONValue(r.stoppedEarly)), ("rank", JSONValue(r.rank)),
            ("curve", .array(r.curve.map { JSONValue($0) })),
        ]
        return .object(m)
    }

    /// Reads a line `json` wrote.
    public static func result(_ v: JSONValue) -> SuccessiveHalving.Result? {
        func num(_ k: String) -> Double? {
            if case .number(let d)? = v[k] { return d }
            return nil
        }
        guard let t = num("trial"), let rung = num("rung"), let e = num("epochs"), case .string(let s)? = v["status"],
            let status = JobOutcome.Status(rawValue: s), case .object(let members) = v
        else { return nil }
        let skip: Set<String> = [
            "trial", "rung", "epochs", "parameters", "objective", "value", "seconds", "status", "stopped_early", "rank", "curve",
        ]
        let figures = members.compactMap { k, x -> (name: String, value: Double)? in
            guard !skip.contains(k), case .number(let d) = x else { return nil }
            return (k, d)
        }
        var curve: [Double] = []
        if case .array(let items)? = v["curve"] {
            curve = items.map {
                if case .number(let d) = $0 { return d }
                return .nan
            }
        }
        return SuccessiveHalving.Result(
            trial: Int(t), rung: Int(rung), epochs: Int(e), value: num("value") ?? .nan, figures: figures,
            curve: curve, seconds: num("seconds") ?? 0, status: status,
            stoppedEarly: v["stopped_early"] == .bool(true), rank: Int(num("rank") ?? 0))
    }

    /// Every result, highest rung first and best first within it.
    public static func ordered(_ s: SuccessiveHalving) -> [SuccessiveHalving.Result] {
        s.budgets.indices.reversed().flatMap { s.ranked($0) }
    }

    /// Writes leaderboard.jsonl, leaderboard.csv and running.json into `dir` (only running.json
    /// with `runningOnly`: a rung has started, no result has come).
    public static func write(_ s: SuccessiveHalving, dir: String, keys: (String) -> String, runningOnly: Bool = false) throws(TrainingError)
    {
        let running: JSONValue = .array(s.running.map { .array([JSONValue($0.trial), JSONValue($0.rung)]) })
        if runningOnly { return try save(running.serialized() + "\n", dir + "/running.json") }
        let rows = ordered(s)
        let params = s.trials.first?.parameters.map { keys($0.name) } ?? []
        var lines = ""
        for r in rows {
            let p = s.trials[r.trial].parameters.map { (keys($0.name), $0.value) }
            lines += json(r, parameters: p, objective: s.objective).serialized() + "\n"
        }
        let figureNames = rows.first?.figures.map(\.name) ?? []
        var csv =
            (["trial", "rung", "epochs"] + params + [s.objective] + figureNames.filter { $0 != s.objective } + ["seconds", "status"])
            .map(CSVCell.quote).joined(separator: ",") + "\n"
        for r in rows {
            let f = figureNames.filter { $0 != s.objective }.map { n in
                r.figures.first { $0.name == n }.map { JSONValue.format($0.value) } ?? ""
            }
            csv +=
                (["\(r.trial)", "\(r.rung)", "\(r.epochs)"] + s.trials[r.trial].parameters.map(\.value) + [
                    r.value.isNaN ? "" : JSONValue.format(r.value)
                ]
                + f + [JSONValue.format((r.seconds * 1e3).rounded() / 1e3), r.status.rawValue]).map(CSVCell.quote).joined(separator: ",")
                + "\n"
        }
        try save(lines, dir + "/leaderboard.jsonl")
        try save(csv, dir + "/leaderboard.csv")
        try save(running.serialized() + "\n", dir + "/running.json")
    }

    /// What an earlier run left in `dir`: its results and the rungs it was running.
    public static func read(dir: String) throws(TrainingError) -> (results: [SuccessiveHalving.Result], running: [(trial: Int, rung: Int)])
    {
        var results: [SuccessiveHalving.Result] = []
        if let text = try? FileBytes.read(dir + "/leaderboard.jsonl") {
            for (i, line) in text.split(separator: UInt8(ascii: "\n")).enumerated() {
                guard let v = try? JSONValue.parse(line), let r = result(v) else {
                    throw .data("\(dir)/leaderboard.jsonl: line \(i + 1) is not a leaderboard row")
                }
                results.append(r)
            }
        }
        var running: [(trial: Int, rung: Int)] = []
        if let text = try? FileBytes.read(dir + "/running.json"), case .array(let items)? = try? JSONValue.parse(text) {
            for i in items {
                if case .array(let p) = i, p.count == 2, case .number(let t) = p[0], case .number(let r) = p[1] {
                    running.append((Int(t), Int(r)))
                }
            }
        }
        return (results, running)
    }

    public static func save(_ text: String, _ path: String) throws(TrainingError) {
        do { try AtomicFile.write(Array(text.utf8), to: path) } catch let e as FormatError { throw .format(e) } catch {
            throw .data("\(path): \(error)")
        }
    }
}

/// A CSV cell, quoted when it holds a comma, a quote or a line break.
enum CSVCell {
    static func quote(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingAll("\"", "\"\"") + "\""
    }
}

extension String {
    func replacingAll(_ target: String, _ replacement: String) -> String { components(target).joined(separator: replacement) }
}
