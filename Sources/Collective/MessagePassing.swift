// Messages between two ranks, for work that is not data-parallel: an experiment's coordinator on
// rank 0 hands jobs (trials, folds) to the other ranks and collects their outcomes. Not collective:
// only the two ranks of a message take part. Only the main thread may call it (as for every MPI call
// here: MPI_THREAD_FUNNELED).
import CMPI

public protocol MessagePassing: Communicator {
    /// Sends `bytes` to `rank` with `tag` (blocks until the buffer may be reused).
    func send(_ bytes: [UInt8], to rank: Int, tag: Int) throws(CommunicatorError)
    /// A message waiting from `source` (nil: any rank) with `tag` (nil: any): its source, tag and
    /// size in bytes; nil when none is waiting. Never blocks.
    func probe(from source: Int?, tag: Int?) throws(CommunicatorError) -> (source: Int, tag: Int, count: Int)?
    /// Receives the message `probe` found.
    func receive(from source: Int, tag: Int, count: Int) throws(CommunicatorError) -> [UInt8]
}

extension MPICommunicator: MessagePassing {
    public func send(_ bytes: [UInt8], to rank: Int, tag: Int) throws(CommunicatorError) {
        let rc = bytes.withUnsafeBytes { mlp_mpi_send_bytes(api, $0.baseAddress, Int32(bytes.count), Int32(rank), Int32(tag)) }
        try check(rc, "MPI_Send")
    }

    public func probe(from source: Int?, tag: Int?) throws(CommunicatorError) -> (source: Int, tag: Int, count: Int)? {
        var found: Int32 = 0
        var from: Int32 = 0
        var foundTag: Int32 = 0
        var count: Int32 = 0
        try check(mlp_mpi_probe_bytes(api, Int32(source ?? -1), Int32(tag ?? -1), &found, &from, &foundTag, &count), "MPI_Iprobe")
        return found != 0 ? (Int(from), Int(foundTag), Int(count)) : nil
    }

    public func receive(from source: Int, tag: Int, count: Int) throws(CommunicatorError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let rc = bytes.withUnsafeMutableBytes { mlp_mpi_receive_bytes(api, $0.baseAddress, Int32(count), Int32(source), Int32(tag)) }
        try check(rc, "MPI_Recv")
        return bytes
    }
}
