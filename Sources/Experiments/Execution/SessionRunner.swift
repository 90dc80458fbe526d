// Runs one job as a training session inside this process, on the calling thread: its own loop
// runner (every loop inline), so that sessions on several threads share nothing but OpenBLAS,
// which they call with one thread each. The session trains until the job's epoch budget, leaves a
// checkpoint there when asked, and reports its epochs and, when asked, its test figures.
import Formats
import Model
import Training

public enum SessionRunner {
    /// Stops a session once it has done `epochs` epochs (after that epoch is recorded).
    final class EpochBudget: SessionObserver {
        let epochs: Int
        var reached = false
        init(_ epochs: Int) { self.epochs = epochs }
        func epochRecorded(_ s: TrainingSession) throws(TrainingError) { if s.epoch >= epochs { reached = true } }
    }

    /// Runs `job` on `data`; `shouldStop` is asked between steps (an interrupt, a time budget).
    /// With `keep`, the outcome holds the trained network.
    public static func run(_ job: TrainingJob, data: TrainingData, shouldStop: @escaping () -> Bool, keep: Bool = false) -> JobOutcome {
        let start = now()
        do {
            let loops = Loops(InlineLoopRunner())
            let session: TrainingSession
            if let path = job.resume {
                let file = try Checkpoint.read(path)
                session = try Checkpoint.resume(from: file, path: path, configuration: job.config, data: data, loops: loops)
            } else {
                session = try TrainingSession(config: job.config, data: data, loops: loops)
            }
            let budget = EpochBudget(min(job.epochs, job.config.epochs))
            session.observers = [budget]
            session.shouldStop = { budget.reached || shouldStop() }
            var outcome = JobOutcome(id: job.id, status: .finished, epochs: session.epoch, seconds: 0)
            if session.epoch < budget.epochs {
                switch try session.run() {
                case .diverged: outcome.status = .diverged
                case .interrupted: if !budget.reached { outcome.status = .cutOff }
                case .stoppedEarly: outcome.stoppedEarly = true
                case .finished, .outOfTime: break
                }
            }
            outcome.epochs = session.epoch
            outcome.history = session.history
            if keep { outcome.network = session.network }
            if outcome.status == .finished {
                if let path = job.checkpoint { try Checkpoint.save(session, to: path) }
                if job.evaluateTest, let test = session.test {
                    outcome.test = EvaluationFigures.compute(
                        session.network, on: test, task: session.task, targetScale: session.targetScale,
                        batchSize: session.evaluationBatch)
                }
            }
            outcome.seconds = now() - start
            return outcome
        } catch {
            var o = JobOutcome(id: job.id, status: .failed, epochs: 0, seconds: now() - start)
            o.message = error.message(naming: { $0.rawValue }, table: { $0.rawValue })
            return o
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif

/// A monotonic clock reading in seconds.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
