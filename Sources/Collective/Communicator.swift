// The ranks of a data-parallel job and the collective operations among them. Training holds one
// `Communicator`: a `SingleProcessCommunicator` (one rank; every operation is the identity) unless
// the process was started by mpirun, then an `MPICommunicator`. Only the main thread may call it.

/// One process's view of the job: which rank it is, how many there are, and the collective
/// operations every rank must call in the same order. Every method except `abort` is collective
/// except where it says otherwise; a rank that skips one leaves the others waiting.
public protocol Communicator: AnyObject {
    /// This process's index, 0 ..< size. Rank 0 alone prints and writes files.
    var rank: Int { get }
    /// How many processes (ranks) train together.
    var size: Int { get }
    /// The host this rank runs on, for messages ("rank 1 on node7: ...").
    var hostname: String { get }

    /// Sums `buffer[0 ..< count]` across ranks, in place: afterwards every rank holds the sum.
    func allreduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws(CommunicatorError)
    /// The same for Doubles (loss sums, metrics).
    func allreduceSum(_ buffer: UnsafeMutablePointer<Double>, count: Int) throws(CommunicatorError)
    /// The same for 64-bit integers (example counts, correct predictions).
    func allreduceSum(_ buffer: UnsafeMutablePointer<Int64>, count: Int) throws(CommunicatorError)
    /// The element-wise maximum across ranks, in place (an "any rank asked to stop" flag).
    func allreduceMax(_ buffer: UnsafeMutablePointer<Int64>, count: Int) throws(CommunicatorError)

    /// Starts summing `buffer[0 ..< count]` across ranks and returns at once; the buffer belongs to
    /// the reduction until `wait` (or a `test` that returned true). Reductions started by every rank
    /// in the same order. `count` must fit in an Int32.
    func startAllreduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws(CommunicatorError) -> PendingReduction
    /// Lets a started reduction progress; true when it has completed (then `wait` returns at once).
    /// Not collective. Open MPI moves a non-blocking reduction forward only inside MPI calls, so a
    /// backward pass that overlaps one calls this between layers.
    func test(_ reduction: inout PendingReduction) throws(CommunicatorError) -> Bool
    /// Blocks until a started reduction has completed.
    func wait(_ reduction: inout PendingReduction) throws(CommunicatorError)

    /// Copies `count` bytes from rank `root`'s buffer into every other rank's.
    func broadcast(_ buffer: UnsafeMutableRawPointer, count: Int, root: Int) throws(CommunicatorError)
    /// Returns when every rank has called it.
    func barrier() throws(CommunicatorError)
    /// Ends every rank of the job at once with exit code `code`, without cleaning up. Not collective.
    func abort(code: Int32) -> Never
    /// Ends MPI cleanly; call once, on every rank, before exit. Nothing may be called after it.
    func finalize() throws(CommunicatorError)
}

/// A non-blocking reduction in flight (an MPI request), or a completed one. A plain value so that a
/// backward pass can keep one per layer in an array; copies name the same request, so wait on one.
public struct PendingReduction {
    /// The MPI_Request, nil once completed (and always for the single-process communicator).
    var request: OpaquePointer?
    public var isComplete: Bool { request == nil }
    init(request: OpaquePointer?) { self.request = request }
}

extension Communicator {
    /// Whether this rank prints progress and writes files.
    public var isRoot: Bool { rank == 0 }

    /// One Double summed across ranks.
    public func sum(_ value: Double) throws(CommunicatorError) -> Double {
        var v = value
        try allreduceSum(&v, count: 1)
        return v
    }

    /// One integer summed across ranks.
    public func sum(_ value: Int) throws(CommunicatorError) -> Int {
        var v = Int64(value)
        try allreduceSum(&v, count: 1)
        return Int(v)
    }

    /// Whether any rank passed true: the way ranks agree to stop after the same step when an
    /// interrupt arrives. (On Ctrl-C mpirun sends every rank SIGTERM, one second later, never
    /// SIGINT; the signals land within a step of each other, not necessarily in the same step.)
    /// One all-reduce of 8 bytes: negligible next to a step.
    public func any(_ flag: Bool) throws(CommunicatorError) -> Bool {
        var v: Int64 = flag ? 1 : 0
        try allreduceMax(&v, count: 1)
        return v != 0
    }

    /// "rank R on HOST", the prefix of a rank's one-line errors.
    public var rankDescription: String { "rank \(rank) on \(hostname)" }
}
