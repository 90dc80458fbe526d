// The time left in an epoch and in the run, from the time a training step has taken in this
// process (so a resumed run estimates from its own steps, not from the time recorded before it
// stopped) and the time the evaluation after an epoch has taken.

import Formats

struct TimeLeft {
    /// Steps timed in this process and their training seconds, over the epochs it finished.
    private(set) var steps = 0, seconds = 0.0
    /// The evaluations after the epochs this process finished, and their seconds.
    private(set) var evaluations = 0, evaluationSeconds = 0.0
    /// The current epoch's steps and seconds in this process so far.
    private var current = (steps: 0, seconds: 0.0)

    /// After a step: `done` of `total` steps of epoch `epoch` done, `elapsed` seconds into it, of
    /// which this process began at step `resumedAt.steps`, `resumedAt.seconds` into it (0 and 0
    /// unless the epoch was resumed). Returns the seconds left in the epoch and in the run.
    mutating func step(
        epoch: Int, epochs: Int, done: Int, total: Int, elapsed: Double,
        resumedAt: (steps: Int, seconds: Double)
    ) -> (epoch: Double, run: Double)? {
        current = (max(done - resumedAt.steps, 0), max(elapsed - resumedAt.seconds, 0))
        let timed = steps + current.steps
        guard timed > 0 else { return nil }
        let perStep = (seconds + current.seconds) / Double(timed)
        let evaluation = evaluations > 0 ? evaluationSeconds / Double(evaluations) : 0
        return TimeLeft.estimate(
            epoch: epoch, epochs: epochs, done: done, total: total,
            secondsPerStep: perStep, evaluationSeconds: evaluation)
    }

    /// After an epoch's evaluation: its steps join the measured ones.
    mutating func epochFinished(evaluationSeconds e: Double) {
        steps += current.steps
        seconds += current.seconds
        current = (0, 0)
        evaluations += 1
        evaluationSeconds += e
    }

    /// Seconds left: in the epoch, its remaining steps; in the run, those, this epoch's evaluation,
    /// and each later epoch's steps and evaluation.
    static func estimate(
        epoch: Int, epochs: Int, done: Int, total: Int, secondsPerStep: Double,
        evaluationSeconds: Double
    ) -> (epoch: Double, run: Double) {
        let inEpoch = Double(max(total - done, 0)) * secondsPerStep
        let later = Double(max(epochs - epoch, 0)) * (Double(total) * secondsPerStep + evaluationSeconds)
        return (inEpoch, inEpoch + evaluationSeconds + later)
    }
}
