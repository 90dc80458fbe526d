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
        let normNames = history.first?.gradientNorms.map(\.0) ?? []
        var header = ["epoch", "step", "lr", "loss", "accuracy", "val_loss", "val_accuracy", "test_loss",
                      "test_accuracy", "seconds", "samples_per_second"]
        header += normNames.map { "grad_norm." + $0 }
        var lines = [header.joined(separator: ",")]
        for s in history {
            var cols = ["\(s.epoch)", "\(s.step)", "\(s.learningRate)", "\(s.loss)", "\(s.accuracy)",
                        s.validationLoss.map { "\($0)" } ?? "", s.validationAccuracy.map { "\($0)" } ?? "",
                        "\(s.testLoss)", "\(s.testAccuracy)", fixed(s.seconds, 4), "\(Int(s.samplesPerSecond.rounded()))"]
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
