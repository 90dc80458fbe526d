// Runs an experiment's jobs: side by side on this process's cores (LocalWorkers), and under mpirun
// on every rank. Rank 0 coordinates: it asks the scheduler for jobs, runs its share on its own
// threads, hands the rest to the other ranks one at a time as each asks for work, and gathers every
// outcome, so rank 0 alone holds the experiment's state and writes its files. The other ranks run
// `serve`: ask, run, answer, until told to stop.
//
// Messages (JSON over MPI point-to-point, Collective/MessagePassing.swift): a worker sends
// `outcome` (tag 1; an empty object the first time), rank 0 answers with `job` (tag 2) or `stop`
// (tag 3), and may send `cancel` (tag 4) to cut a running job short (the time budget, an interrupt).
// Both sides poll between steps with MPI_Iprobe, sleeping a millisecond between looks, so no core
// spins while it waits.
import Collective
import Formats
import Glibc
import Model
import Synchronization
import Training

public final class Executor {
    enum Tag: Int {
        case outcome = 1
        case job = 2
        case stop = 3
        case cancel = 4
    }

    /// Jobs this process runs at once on its own threads.
    public let slots: Int
    /// The other ranks, under mpirun.
    public let communicator: (any MessagePassing)?
    /// The data of a part (a fold's index, or nil for the training set), made once per part on the
    /// coordinating thread.
    private let data: (Int?) throws -> TrainingData
    private var cache: [Int: TrainingData] = [:]
    /// An interrupt: running jobs are cut off and nothing more starts.
    public var shouldStop: () -> Bool = { false }
    /// After this time (a monotonic clock reading), nothing more starts and running jobs are cut off.
    public var deadline: Double?
    /// Told on the coordinating thread when a job starts and when one ends (progress, files).
    public var started: (TrainingJob, Int) -> Void = { _, _ in }
    /// Called about every tenth of a second while jobs run (a progress line's clock).
    public var tick: () -> Void = {}

    public init(slots: Int, communicator: (any MessagePassing)?, data: @escaping (Int?) throws -> TrainingData) {
        self.slots = max(1, slots)
        self.communicator = communicator.flatMap { $0.size > 1 ? $0 : nil }
        self.data = data
    }

    /// Whether the time budget or an interrupt has ended the experiment.
    public var stopping: Bool { shouldStop() || (deadline.map { now() >= $0 } ?? false) }

    private func part(_ fold: Int?) throws -> TrainingData {
        let key = fold ?? -1
        if let d = cache[key] { return d }
        let d = try data(fold)
        cache[key] = d
        return d
    }

    /// Rank 0 (or the only process): runs the scheduler's jobs until it is exhausted and nothing
    /// runs, or until the experiment stops; then tells the other ranks to stop.
    public func run(_ scheduler: JobScheduler) throws(TrainingError) {
        let local = LocalWorkers()
        let cutShort = CutShort()
        var remoteBusy: [Int: TrainingJob] = [:]
        var remoteIdle: [Int] = []
        var remoteReady = Set<Int>()
        var cancelled = Set<Int>()
        let ranks = communicator?.size ?? 1
        var lastTick = 0.0
        func finish(_ job: TrainingJob, _ outcome: JobOutcome) { scheduler.record(outcome, of: job) }
        while true {
            let stop = stopping
            if stop { cutShort.set() }
            // Start what can start: local slots first, then ranks waiting for work.
            if !stop {
                while local.running < slots, let job = scheduler.nextJob() {
                    let d: TrainingData
                    do { d = try part(job.fold) } catch let e as TrainingError { throw e } catch { throw .data("\(error)") }
                    started(job, 0)
                    local.start(job) { SessionRunner.run(job, data: d, shouldStop: { cutShort.isSet }) }
                }
                while let rank = remoteIdle.first, let job = scheduler.nextJob() {
                    remoteIdle.removeFirst()
                    remoteBusy[rank] = job
                    started(job, rank)
                    try send(job.json, to: rank, tag: .job)
                }
            } else if let communicator {
                for (rank, _) in remoteBusy where !cancelled.contains(rank) {
                    cancelled.insert(rank)
                    try wrap { () throws(CommunicatorError) in try communicator.send([], to: rank, tag: Tag.cancel.rawValue) }
                }
            }
            // Nothing runs after every free slot asked for work: no job will come (the scheduler
            // decides from outcomes, and none is pending). Every rank has asked once by then, so
            // each takes its stop message as the answer to its request.
            if local.running == 0 && remoteBusy.isEmpty && remoteReady.count == ranks - 1 { break }
            // Outcomes: the local threads', then the ranks'.
            for (job, outcome) in local.collect(waiting: communicator == nil ? 0.1 : 0.001) { finish(job, outcome) }
            if let communicator {
                var received = false
                while let m = try wrap({ () throws(CommunicatorError) in try communicator.probe(from: nil, tag: Tag.outcome.rawValue) }) {
                    received = true
                    let bytes = try wrap { () throws(CommunicatorError) in
                        try communicator.receive(from: m.source, tag: m.tag, count: m.count)
                    }
                    remoteReady.insert(m.source)
                    if let job = remoteBusy.removeValue(forKey: m.source) {
                        cancelled.remove(m.source)
                        guard let v = try? JSONValue.parse(bytes) else { throw .data("rank \(m.source) sent a malformed outcome") }
                        var outcome = try JobOutcome(json: v)
                        outcome.rank = m.source
                        finish(job, outcome)
                    }
                    remoteIdle.append(m.source)
                }
                if !received && local.running == 0 { usleep(1000) }
            }
            if now() - lastTick >= 0.1 {
                tick()
                lastTick = now()
            }
        }
        if let communicator {
            for rank in 1..<ranks {
                try wrap { () throws(CommunicatorError) in try communicator.send([], to: rank, tag: Tag.stop.rawValue) }
            }
        }
    }

    /// Ranks other than 0: asks rank 0 for jobs and runs each on this rank (one at a time), until
    /// told to stop.
    public func serve() throws(TrainingError) {
        guard let communicator else { return }
        try send(.object([]), to: 0, tag: .outcome)
        while true {
            guard let m = try waitForMessage(communicator) else { continue }
            let bytes = try wrap { () throws(CommunicatorError) in try communicator.receive(from: 0, tag: m.tag, count: m.count) }
            switch Tag(rawValue: m.tag) {
            case .stop?: return
            case .cancel?, .outcome?: continue  // a cancel for a job that has already ended
            case .job?:
                guard let v = try? JSONValue.parse(bytes) else { throw .data("rank 0 sent a malformed job") }
                let job = try TrainingJob(json: v)
                var outcome: JobOutcome
                do {
                    let d = try part(job.fold)
                    var cancelled = false
                    outcome = SessionRunner.run(
                        job, data: d,
                        shouldStop: { [self] in
                            if cancelled || shouldStop() { return true }
                            if let c = try? communicator.probe(from: 0, tag: Tag.cancel.rawValue),
                                (try? communicator.receive(from: 0, tag: c.tag, count: c.count)) != nil
                            {
                                cancelled = true
                            }
                            return cancelled
                        })
                } catch {
                    outcome = JobOutcome(id: job.id, status: .failed, epochs: 0, seconds: 0)
                    outcome.message = "\(error)"
                }
                try send(outcome.json, to: 0, tag: .outcome)
            case nil: throw .data("rank 0 sent a message with tag \(m.tag)")
            }
        }
    }

    private func waitForMessage(_ c: any MessagePassing) throws(TrainingError) -> (source: Int, tag: Int, count: Int)? {
        while true {
            if let m = try wrap({ () throws(CommunicatorError) in try c.probe(from: 0, tag: nil) }) { return m }
            usleep(1000)
        }
    }

    private func send(_ v: JSONValue, to rank: Int, tag: Tag) throws(TrainingError) {
        guard let communicator else { return }
        let bytes = Array(v.serialized().utf8)
        try wrap { () throws(CommunicatorError) in try communicator.send(bytes, to: rank, tag: tag.rawValue) }
    }

    private func wrap<T>(_ body: () throws(CommunicatorError) -> T) throws(TrainingError) -> T {
        do { return try body() } catch { throw .data(error.message) }
    }
}

/// A flag set once by the coordinating thread and read by the job threads between steps.
final class CutShort: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}
