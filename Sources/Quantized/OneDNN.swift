// oneDNN, opened on first use (see Sources/CDNNL/shim.h for why it is not linked): the function table,
// one CPU engine and one in-order stream, and what the library reports about itself.
//
// Threads: Debian's libdnnl2 runs its CPU primitives on OpenMP (libgomp), so the thread count is
// OpenMP's: `setThreads` calls omp_set_num_threads, which applies to parallel regions started from
// the calling thread (OMP_NUM_THREADS sets the default, else all CPUs).
import CDNNL
import Glibc

/// A oneDNN call that failed, or a library that could not be opened: one line, saying which.
public struct OneDNNError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public final class OneDNN: @unchecked Sendable {
    /// The shared-object name looked for (the soname of Debian's libdnnl2 2.x).
    public static let libraryName = "libdnnl.so.2"

    /// The library to open: $MLP_ONEDNN_LIBRARY (a path or soname, for another oneDNN build) or
    /// `libraryName`.
    public static var libraryPath: String {
        getenv("MLP_ONEDNN_LIBRARY").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? libraryName
    }

    /// The library, opened once per process on first use.
    public static func shared() throws(OneDNNError) -> OneDNN {
        switch loaded {
        case .success(let d): return d
        case .failure(let e): throw e
        }
    }

    private static let loaded: Result<OneDNN, OneDNNError> = {
        do { return .success(try OneDNN(path: libraryPath)) } catch let e as OneDNNError { return .failure(e) } catch {
            return .failure(OneDNNError("\(error)"))
        }
    }()

    let api: cdnnl_api
    let engine: dnnl_engine_t
    let stream: dnnl_stream_t
    /// libgomp's team entry points, at a fixed address for the C passes (never freed: one per process).
    let team: UnsafeMutablePointer<cdnnl_omp>

    private init(path: String) throws(OneDNNError) {
        // libgomp reads its settings when it is loaded, which is now. By default its idle threads spin
        // for a while after each parallel region, which on a machine shared with other processes
        // takes the CPUs they need and slows multi-threaded INT8 passes several-fold whenever another
        // process runs. Sleeping threads cost a wake-up per region instead. The user's own
        // OMP_WAIT_POLICY or GOMP_SPINCOUNT wins.
        if getenv("OMP_WAIT_POLICY") == nil && getenv("GOMP_SPINCOUNT") == nil {
            setenv("OMP_WAIT_POLICY", "passive", 0)
        }
        var table = cdnnl_api()
        var error: UnsafePointer<CChar>? = nil
        guard cdnnl_load(path, &table, &error) == 1 else {
            let why = error.map { String(cString: $0) } ?? "\(path): cannot be opened"
            throw OneDNNError("INT8 inference needs oneDNN, and \(why); install it with: apt-get install libdnnl2 (or libdnnl-dev)")
        }
        api = table
        team = .allocate(capacity: 1)
        team.initialize(to: table.omp)
        var e: dnnl_engine_t? = nil
        try Self.check(table.engine_create!(&e, dnnl_cpu, 0), "creating the CPU engine")
        var s: dnnl_stream_t? = nil
        try Self.check(table.stream_create!(&s, e, dnnl_stream_default_flags.rawValue), "creating a stream")
        engine = e!
        stream = s!
    }

    static func check(_ status: dnnl_status_t, _ what: @autoclosure () -> String) throws(OneDNNError) {
        guard status != dnnl_success else { return }
        throw OneDNNError("oneDNN failed \(what()): \(statusName(status))")
    }

    static func statusName(_ s: dnnl_status_t) -> String {
        switch s {
        case dnnl_out_of_memory: return "out of memory"
        case dnnl_invalid_arguments: return "invalid arguments"
        case dnnl_unimplemented: return "no implementation for these shapes and types on this CPU"
        case dnnl_runtime_error: return "runtime error"
        case dnnl_not_required: return "not required"
        default: return "status \(s.rawValue)"
        }
    }

    /// "2.6.3".
    public var version: String {
        let v = api.version!()!.pointee
        return "\(v.major).\(v.minor).\(v.patch)"
    }

    /// The CPU threading runtime the library was built with.
    public var threadingRuntime: String {
        switch api.version!()!.pointee.cpu_runtime {
        case 1: return "sequential"
        case 2: return "OpenMP"
        case 4: return "TBB"
        case 8: return "threadpool"
        case let r: return "runtime \(r)"
        }
    }

    /// The most capable instruction set oneDNN uses on this CPU (ONEDNN_MAX_CPU_ISA can lower it).
    public var instructionSet: String {
        switch api.get_effective_cpu_isa!() {
        case dnnl_cpu_isa_sse41: return "sse41"
        case dnnl_cpu_isa_avx: return "avx"
        case dnnl_cpu_isa_avx2: return "avx2"
        case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni"
        case dnnl_cpu_isa_avx512_core: return "avx512_core"
        case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni"
        case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16"
        case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx"
        case let i: return "isa 0x\(String(i.rawValue, radix: 16))"
        }
    }

    /// Whether oneDNN's int8 kernels here sum u8·s8 products exactly: with VNNI (vpdpbusd) or AMX
    /// they accumulate straight into int32. Without (AVX2 only, e.g. AMD Zen 2, or AVX-512 before
    /// Cascade Lake) they use vpmaddubsw, which adds two u8·s8 products into an int16 with
    /// saturation: 2·255·127 = 64 770 does not fit, and the unit tests caught wrong sums there.
    public var hasExactInt8Products: Bool {
        switch api.get_effective_cpu_isa!() {
        case dnnl_cpu_isa_avx2_vnni, dnnl_cpu_isa_avx512_core_vnni, dnnl_cpu_isa_avx512_core_bf16, dnnl_cpu_isa_avx512_core_amx:
            return true
        default:
            return false
        }
    }

    /// The largest u8 activation level to use: 255 where products are exact, else 127, which keeps
    /// every pair within int16 (2·127·127 = 32 258 ≤ 32 767), as PyTorch's `reduce_range` does.
    public var activationMaximum: Int32 { hasExactInt8Products ? 255 : 127 }

    /// Threads for the primitives run from the calling thread (OpenMP's setting); ignored by a
    /// oneDNN built without OpenMP.
    public func setThreads(_ n: Int) {
        api.omp_set_num_threads?(Int32(max(1, n)))
    }

    /// The threads the next primitive run from this thread will use (nil without OpenMP).
    public var threads: Int? { api.omp_get_max_threads.map { Int($0()) } }

    /// Waits until everything submitted to the stream has finished (the CPU stream is synchronous in
    /// practice, but the API asks for it).
    func wait() throws(OneDNNError) {
        try Self.check(api.stream_wait!(stream), "waiting for the stream")
    }
}
