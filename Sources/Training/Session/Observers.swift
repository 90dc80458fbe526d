// Observers a training session comes with: the logs rewritten after every epoch and the checkpoint
// written after every epoch. Programs add their own (SessionObserver); the command line adds its
// progress display and plot.
import Formats
import Model

/// The training log as JSON lines and as CSV (either may be nil): a regular file rewritten whole and
/// atomically after every epoch, a pipe or device given each epoch's new line.
public final class LogObserver: SessionObserver {
    public let jsonLines: GrowingFile?, csv: GrowingFile?

    public init(jsonLines: String?, csv: String?) throws(TrainingError) {
        self.jsonLines = try jsonLines.map(LogObserver.open)
        self.csv = try csv.map(LogObserver.open)
    }

    public func epochRecorded(_ s: TrainingSession) throws(TrainingError) {
        try LogObserver.update(jsonLines, TrainingLog.jsonLines(s.history))
        try LogObserver.update(csv, TrainingLog.csv(s.history))
    }

    private static func open(_ path: String) throws(TrainingError) -> GrowingFile {
        do { return try GrowingFile(path: path) } catch let e as FormatError { throw .format(e) } catch {
            throw .data("\(path): \(error)")
        }
    }

    private static func update(_ file: GrowingFile?, _ text: String) throws(TrainingError) {
        guard let file else { return }
        do { try file.update(Array(text.utf8)) } catch let e as FormatError { throw .format(e) } catch {
            throw .data("\(file.path): \(error)")
        }
    }
}

/// The whole state in a checkpoint after every epoch, with the run's model file (`out`) recorded.
public final class CheckpointObserver: SessionObserver {
    public let path: String, out: String?

    public init(path: String, out: String?) {
        self.path = path
        self.out = out
    }

    public func epochRecorded(_ s: TrainingSession) throws(TrainingError) { try Checkpoint.save(s, to: path, out: out) }
}
