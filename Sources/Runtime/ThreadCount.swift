// Setting the thread count of a run: OpenBLAS's threads for the GEMMs (the pthread OpenBLAS ignores
// OMP_NUM_THREADS) and the loop threads' for the elementwise loops, once, before any GEMM, from the
// one thread that calls BLAS. The process has one set of loop threads, made on first use; when the
// count is every CPU the process may use, the threads are pinned one per CPU (LoopThreads.swift).
// The first call also makes every compute thread flush denormal floats to zero (Denormals.swift).
import Model

extension LoopThreads {
    /// The process's loop threads, once `configure` has made them.
    nonisolated(unsafe) public private(set) static var shared: LoopThreads?

    nonisolated(unsafe) private static var flushed = false

    /// Makes the calling thread, and the compute threads later started from it, flush denormal
    /// floats to zero (once): before the data is read, so that it is read as it will be trained.
    public static func flushDenormals() {
        if !flushed { Denormals.flushToZero() }
        flushed = true
    }

    /// Uses `threads` threads (nil: every CPU OpenBLAS sees) for the GEMMs and the loops, pinned
    /// when that is every CPU, and returns the loop threads to run loops on.
    @discardableResult
    public static func configure(_ threads: Int?) -> LoopThreads {
        let n = threads ?? BLAS.processors
        flushDenormals()  // before the helpers start: they inherit it
        let p = shared ?? LoopThreads()
        shared = p
        p.use(threads: n, pin: true)
        return p
    }

    /// Uses `n` threads for the GEMMs and for the loops. With `pin`, when `n` equals the CPUs the
    /// process may use, each thread is pinned to one CPU (see LoopThreads.swift).
    public func use(threads n: Int, pin: Bool) {
        BLAS.setThreads(n)
        setThreads(n, pin: pin)
    }
}
