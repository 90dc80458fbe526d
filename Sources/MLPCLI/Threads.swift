// --threads: how many threads OpenBLAS uses for the GEMMs, and the worker pool for the elementwise
// loops with it (Sources/Runtime). Set once, before any GEMM, from the one thread that calls BLAS.
// When N is every CPU the process may use, the threads are pinned one per CPU.
import Model
import Runtime

enum Threads {
    /// The process's one worker pool, made on first use.
    nonisolated(unsafe) static var pool: WorkerPool?

    /// Applies --threads (default: every CPU OpenBLAS sees) and returns the pool to run loops on.
    @discardableResult
    static func configure(_ a: Arguments) throws(CLIError) -> WorkerPool {
        let n = try a.int(Flags.threads) ?? BLAS.processors
        let p = pool ?? WorkerPool()
        pool = p
        p.use(threads: n, pin: true)
        return p
    }
}
