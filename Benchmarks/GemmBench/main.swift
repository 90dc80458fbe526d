// gemm-bench: what OpenBLAS's cblas_sgemm can do at one training workload's shapes, and the lower bound
// on epoch time those rates imply.
//
//   gemm-bench --layers 784,128,10 --batch 64 [--samples 60000] [--threads 1] [--seconds 0.2]
//
// For each dense layer in → out and batch size B, a training step does three row-major GEMMs:
//   forward  Y  = X · Wᵀ    m = B,   n = out, k = in   (transB)
//   weights  dW = dYᵀ · X   m = out, n = in,  k = B    (transA)
//   input    dX = dY · W    m = B,   n = in,  k = out  (skipped for the first layer: nothing needs it)
// each 2·m·n·k flops. Every shape is timed call by call for about --seconds after a warm-up, and its best
// and median GFLOP/s are reported. An epoch of --samples is ⌊samples/B⌋ full steps plus one step of the
// remainder (timed at its own shapes), so the bound is Σ steps Σ GEMMs flops / rate; it leaves out all
// elementwise work (bias, activation, loss, optimizer, batch gather), so no trainer can beat it with
// these GEMMs. The median-based bound is the headline (stable on a busy machine); the best-based one
// is also given.
//
// Prints one JSON object on stdout and a readable table on stderr.
//
//   gemm-bench --probe --threads 2
//
// instead checks that the cores deliver in parallel: it times one 256×1024×784 sgemm (the size of C's
// first layer) on one thread and on --threads threads, about --seconds each, and prints
// {"probe":true,"threads":2,"gflops_1":…,"gflops_n":…,"speedup":…}. On this project's 2-vCPU VM the
// second vCPU sometimes runs at half speed for seconds at a time (the host is busy; /proc/stat shows
// no steal), and then a 2-thread run is slower than a 1-thread one; Benchmarks/bench.sh brackets every
// multi-thread run with probes and redoes the runs that a slow phase spoiled.
import CBLAS
import Glibc

// MARK: arguments

struct Options {
    var layers: [Int] = []
    var batch = 0
    var samples = 60000
    var threads = 1
    var seconds = 0.2
    var probe = false
}

func fail(_ message: String) -> Never {
    fputs("gemm-bench: \(message)\n", stderr)
    fputs(
        "usage: gemm-bench --layers 784,128,10 --batch 64 [--samples 60000] [--threads 1] [--seconds 0.2]\n"
            + "       gemm-bench --probe [--threads 2] [--seconds 0.2]\n", stderr)
    exit(2)
}

func parseOptions() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    func value(_ flag: String) -> String {
        guard let v = args.popFirst() else { fail("\(flag) needs a value") }
        return v
    }
    func int(_ flag: String) -> Int {
        let v = value(flag)
        guard let n = Int(v), n > 0 else { fail("\(flag) must be a positive integer, not '\(v)'") }
        return n
    }
    while let flag = args.popFirst() {
        switch flag {
        case "--layers":
            let v = value(flag)
            let sizes = v.split(separator: ",").map { Int($0) }
            guard sizes.count >= 2, sizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
                fail("--layers wants at least two positive sizes separated by commas, not '\(v)'")
            }
            o.layers = sizes.map { $0! }
        case "--batch": o.batch = int(flag)
        case "--samples": o.samples = int(flag)
        case "--threads": o.threads = int(flag)
        case "--probe": o.probe = true
        case "--seconds":
            let v = value(flag)
            guard let s = Double(v), s > 0 else { fail("--seconds must be a positive number, not '\(v)'") }
            o.seconds = s
        case "-h", "--help": fail("measures cblas_sgemm at a workload's training shapes")
        default: fail("unknown argument '\(flag)'")
        }
    }
    if o.probe { return o }
    if o.layers.isEmpty { fail("--layers is required") }
    if o.batch == 0 { fail("--batch is required") }
    return o
}

// MARK: timing

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

struct Shape: Hashable {
    var m: Int, n: Int, k: Int
    var transA: Bool, transB: Bool
    var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
}

struct Rate {
    var best: Double  // GFLOP/s of the fastest call
    var median: Double  // GFLOP/s of the median call
    var calls: Int
}

/// Times cblas_sgemm at `shape` call by call for about `seconds` after a warm-up.
func measure(_ shape: Shape, seconds: Double) -> Rate {
    let (m, n, k) = (shape.m, shape.n, shape.k)
    // op(A) is m×k, op(B) is k×n; stored row-major, so a transposed operand is stored k×m or n×k.
    let lda = shape.transA ? m : k
    let ldb = shape.transB ? k : n
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    func fill(_ count: Int) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
        for i in 0..<count {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            p[i] = Float(Int32(truncatingIfNeeded: seed >> 33)) / Float(Int32.max)  // [-1, 1]
        }
        return p
    }
    let a = fill(m * k)
    let b = fill(k * n)
    let c = fill(m * n)
    defer {
        a.deallocate()
        b.deallocate()
        c.deallocate()
    }
    func call() {
        cblas_sgemm(
            CblasRowMajor, shape.transA ? CblasTrans : CblasNoTrans,
            shape.transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), 1, a, blasint(lda), b, blasint(ldb),
            0, c, blasint(n))
    }
    // Warm-up: at least 3 calls and a tenth of the budget (thread pool, caches, clocks).
    let warmEnd = now() + seconds / 10
    var w = 0
    while w < 3 || now() < warmEnd {
        call()
        w += 1
    }
    var times: [Double] = []
    times.reserveCapacity(4096)
    let end = now() + seconds
    while times.count < 5 || (now() < end && times.count < 1_000_000) {
        let t0 = now()
        call()
        times.append(now() - t0)
    }
    times.sort()
    let gf = shape.flops / 1e9
    return Rate(best: gf / times[0], median: gf / times[times.count / 2], calls: times.count)
}

// MARK: workload

struct Gemm {
    var layer: Int  // 1-based
    var kind: String  // forward, weights, input
    var shape: Shape
}

/// The training GEMMs of one step with batch `b`.
func stepGemms(layers: [Int], batch b: Int) -> [Gemm] {
    var out: [Gemm] = []
    for l in 0..<(layers.count - 1) {
        let (fin, fout) = (layers[l], layers[l + 1])
        out.append(Gemm(layer: l + 1, kind: "forward", shape: Shape(m: b, n: fout, k: fin, transA: false, transB: true)))
        out.append(Gemm(layer: l + 1, kind: "weights", shape: Shape(m: fout, n: fin, k: b, transA: true, transB: false)))
        if l > 0 {
            out.append(Gemm(layer: l + 1, kind: "input", shape: Shape(m: b, n: fin, k: fout, transA: false, transB: false)))
        }
    }
    return out
}

func json(_ x: Double) -> String {
    x.isFinite ? "\(x)" : "null"
}

let options = parseOptions()

if options.probe {
    let shape = Shape(m: 256, n: 1024, k: 784, transA: false, transB: true)
    openblas_set_num_threads(1)
    let one = measure(shape, seconds: options.seconds)
    openblas_set_num_threads(Int32(options.threads))
    let many = measure(shape, seconds: options.seconds)
    print(
        "{\"probe\":true,\"threads\":\(options.threads),\"gflops_1\":\(json(one.median)),"
            + "\"gflops_n\":\(json(many.median)),\"speedup\":\(json(many.median / one.median))}")
    exit(0)
}

openblas_set_num_threads(Int32(options.threads))

let fullSteps = options.samples / options.batch
let remainder = options.samples % options.batch
var batches: [(batch: Int, steps: Int)] = [(options.batch, fullSteps)]
if remainder > 0 { batches.append((remainder, 1)) }

var cache: [Shape: Rate] = [:]
var gemmJSON: [String] = []
var boundMedian = 0.0
var boundBest = 0.0
var flopsPerEpoch = 0.0
fputs(
    "gemm-bench: layers \(options.layers.map(String.init).joined(separator: "-")), batch \(options.batch), "
        + "\(options.samples) samples, \(options.threads) thread(s), OpenBLAS sees \(openblas_get_num_procs()) cores\n", stderr)
fputs("  layer kind       B      m      n      k   best GF/s  median GF/s  ms/epoch(median)\n", stderr)
for (b, steps) in batches {
    for g in stepGemms(layers: options.layers, batch: b) {
        let rate: Rate
        if let r = cache[g.shape] {
            rate = r
        } else {
            rate = measure(g.shape, seconds: options.seconds)
            cache[g.shape] = rate
        }
        let f = g.shape.flops * Double(steps)
        let sMedian = f / (rate.median * 1e9)
        let sBest = f / (rate.best * 1e9)
        boundMedian += sMedian
        boundBest += sBest
        flopsPerEpoch += f
        let s = g.shape
        gemmJSON.append(
            """
            {"layer":\(g.layer),"kind":"\(g.kind)","batch":\(b),"steps":\(steps),"m":\(s.m),"n":\(s.n),"k":\(s.k),\
            "trans_a":\(s.transA),"trans_b":\(s.transB),"flops":\(json(s.flops)),"gflops_best":\(json(rate.best)),\
            "gflops_median":\(json(rate.median)),"calls":\(rate.calls),"epoch_seconds_median":\(json(sMedian)),\
            "epoch_seconds_best":\(json(sBest))}
            """)
        func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        func fmt(_ x: Double, _ digits: Int) -> String {
            var buf = [CChar](repeating: 0, count: 32)
            _ = withVaList([x]) { vsnprintf(&buf, 32, "%.\(digits)f", $0) }
            return String(cString: buf)
        }
        fputs(
            "  \(pad(String(g.layer), 5)) \(g.kind.padding(8)) \(pad(String(b), 5)) \(pad(String(s.m), 6)) "
                + "\(pad(String(s.n), 6)) \(pad(String(s.k), 6)) \(pad(fmt(rate.best, 1), 11)) \(pad(fmt(rate.median, 1), 12)) "
                + "\(pad(fmt(sMedian * 1000, 1), 17))\n", stderr)
    }
}
fputs("  lower bound: \(boundMedian) s/epoch at median rates (\(boundBest) s at best rates)\n", stderr)

print(
    """
    {"layers":[\(options.layers.map(String.init).joined(separator: ","))],"batch":\(options.batch),\
    "samples":\(options.samples),"threads":\(options.threads),"openblas_threads":\(openblas_get_num_threads()),\
    "openblas_config":"\(String(cString: openblas_get_config()))","seconds_per_shape":\(options.seconds),\
    "flops_per_epoch":\(json(flopsPerEpoch)),\
    "lower_bound_seconds_per_epoch":\(json(boundMedian)),"lower_bound_seconds_per_epoch_best":\(json(boundBest)),\
    "gemms":[\(gemmJSON.joined(separator: ","))]}
    """)

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
