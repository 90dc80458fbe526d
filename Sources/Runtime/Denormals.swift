// Flush-to-zero for the process's compute threads: the calling thread, the loop threads' helpers
// (started later from it, so they inherit the mode) and OpenBLAS's workers (restarted from it).
//
// Why: late in training, Adam's moment estimates and the gradients of barely used weights fall
// below Float's smallest normal value (1.2e-38), and x86 handles those denormals in microcode, many
// times slower than normal values: epochs slow down several-fold as they appear. Values that small
// are below anything a float32 training step can use, and flushing them leaves the trained model's
// figures as they were.
import CBLAS

public enum Denormals {
    /// Sets FTZ and DAZ on the calling thread and restarts OpenBLAS's threads from it so they have
    /// them too. Call it once, from the thread that calls BLAS, before the thread count is set.
    public static func flushToZero() {
        mlp_flush_denormals_in_this_thread()
        restartOpenBLASThreads()
    }

    /// Restarts OpenBLAS's worker threads from the calling thread, so they take its floating-point
    /// mode; false when this OpenBLAS has no way to (then they keep theirs).
    @discardableResult
    public static func restartOpenBLASThreads() -> Bool {
        let threads = openblas_get_num_threads()
        guard mlp_stop_openblas_threads() != 0 else { return false }
        openblas_set_num_threads(threads)
        return true
    }
}
