// What watches a training session on the command line: the progress display on stderr, the plot
// rewritten after every epoch, and hooks a program embedding the command line may add (the test
// driver interrupts a run at a chosen step through one). The logs and checkpoints are the Training
// library's own observers.
import Formats
import Model
import Training

/// The progress bar while an epoch runs, then one line per epoch, and the session's notes.
final class ProgressObserver: SessionObserver {
    let display: ProgressDisplay
    private var timeLeft = TimeLeft()

    init(_ display: ProgressDisplay) { self.display = display }

    func stepFinished(_ s: TrainingSession, epoch: Int, done: Int, total: Int, elapsed: Double) {
        guard display.live else { return }
        let t = s.trainer
        let left = timeLeft.step(
            epoch: epoch, epochs: s.config.epochs, done: done, total: total, elapsed: elapsed,
            resumedAt: s.epochResumedAt)
        display.step(
            ProgressFigures(
                epoch: epoch, epochs: s.config.epochs, done: done, total: total, elapsed: elapsed,
                epochLeft: left?.epoch, runLeft: left?.run,
                loss: t.epochLoss,
                accuracy: s.task == .classification ? Double(t.correct) / Double(max(t.seen, 1)) : nil,
                samplesPerSecond: elapsed > 0 ? Double(t.seen) / elapsed : 0),
            done: done, total: total)
    }

    /// "epoch 3/5  loss 0.0634  train_acc 0.9806  val_loss …  val_acc …  test_acc 0.9762  lr 0.0173  0.40s  151282 samples/s";
    /// a regression shows val_rmse, val_r2, test_rmse and test_r2 instead of the accuracies, and
    /// --metrics adds val_NAME and test_NAME after them ("-" where a figure is undefined).
    func epochFinished(_ s: TrainingSession, _ r: EpochStats) {
        timeLeft.epochFinished(evaluationSeconds: r.evaluationSeconds)
        func figures(_ prefix: String, _ set: SetMetrics) -> String {
            set.figures.map { "  \(prefix)_\($0.metric.rawValue) \($0.value.map { fixed($0, 4) } ?? "-")" }.joined()
        }
        var line = "epoch \(r.epoch)/\(s.config.epochs)  loss \(fixed(r.loss, 4))"
        if let a = r.accuracy { line += "  train_acc \(fixed(a, 4))" }
        if let v = r.validation {
            line += "  val_loss \(fixed(v.loss, 4))"
            if let a = v.accuracy { line += "  val_acc \(fixed(a, 4))" }
            if let rmse = v.rmse, let r2 = v.r2 { line += "  val_rmse \(significant(rmse))  val_r2 \(fixed(r2, 4))" }
            line += figures("val", v)
        }
        if let t = r.test {
            if let a = t.accuracy { line += "  test_acc \(fixed(a, 4))" }
            if let rmse = t.rmse, let r2 = t.r2 { line += "  test_rmse \(significant(rmse))  test_r2 \(fixed(r2, 4))" }
            line += figures("test", t)
        }
        line += "  lr \(r.learningRate)  \(duration(r.seconds))  \(Int(r.samplesPerSecond.rounded())) samples/s"
        if let a = r.augmentSeconds { line += "  augment \(duration(a)) (\(fixed(100 * a / max(r.seconds, 1e-9), 0))%)" }
        display.line(line)
    }

    func note(_ note: SessionNote) { display.line("mlp: " + note.message(timeBudget: "--\(Flags.maxSeconds.name)")) }
}

/// --plot: the training curves as SVG. A regular file is rewritten after every epoch; a pipe or
/// device, which cannot be rewritten, gets the curves once, when training ends.
final class PlotObserver: SessionObserver {
    let path: String
    let rewritable: Bool

    init(path: String, target: OutputTarget) {
        self.path = path
        rewritable = target.isAtomic
    }

    func epochRecorded(_ s: TrainingSession) throws(TrainingError) {
        if rewritable { try write(s) }
    }

    func sessionEnded(_ s: TrainingSession) throws(TrainingError) {
        if !rewritable && !s.history.isEmpty { try write(s) }
    }

    private func write(_ s: TrainingSession) throws(TrainingError) {
        let svg = TrainingCurvesSVG.render(history: s.history.map(\.record), title: "mlp train: \(s.network.architecture)")
        do { try AtomicFile.write(Array(svg.utf8), to: path) } catch let e as FormatError { throw .format(e) } catch {
            throw .data("\(path): \(error)")
        }
    }
}

/// A hook that sees every training step, for programs that embed the command line (`CLI.main`).
/// The `mlp` binary installs none; the test driver uses one to interrupt a run at a known step.
public protocol TrainingStepHook: AnyObject {
    /// After global step `step` (1-based, counted across epochs and resumes) of epoch `epoch`.
    func stepFinished(epoch: Int, step: Int)
}

/// Adapts a TrainingStepHook to the session.
final class StepHookObserver: SessionObserver {
    let hook: TrainingStepHook

    init(_ hook: TrainingStepHook) { self.hook = hook }

    func stepFinished(_ s: TrainingSession, epoch: Int, done: Int, total: Int, elapsed: Double) {
        hook.stepFinished(epoch: epoch, step: s.trainer.step)
    }
}
