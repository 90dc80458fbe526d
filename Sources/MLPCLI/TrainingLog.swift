// --log FILE (one JSON object per epoch, per line) and --log-csv FILE (the same as CSV with a
// header): what shell-scripted experiments read. Both files are rewritten whole, atomically, after
// every epoch, so a reader never sees a half-written line and a killed run leaves a valid log.
import Formats

enum TrainingLog {
    static func writeJSONLines(_ history: [EpochStats], to path: String) throws(CLIError) {
        let text = history.map { $0.json.serialized() + "\n" }.joined()
        try write(text, to: path)
    }

    static func writeCSV(_ history: [EpochStats], to path: String) throws(CLIError) {
        guard let first = history.first else { return try write("", to: path) }
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
        try write(lines.joined(separator: "\n") + "\n", to: path)
    }

    private static func write(_ text: String, to path: String) throws(CLIError) {
        do { try AtomicFile.write(Array(text.utf8), to: path) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(path): \(error)")
        }
    }
}
