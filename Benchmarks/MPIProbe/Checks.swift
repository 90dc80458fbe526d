// `mpi-probe check`: every collective on values whose sums are known exactly, so a wrong element,
// a reduction over the wrong count or a broadcast from the wrong root shows as a mismatch.
import Collective

func runChecks() throws(CommunicatorError) {
    let r = comm.rank
    let size = comm.size
    let ranksSum = size * (size + 1) / 2  // Σ (rank + 1)
    func mismatch(_ what: String, _ index: Int, _ got: String, _ want: String) -> Never {
        fail("\(comm.rankDescription): \(what)[\(index)] is \(got), expected \(want)")
    }

    // Floats: rank r contributes (r+1)·(i mod 7). Small integers, so the float sums are exact.
    // An odd count, so a reduction that drops or pads the tail shows.
    let n = 100_003
    let f = UnsafeMutablePointer<Float>.allocate(capacity: n)
    defer { f.deallocate() }
    for i in 0..<n { f[i] = Float(r + 1) * Float(i % 7) }
    try comm.allreduceSum(f, count: n)
    for i in 0..<n where f[i] != Float(ranksSum * (i % 7)) {
        mismatch("float sum", i, "\(f[i])", "\(ranksSum * (i % 7))")
    }

    // Doubles and 64-bit integers (beyond 2^32, so a 32-bit reduction would show).
    var d: [Double] = [0.5 * Double(r + 1), -Double(r)]
    try comm.allreduceSum(&d, count: 2)
    if d[0] != 0.5 * Double(ranksSum) { mismatch("double sum", 0, "\(d[0])", "\(0.5 * Double(ranksSum))") }
    if d[1] != -Double(ranksSum - size) { mismatch("double sum", 1, "\(d[1])", "\(-(ranksSum - size))") }
    var k: [Int64] = [Int64(r + 1) << 40, 1]
    try comm.allreduceSum(&k, count: 2)
    if k[0] != Int64(ranksSum) << 40 { mismatch("int64 sum", 0, "\(k[0])", "\(Int64(ranksSum) << 40)") }
    if k[1] != Int64(size) { mismatch("int64 sum", 1, "\(k[1])", "\(size)") }
    var m: Int64 = Int64(r)
    try comm.allreduceMax(&m, count: 1)
    if m != Int64(size - 1) { mismatch("int64 max", 0, "\(m)", "\(size - 1)") }
    if try comm.any(false) { mismatch("any(false)", 0, "true", "false") }
    if try !comm.any(r == size - 1) { mismatch("any(last rank)", 0, "false", "true") }
    if try comm.sum(r + 1) != ranksSum { mismatch("sum(Int)", 0, "?", "\(ranksSum)") }

    // Broadcast from the last rank: everyone ends with its bytes.
    let root = size - 1
    let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: 257)
    defer { bytes.deallocate() }
    for i in 0..<257 { bytes[i] = r == root ? UInt8(truncatingIfNeeded: i &* 31 &+ 7) : 0 }
    try comm.broadcast(bytes, count: 257, root: root)
    for i in 0..<257 where bytes[i] != UInt8(truncatingIfNeeded: i &* 31 &+ 7) {
        mismatch("broadcast", i, "\(bytes[i])", "\(UInt8(truncatingIfNeeded: i &* 31 &+ 7))")
    }

    // Two non-blocking sums in flight at once (two layers' gradients), one polled, one waited for.
    let a = UnsafeMutablePointer<Float>.allocate(capacity: 1000)
    let b = UnsafeMutablePointer<Float>.allocate(capacity: 3)
    defer {
        a.deallocate()
        b.deallocate()
    }
    for i in 0..<1000 { a[i] = Float(r + 1) * Float(i) }
    for i in 0..<3 { b[i] = Float(i + 1) }
    var first = try comm.startAllreduceSum(a, count: 1000)
    var second = try comm.startAllreduceSum(b, count: 3)
    var polls = 0
    while try !comm.test(&first) { polls += 1 }
    try comm.wait(&second)
    if !first.isComplete || !second.isComplete { mismatch("reduction state", 0, "incomplete", "complete") }
    for i in 0..<1000 where a[i] != Float(ranksSum * i) { mismatch("iallreduce", i, "\(a[i])", "\(ranksSum * i)") }
    for i in 0..<3 where b[i] != Float(size * (i + 1)) { mismatch("iallreduce (second)", i, "\(b[i])", "\(size * (i + 1))") }

    // Fractional values, whose sums round: every rank must still end with the same bytes (each
    // then takes the same optimizer step), and the same bytes from run to run (a deterministic
    // training run). The FNV-1a hash of the result is compared across ranks and printed.
    let g = UnsafeMutablePointer<Float>.allocate(capacity: n)
    defer { g.deallocate() }
    var state = UInt64(r + 1) &* 0x9E37_79B9_7F4A_7C15
    for i in 0..<n {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        g[i] = Float(Int64(bitPattern: state) >> 40) * 1e-7
    }
    try comm.allreduceSum(g, count: n)
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for i in 0..<n { hash = (hash ^ UInt64(g[i].bitPattern)) &* 0x100_0000_01b3 }
    var extremes: [Int64] = [Int64(bitPattern: hash), -Int64(bitPattern: hash)]
    try comm.allreduceMax(&extremes, count: 2)
    if extremes[0] != -extremes[1] { mismatch("result hash", 0, "different on different ranks", "the same") }

    try comm.barrier()
    say("rank \(r) of \(size): all checks passed (\(polls) polls), sum hash \(String(hash, radix: 16))")
}
