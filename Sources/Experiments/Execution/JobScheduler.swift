// What decides an experiment's jobs: cross-validation's folds (all known at the start) or a
// search's trials and promotions (decided as outcomes arrive). The executor asks it for work
// whenever a slot is free and tells it every outcome, on one thread.

public protocol JobScheduler: AnyObject {
    /// The next job to start now, or nil when none can start until a running one ends.
    func nextJob() -> TrainingJob?
    /// A job's outcome (cut-off jobs too: the scheduler decides whether to run them again).
    func record(_ outcome: JobOutcome, of job: TrainingJob)
    /// True when no job will be asked for any more, whatever the running ones bring.
    var exhausted: Bool { get }
}
