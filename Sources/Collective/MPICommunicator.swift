// The communicator of one rank of an mpirun job, on Open MPI loaded at run time (see CMPI/shim.h
// for why it is dlopen()ed rather than linked). Errors on MPI_COMM_WORLD are set to return codes,
// so every failure becomes a one-line CommunicatorError naming the rank and host.
import CMPI

#if canImport(Glibc)
    import Glibc
#endif

public final class MPICommunicator: Communicator {
    /// The shared object loaded: the soname of Open MPI 3.x to 5.x.
    public static let libraryName = "libmpi.so.40"

    /// The loaded function table, on the heap so that C reads it through a stable pointer.
    let api: UnsafeMutablePointer<mlp_mpi>
    public let rank: Int
    public let size: Int
    public let hostname: String
    /// The thread level MPI granted (MPI_THREAD_FUNNELED asked for).
    public let threadLevel: Int32
    private var finalized = false

    /// Loads Open MPI and calls MPI_Init_thread. `launch` is what the environment announced; when it
    /// gives a job size that MPI does not see (a launcher from another MPI, or a singleton start),
    /// the ranks would train separately and overwrite each other's files, so that is an error.
    public init(launch: MPILaunch, library: String = MPICommunicator.libraryName) throws(CommunicatorError) {
        let host = SingleProcessCommunicator.localHostname()
        let who = "rank \(launch.rank.map(String.init) ?? "?") on \(host)"
        let api = UnsafeMutablePointer<mlp_mpi>.allocate(capacity: 1)
        api.initialize(to: mlp_mpi())
        var reason = [CChar](repeating: 0, count: 512)
        if mlp_mpi_load(api, library, &reason, reason.count) != 0 {
            api.deallocate()
            throw CommunicatorError(
                "\(who): started by an MPI launcher (\(launch.evidence) is set) but Open MPI cannot be loaded: \(String(cString: reason)) (install libopenmpi3, or run without mpirun)"
            )
        }
        var provided: Int32 = 0
        let rc = mlp_mpi_init(api, &provided)
        if rc != 0 {
            defer { api.deallocate() }
            throw CommunicatorError("\(who): MPI_Init_thread failed: \(Self.errorText(api, rc))")
        }
        var r: Int32 = 0
        var s: Int32 = 0
        _ = mlp_mpi_rank(api, &r)
        _ = mlp_mpi_size(api, &s)
        var name = [CChar](repeating: 0, count: Int(mlp_mpi_max_processor_name()) + 1)
        var length: Int32 = 0
        let hostname = mlp_mpi_processor_name(api, &name, &length) == 0 ? String(cString: name) : host
        self.api = api
        rank = Int(r)
        size = Int(s)
        self.hostname = hostname
        threadLevel = provided
        if provided < mlp_mpi_thread_funneled() {
            throw CommunicatorError("\(rankDescription): MPI granted thread level \(provided), below MPI_THREAD_FUNNELED")
        }
        if let expected = launch.size, expected != size {
            throw CommunicatorError(
                "\(rankDescription): the launcher announced \(expected) ranks (\(launch.evidence)) but Open MPI sees \(size): start the job with Open MPI's mpirun, from the same installation as \(library)"
            )
        }
    }

    /// No MPI_Finalize here: it synchronises with the other ranks, and a communicator dropped on an
    /// error path must let the process exit at once (mpirun then ends the other ranks).
    deinit {
        api.deallocate()
    }

    /// MPI_Error_string's text for `code`.
    private static func errorText(_ api: UnsafeMutablePointer<mlp_mpi>, _ code: Int32) -> String {
        var text = [CChar](repeating: 0, count: Int(mlp_mpi_max_error_string()) + 1)
        var length: Int32 = 0
        guard mlp_mpi_error_text(api, code, &text, &length) == 0 else { return "MPI error \(code)" }
        return String(cString: text)
    }

    func check(_ rc: Int32, _ operation: String) throws(CommunicatorError) {
        if rc != 0 { throw CommunicatorError("\(rankDescription): \(operation) failed: \(Self.errorText(api, rc))") }
    }

    /// MPI counts are Int32: a larger buffer is reduced in pieces of at most 2^30 elements.
    private func inPieces<T>(
        _ buffer: UnsafeMutablePointer<T>, _ count: Int, _ operation: String,
        _ body: (UnsafeMutablePointer<T>, Int32) -> Int32
    ) throws(CommunicatorError) {
        precondition(count >= 0)
        let piece = 1 << 30
        var start = 0
        while start < count {
            let n = min(piece, count - start)
            try check(body(buffer + start, Int32(n)), operation)
            start += n
        }
    }

    public func allreduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws(CommunicatorError) {
        try inPieces(buffer, count, "MPI_Allreduce") { mlp_mpi_allreduce_sum_float(api, $0, $1) }
    }
    public func allreduceSum(_ buffer: UnsafeMutablePointer<Double>, count: Int) throws(CommunicatorError) {
        try inPieces(buffer, count, "MPI_Allreduce") { mlp_mpi_allreduce_sum_double(api, $0, $1) }
    }
    public func allreduceSum(_ buffer: UnsafeMutablePointer<Int64>, count: Int) throws(CommunicatorError) {
        try buffer.withMemoryRebound(to: CLongLong.self, capacity: count) { p throws(CommunicatorError) in
            try inPieces(p, count, "MPI_Allreduce") { mlp_mpi_allreduce_sum_int64(api, $0, $1) }
        }
    }
    public func allreduceMax(_ buffer: UnsafeMutablePointer<Int64>, count: Int) throws(CommunicatorError) {
        try buffer.withMemoryRebound(to: CLongLong.self, capacity: count) { p throws(CommunicatorError) in
            try inPieces(p, count, "MPI_Allreduce") { mlp_mpi_allreduce_max_int64(api, $0, $1) }
        }
    }

    public func startAllreduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws(CommunicatorError) -> PendingReduction {
        precondition(count >= 0 && count <= Int(Int32.max), "a non-blocking reduction is limited to Int32.max elements")
        var request: OpaquePointer? = nil
        try check(mlp_mpi_iallreduce_sum_float(api, buffer, Int32(count), &request), "MPI_Iallreduce")
        return PendingReduction(request: request)
    }

    public func test(_ reduction: inout PendingReduction) throws(CommunicatorError) -> Bool {
        guard reduction.request != nil else { return true }
        var done: Int32 = 0
        // MPI_Test sets the request to MPI_REQUEST_NULL when it completes.
        try check(mlp_mpi_test(api, &reduction.request, &done), "MPI_Test")
        if done != 0 { reduction.request = nil }
        return done != 0
    }

    public func wait(_ reduction: inout PendingReduction) throws(CommunicatorError) {
        guard reduction.request != nil else { return }
        try check(mlp_mpi_wait(api, &reduction.request), "MPI_Wait")
        reduction.request = nil
    }

    public func broadcast(_ buffer: UnsafeMutableRawPointer, count: Int, root: Int) throws(CommunicatorError) {
        let bytes = buffer.assumingMemoryBound(to: UInt8.self)
        try inPieces(bytes, count, "MPI_Bcast") { mlp_mpi_broadcast_bytes(api, $0, $1, Int32(root)) }
    }

    public func barrier() throws(CommunicatorError) {
        try check(mlp_mpi_barrier(api), "MPI_Barrier")
    }

    /// MPI_Abort: mpirun then kills every rank. Without mpirun --quiet, Open MPI prints a
    /// multi-line banner for it; the quieter way for a failing rank is to print its one-line error
    /// and exit non-zero without MPI_Finalize, which ends the job the same way (Scripts/mpirun.sh).
    public func abort(code: Int32) -> Never {
        _ = mlp_mpi_abort(api, code)
        exit(code)
    }

    public func finalize() throws(CommunicatorError) {
        guard !finalized else { return }
        finalized = true
        try check(mlp_mpi_finalize(api), "MPI_Finalize")
    }

    /// Seconds since an arbitrary point (MPI_Wtime), for timing reductions.
    public func time() -> Double { mlp_mpi_wtime(api) }
}
