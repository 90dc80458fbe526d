// The training log as JSON lines (one JSON object per epoch, per line) and as CSV (the same with a
// header): what shell-scripted experiments read. After every epoch a regular file is rewritten whole,
// atomically, so a reader never sees a half-written line and a killed run leaves a valid log; a pipe,
// device or standard output gets the new epoch's line (GrowingFile). Each text only grows.
import Formats

public enum TrainingLog {
    public static func jsonLines(_ history: [EpochStats]) -> String {
        history.map { $0.json.serialized() + "\n" }.joined()
    }

    public static func csv(_ history: [EpochStats]) -> String {
        guard let first = history.first else { return "" }
        let normNames = first.gradientNorms.map(\.0)
        let header = first.csvHeader
        var lines = [(header + normNames.map { "grad_norm." + $0 }).joined(separator: ",")]
        for s in history {
            // Every member of the JSON line, by name, in the header's order (empty when absent).
            guard case .object(let members) = s.json else { continue }
            var byName: [String: String] = [:]
            for (k, v) in members {
                if case .number(let x) = v { byName[k] = k == "seconds" ? fixed(x, 4) : JSONValue.format(x) }
            }
            var cols = header.map { byName[$0] ?? "" }
            cols += s.gradientNorms.map { "\(Float($0.1))" }
            lines.append(cols.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
