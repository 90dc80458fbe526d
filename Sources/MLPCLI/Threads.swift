// --threads: how many threads OpenBLAS uses for the GEMMs, and the worker pool for the elementwise
// loops with it (Sources/Runtime). Set once, before any GEMM, from the one thread that calls BLAS.
// When N is every CPU the process may use, the threads are pinned one per CPU. The first call also
// makes every compute thread flush denormal floats to zero (Sources/Runtime/Denormals.swift).
import Model
import Runtime

enum Threads {
    /// The process's one worker pool, made on first use.
    nonisolated(unsafe) static var pool: WorkerPool?

    /// Applies --threads (nil: every CPU OpenBLAS sees) and returns the pool to run loops on.
    @discardableResult
    static func configure(_ threads: Int?) -> WorkerPool {
        let n = threads ?? BLAS.processors
        if pool == nil { Denormals.flushToZero() }  // before the pool's helpers start: they inherit it
        let p = pool ?? WorkerPool()
        pool = p
        p.use(threads: n, pin: true)
        return p
    }
}
