// After a run that ended without an error: the warnings of a run that learnt nothing (QuietFailures:
// a loss that ran away, accuracy at chance), from the first step's loss, which an observer keeps.
import Training

extension TrainCommand {
    /// Keeps the loss of the run's first step: where the loss started.
    final class FirstLossObserver: SessionObserver {
        private(set) var loss: Float?

        func stepFinished(_ session: TrainingSession, epoch: Int, done: Int, total: Int, elapsed: Double) {
            if loss == nil { loss = session.trainer.lastStep?.loss }
        }
    }

    /// The warning line of a finished run (none when it learnt): the loss that ran away, else the
    /// accuracy at chance.
    static func quietFailures(_ session: TrainingSession, final: SetMetrics?, firstLoss: Float?) -> [String] {
        let rate = session.trainer.schedule.base
        var lines: [String] = []
        if let first = firstLoss, let last = session.history.last?.loss,
            let w = QuietFailures.runawayLoss(first: first, last: last, learningRate: rate)
        {
            lines.append(w)
        }
        // One line names the likely cause: a loss that ran away has no accuracy worth adding.
        if session.task == .classification && lines.isEmpty {
            let held: (Float, String)? =
                final?.accuracy.map { ($0, "test") }
                ?? session.history.last(where: { $0.validation != nil })?.validation?.accuracy.map { ($0, "validation") }
            let w = QuietFailures.atChance(
                trainAccuracies: session.history.compactMap(\.accuracy), heldOut: held.map { (accuracy: $0.0, set: $0.1) },
                classCounts: session.trainingRows.classCounts, learningRate: rate)
            if let w { lines.append(w) }
        }
        return lines
    }
}
