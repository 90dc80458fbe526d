// The threads that share the large elementwise loops (optimizer update, batch gather, activations)
// with the thread that calls BLAS, on the cores that OpenBLAS uses for the GEMMs: OpenBLAS runs
// each GEMM on every core, and what runs between two GEMMs should too.
//
// A loop runs as a region of chunks: the calling thread publishes the region and starts claiming
// chunks at once; a helper claims chunks from the same counter as soon as it looks, and the call
// returns when every chunk is done.
// - Waking a sleeping helper costs the caller an inter-processor interrupt, which on a virtual
//   machine exits to the hypervisor and costs more than many of the loops themselves. So for a
//   while after each region a helper polls instead, yielding the CPU between looks as OpenBLAS's
//   own workers do; during a GEMM it takes the CPU from OpenBLAS's worker only when the scheduler
//   preempts, and then for a sched_yield. After `pollSeconds` without a region it sleeps.
// - Polling only pays when each helper shares a CPU with an OpenBLAS worker and never with the
//   calling thread, which the scheduler alone does not guarantee. So when the command line asks for
//   it and the process owns exactly as many CPUs as threads (the default `--threads`), the caller
//   is pinned to the first CPU and OpenBLAS worker i and helper i + 1 to CPU i + 1. Otherwise
//   nothing is pinned and helpers sleep at once (a machine with spare cores wakes them cheaply).
// - Pinned polling threads share a machine badly, so a watcher thread (LoadWatcher.swift) looks for
//   other processes' runnable threads about every quarter second and, while there are any, unpins
//   everything and has the loops run inline. The training step itself never reads /proc.
// - Chunks, not fixed halves: a helper that starts late takes fewer chunks instead of making the
//   caller wait for its half.
//
// Which thread computes a chunk never changes what is computed: each element (or each row, or each
// column of a sum) is done by the same arithmetic whoever claims it, so results do not depend on the
// thread count or on timing.
import CBLAS
import Glibc
import Model
import Synchronization

public final class LoopThreads: LoopRunner, @unchecked Sendable {
    /// Threads that work on a region: the caller plus the helpers (1: everything runs inline).
    public private(set) var threads = 1

    // The current region, in one word: its sequence number (top 20 bits), its chunk count (22 bits)
    // and the next unclaimed chunk (low 22 bits). A claim is a compare-and-swap of the whole word, so
    // a helper still looking at an ended region can never take a chunk of the next one: the chunk
    // count it compares with is the one of the region it names. (With the count in a separate
    // variable, a test caught a helper claiming chunk 6 of a 7-chunk region through the word of the
    // 6-chunk region before it, so that chunk ran twice.)
    private var jobFunction: ChunkFunction?
    private var jobContext: UnsafeRawPointer?
    private var sequence: UInt64 = 0
    private static let countBits: UInt64 = 22, countMask: UInt64 = (1 << 22) - 1
    /// Regions of more chunks than this run inline.
    public static let maximumChunks = Int(countMask)
    private let claim = Atomic<UInt64>(0)
    private let completed = Atomic<Int>(0)
    private var helpers = 0
    private let sleepers = Atomic<Int>(0)
    /// True when threads are pinned and helpers poll between regions.
    private let polling = Atomic<Bool>(false)
    /// How long a polling helper keeps looking after a region before it sleeps.
    static let pollSeconds = 0.005
    /// The CPUs the process was allowed when first asked (pinning narrows the threads' own masks).
    public private(set) lazy var allowedCPUs: [Int32] = {
        var cpus = [Int32](repeating: 0, count: 1024)
        let n = Int(mlp_allowed_cpus(&cpus, 1024))
        return Array(cpus.prefix(n))
    }()
    /// Whether the calling thread and OpenBLAS's workers are pinned now.
    public private(set) var pinned = false
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>

    /// `senseLoad`: while pinned, step aside (unpin, run inline) when other processes want the CPUs.
    /// The command line says yes; tests that must pin whatever else the machine runs say no.
    public init(senseLoad: Bool = true) {
        self.senseLoad = senseLoad
        mutex = .allocate(capacity: 1)
        wake = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        pthread_mutex_init(placement, nil)
    }

    public let senseLoad: Bool

    /// Uses `n` threads (the caller and n − 1 helpers) for later regions, starting helper threads as
    /// needed; they live as long as the process and sleep when there is no region. Call it between
    /// regions, from the thread that runs them.
    public func setThreads(_ n: Int, pin: Bool = false) {
        let n = max(1, n)
        while helpers < n - 1 {
            var thread = pthread_t()
            let start = Unmanaged.passRetained(HelperStart(pool: self, sequence: sequence)).toOpaque()
            let rc = pthread_create(
                &thread, nil,
                { arg in
                    let start = Unmanaged<HelperStart>.fromOpaque(arg!).takeRetainedValue()
                    start.pool.helperLoop(seen: start.sequence)
                    return nil
                }, start)
            if rc != 0 {  // no more threads: run with the ones there are
                Unmanaged<HelperStart>.fromOpaque(start).release()
                break
            }
            pthread_detach(thread)
            helperThreads.append(thread)
            helpers += 1
        }
        threads = min(n, helpers + 1)
        caller = pthread_self()
        pthread_mutex_lock(placement)
        pinRequested = pin && threads > 1
        let busy = pinRequested && senseLoad && (OtherLoad.runnable() ?? 0) > 0
        contendedFlag.store(busy, ordering: .relaxed)
        place(pin: pin && !busy)
        pthread_mutex_unlock(placement)
        if pinRequested && senseLoad && watcher == nil { watcher = LoadWatcher(pool: self) }
    }

    // Sharing the CPUs. Pinned, polling threads are the fastest way to use a machine of our own and a
    // bad way to share one: two processes that each pin their caller to the first CPU take turns on
    // it. So while pinning is requested, the LoadWatcher thread asks /proc about every quarter second
    // how many threads of other processes are runnable; after two looks that find some it calls
    // `stepAside(true)`: everything is unpinned and the loops run inline; after two looks that find
    // none, `stepAside(false)` pins again.
    //
    // Stepping aside does not change OpenBLAS's thread count, though a GEMM split over two threads
    // waits for the slower, which busy CPUs deschedule for a time slice at a time. Narrowing OpenBLAS
    // to one thread meanwhile would avoid that wait, but OpenBLAS computes a GEMM with other kernels
    // on one thread than on two, so results would depend on the machine's load. Small networks,
    // where that waiting is worst, train on one thread from the start instead (SmallNetworks.swift).
    var pinRequested = false
    private let contendedFlag = Atomic<Bool>(false)
    /// True while other processes compete for the CPUs: loops run inline and nothing is pinned.
    public var contended: Bool { contendedFlag.load(ordering: .relaxed) }
    /// Serializes changes of placement between the calling thread and the watcher.
    private let placement = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var caller = pthread_self()
    private var watcher: LoadWatcher?

    /// Called by the watcher: unpin and run inline while others are busy, pin again when they are not.
    /// Pinning again is left to the caller's next region: OpenBLAS names the calling thread by its
    /// index only on that thread (from the watcher, the same call pinned the watcher instead).
    func stepAside(_ busy: Bool) {
        pthread_mutex_lock(placement)
        defer { pthread_mutex_unlock(placement) }
        guard pinRequested, busy != contended else { return }
        contendedFlag.store(busy, ordering: .relaxed)
        if busy { place(pin: false) } else { repinWanted.store(true, ordering: .releasing) }
    }
    /// Set by the watcher when the CPUs are free again: the caller pins at its next region.
    private let repinWanted = Atomic<Bool>(false)

    private var helperThreads: [pthread_t] = []

    /// Pins the threads when asked to and the process owns exactly `threads` CPUs (see the top of the
    /// file), and gives every thread all allowed CPUs back otherwise.
    private func place(pin wanted: Bool) {
        let cpus = allowedCPUs
        let pin = wanted && threads > 1 && cpus.count == threads && BLAS.threads == threads
        if pin {
            // OpenBLAS's index threads − 1 is the calling thread.
            _ = mlp_set_openblas_thread_cpus(Int32(threads - 1), [cpus[0]], 1)
            for i in 1..<threads {
                _ = mlp_set_openblas_thread_cpus(Int32(i - 1), [cpus[i]], 1)
                _ = mlp_set_thread_cpus(helperThreads[i - 1], [cpus[i]], 1)
            }
        } else if pinned {
            _ = mlp_set_thread_cpus(caller, cpus, Int32(cpus.count))
            for i in 0..<max(0, BLAS.threads - 1) { _ = mlp_set_openblas_thread_cpus(Int32(i), cpus, Int32(cpus.count)) }
            for t in helperThreads { _ = mlp_set_thread_cpus(t, cpus, Int32(cpus.count)) }
        }
        pinned = pin
        polling.store(pin, ordering: .relaxed)
    }

    /// Runs body(context, c) once for every c in 0..<chunks, spread over the threads, and returns when
    /// all are done. One chunk, or one thread, runs inline.
    /// (ChunkFunction is a C function pointer, not a Swift closure, so that publishing it to the helpers
    /// allocates nothing: a closure made escaping for them cost two or three mallocs per region.)
    public func run(chunks n: Int, context: UnsafeRawPointer, _ body: ChunkFunction) {
        if repinWanted.load(ordering: .relaxed) && repinWanted.exchange(false, ordering: .acquiring) {
            pthread_mutex_lock(placement)
            if pinRequested && !contended { place(pin: true) }
            pthread_mutex_unlock(placement)
        }
        if n <= 1 || threads == 1 || contended || n > LoopThreads.maximumChunks {
            for c in 0..<n { body(context, c) }
            return
        }
        sequence += 1
        jobFunction = body
        jobContext = context
        completed.store(0, ordering: .relaxed)
        claim.store(LoopThreads.word(sequence: sequence, chunks: n, next: 0), ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(wake)
            pthread_mutex_unlock(mutex)
        }
        var done = 0
        while let c = claimChunk(sequence & LoopThreads.sequenceMask) {
            body(context, c)
            done += 1
        }
        if done < n {
            completed.add(done, ordering: .relaxed)
            // Helpers are finishing the chunks they claimed.
            while completed.load(ordering: .acquiring) < n { mlp_pause() }
        }
        jobFunction = nil
        jobContext = nil
    }

    private static let sequenceMask: UInt64 = (1 << 20) - 1

    @inline(__always)
    private static func word(sequence: UInt64, chunks: Int, next: Int) -> UInt64 {
        (sequence & sequenceMask) << (2 * countBits) | UInt64(chunks) << countBits | UInt64(next)
    }

    @inline(__always)
    private static func sequence(of word: UInt64) -> UInt64 { word >> (2 * countBits) }

    /// The next unclaimed chunk of region `seq`, or nil when it has none left (or has ended).
    @inline(__always)
    private func claimChunk(_ seq: UInt64) -> Int? {
        var word = claim.load(ordering: .acquiring)
        while true {
            let next = word & LoopThreads.countMask
            let count = (word >> LoopThreads.countBits) & LoopThreads.countMask
            guard LoopThreads.sequence(of: word) == seq, next < count else { return nil }
            let (exchanged, current) = claim.compareExchange(
                expected: word, desired: word + 1,
                ordering: .acquiringAndReleasing)
            if exchanged { return Int(next) }
            word = current
        }
    }

    @inline(__always) private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    // `seen` is the sequence number when the helper was created, so a region started before the
    // thread first ran is still found.
    private func helperLoop(seen start: UInt64) {
        var seen = start & LoopThreads.sequenceMask
        while true {
            // Poll, yielding the CPU between looks, for a while after the last region; then sleep.
            if polling.load(ordering: .relaxed) {
                let start = LoopThreads.now()
                var polls = 0
                while LoopThreads.sequence(of: claim.load(ordering: .acquiring)) == seen {
                    sched_yield()
                    polls += 1
                    if polls & 63 == 0 && LoopThreads.now() - start > LoopThreads.pollSeconds { break }
                }
            }
            if LoopThreads.sequence(of: claim.load(ordering: .acquiring)) == seen {
                pthread_mutex_lock(mutex)
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while LoopThreads.sequence(of: claim.load(ordering: .sequentiallyConsistent)) == seen {
                    pthread_cond_wait(wake, mutex)
                }
                sleepers.subtract(1, ordering: .relaxed)
                pthread_mutex_unlock(mutex)
            }
            seen = LoopThreads.sequence(of: claim.load(ordering: .acquiring))
            var done = 0
            // The job was written before the claim word that names this region.
            while let c = claimChunk(seen) {
                jobFunction!(jobContext!, c)
                done += 1
            }
            if done > 0 { completed.add(done, ordering: .releasing) }
        }
    }
}

private final class HelperStart {
    let pool: LoopThreads
    let sequence: UInt64
    init(pool: LoopThreads, sequence: UInt64) {
        self.pool = pool
        self.sequence = sequence
    }
}
