// Jobs side by side on this process's cores: each on a thread started for it (microseconds against
// a job's seconds), running a session whose loops are all inline and whose GEMMs OpenBLAS runs on
// the calling thread (one OpenBLAS thread, set process-wide by the executor; OpenBLAS 0.3.7 and
// later lock their buffer pool, so threads may call sgemm at once). A finished job's outcome waits
// in a queue for the coordinating thread, which sleeps on a condition until one arrives.
import CBLAS
import Glibc
import Training

final class LocalWorkers: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let arrived = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var finished: [(TrainingJob, JobOutcome)] = []
    private(set) var running = 0

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(arrived, nil)
    }

    deinit {
        pthread_cond_destroy(arrived)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        arrived.deallocate()
    }

    private final class Work {
        let body: () -> JobOutcome
        let job: TrainingJob
        unowned let workers: LocalWorkers
        init(_ job: TrainingJob, _ body: @escaping () -> JobOutcome, _ workers: LocalWorkers) {
            self.job = job
            self.body = body
            self.workers = workers
        }
    }

    /// Starts `body` (which runs `job`) on a thread of its own; it runs inline when no thread can be made.
    func start(_ job: TrainingJob, _ body: @escaping () -> JobOutcome) {
        running += 1
        let work = Unmanaged.passRetained(Work(job, body, self))
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attributes, 16 << 20)
        var thread = pthread_t()
        let status = pthread_create(
            &thread, &attributes,
            { context in
                let work = Unmanaged<Work>.fromOpaque(context!).takeRetainedValue()
                // Flush denormals as the command line's training threads do, so a job computes what
                // `mlp train` computes.
                mlp_flush_denormals_in_this_thread()
                work.workers.deliver(work.job, work.body())
                return nil
            }, work.toOpaque())
        pthread_attr_destroy(&attributes)
        if status != 0 {
            work.release()
            deliver(job, body())
        }
    }

    private func deliver(_ job: TrainingJob, _ outcome: JobOutcome) {
        pthread_mutex_lock(mutex)
        finished.append((job, outcome))
        pthread_cond_signal(arrived)
        pthread_mutex_unlock(mutex)
    }

    /// The outcomes that have arrived, waiting up to `seconds` for the first when there is none.
    func collect(waiting seconds: Double) -> [(TrainingJob, JobOutcome)] {
        pthread_mutex_lock(mutex)
        if finished.isEmpty && running > 0 && seconds > 0 {
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            let ns = Int(ts.tv_nsec) + Int(seconds * 1e9)
            ts.tv_sec += ns / 1_000_000_000
            ts.tv_nsec = ns % 1_000_000_000
            pthread_cond_timedwait(arrived, mutex, &ts)
        }
        let out = finished
        finished = []
        pthread_mutex_unlock(mutex)
        running -= out.count
        return out
    }
}
