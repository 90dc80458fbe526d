// The communicator of a process that trains alone (no mpirun): rank 0 of 1. Every reduction of one
// rank's values is those values, so each operation does nothing; no MPI library is loaded.
#if canImport(Glibc)
    import Glibc
#endif

public final class SingleProcessCommunicator: Communicator {
    public init() {}

    public var rank: Int { 0 }
    public var size: Int { 1 }
    public private(set) lazy var hostname: String = Self.localHostname()

    public func allreduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws(CommunicatorError) {}
    public func allreduceSum(_ buffer: UnsafeMutablePointer<Double>, count: Int) throws(CommunicatorError) {}
    public func allreduceSum(_ buffer: UnsafeMutablePointer<Int64>, count: Int) throws(CommunicatorError) {}
    public func allreduceMax(_ buffer: UnsafeMutablePointer<Int64>, count: Int) throws(CommunicatorError) {}
    public func startAllreduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws(CommunicatorError) -> PendingReduction {
        PendingReduction(request: nil)
    }
    public func test(_ reduction: inout PendingReduction) throws(CommunicatorError) -> Bool { true }
    public func wait(_ reduction: inout PendingReduction) throws(CommunicatorError) {}
    public func broadcast(_ buffer: UnsafeMutableRawPointer, count: Int, root: Int) throws(CommunicatorError) {}
    public func barrier() throws(CommunicatorError) {}
    public func abort(code: Int32) -> Never { exit(code) }
    public func finalize() throws(CommunicatorError) {}

    /// gethostname(2), or "localhost" if it fails.
    static func localHostname() -> String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "localhost" }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
