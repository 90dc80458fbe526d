// int8-bench: float inference through OpenBLAS against INT8 inference through oneDNN, on one trained
// model and the MNIST test set, in the same process, interleaved.
//
//   int8-bench --model c.safetensors --data data/mnist [--batch 1000] [--threads 1,2] [--runs 7]
//              [--modes fp32,dynamic,static,dynamic_bytes,static_bytes] [--calibration 5000] [--gap-ms 20]
//
// Modes: fp32 = Y = X·Wᵀ by cblas_sgemm, then bias and activation in a plain loop, layer by layer;
// dynamic = Int8Network, activations quantized per batch; static = Int8Network with input grids
// calibrated on the first --calibration training images (min/max). These three take the float
// inputs x = pixel · input_scale. The *_bytes modes take the pixel bytes themselves
// (Int8Network.forward(bytes:)), as mlp reads images: the first layer needs no quantization pass.
// For each thread count, a warm-up pass of every mode (which also makes the oneDNN primitives), then
// --runs rounds, each timing one pass of every mode over the 10,000 test images in turn (A B C A B C),
// with --gap-ms of sleep between passes so one library's spinning workers have gone quiet before the
// next one runs. Per mode: median, min and max seconds per pass, the median of the per-round ratios
// fp32/mode, and test accuracy (argmax of the outputs, the same in every round).
// Prints a readable table on stderr and one JSON object per (threads, mode) on stdout.
import CBLAS
import Formats
import Glibc
import Model
import Quantized

struct Options {
    var model = ""
    var data = "data/mnist"
    var batch = 1000
    var threads = [1, 2]
    var runs = 7
    var modes = ["fp32", "dynamic", "static", "dynamic_bytes", "static_bytes"]
    var calibration = 5000
    var gapMilliseconds = 20
    var verbose = false
}

func fail(_ message: String) -> Never {
    fputs("int8-bench: \(message)\n", stderr)
    fputs(
        "usage: int8-bench --model FILE [--data DIR] [--batch 1000] [--threads 1,2] [--runs 7] [--modes fp32,dynamic,static,dynamic_bytes,static_bytes] [--calibration 5000] [--gap-ms 20] [--verbose]\n",
        stderr)
    exit(2)
}

func parseOptions() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    func value(_ flag: String) -> String {
        guard let v = args.popFirst() else { fail("\(flag) needs a value") }
        return v
    }
    func int(_ flag: String, min: Int = 1) -> Int {
        let v = value(flag)
        guard let n = Int(v), n >= min else { fail("\(flag) must be a whole number ≥ \(min), not '\(v)'") }
        return n
    }
    while let flag = args.popFirst() {
        switch flag {
        case "--model": o.model = value(flag)
        case "--data": o.data = value(flag)
        case "--batch": o.batch = int(flag)
        case "--runs": o.runs = int(flag)
        case "--calibration": o.calibration = int(flag)
        case "--gap-ms": o.gapMilliseconds = int(flag, min: 0)
        case "--verbose": o.verbose = true
        case "--threads":
            let v = value(flag)
            let t = v.split(separator: ",").map { Int($0) ?? 0 }
            guard !t.isEmpty, t.allSatisfy({ $0 > 0 }) else { fail("--threads wants positive counts separated by commas, not '\(v)'") }
            o.threads = t
        case "--modes":
            let v = value(flag)
            let m = v.split(separator: ",").map(String.init)
            guard !m.isEmpty, m.allSatisfy({ ["fp32", "dynamic", "static", "dynamic_bytes", "static_bytes"].contains($0) }) else {
                fail("--modes wants some of fp32,dynamic,static,dynamic_bytes,static_bytes, not '\(v)'")
            }
            o.modes = m
        default: fail("unknown argument '\(flag)'")
        }
    }
    if o.model.isEmpty { fail("--model is required") }
    return o
}

func seconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

func median(_ v: [Double]) -> Double {
    let s = v.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func cpuModel() -> String {
    guard let f = fopen("/proc/cpuinfo", "r") else { return "unknown" }
    defer { fclose(f) }
    var line = [CChar](repeating: 0, count: 512)
    while fgets(&line, 512, f) != nil {
        let s = String(cString: line)
        if s.hasPrefix("model name") { return String(s.split(separator: ":", maxSplits: 1)[1].drop(while: { $0 == " " }).dropLast()) }
    }
    return "unknown"
}

// MARK: the model

/// A float dense layer: W [out, in] row-major, b, activation.
struct FloatLayer {
    var weight: [Float]
    var bias: [Float]
    let inputs: Int, outputs: Int
    var activation: Activation
}

func loadModel(_ path: String) -> (layers: [FloatLayer], inputScale: Float) {
    let file: SafetensorsFile
    do { file = try Safetensors.read(path: path) } catch { fail("\(error)") }
    if file.metadataValue(for: "quantization") != nil {
        fail("\(path): is an INT8 model (mlp quantize); int8-bench takes the float model and quantizes it itself")
    }
    guard let arch = file.metadataValue(for: "architecture"), let classes = file.metadataValue(for: "classes").flatMap({ Int($0) }),
        let inputs = file.metadataValue(for: "input_features").flatMap({ Int($0) }),
        let scale = file.metadataValue(for: "input_scale").flatMap({ Float($0) })
    else {
        fail("\(path): not a model written by mlp (metadata architecture, classes, input_features, input_scale)")
    }
    // The architecture string read token by token (its documented syntax: N, N:ACT, ACT, dropout:P,
    // batchnorm[:M]), so this bench does not follow the Model target's layer types as they change.
    func tensor(_ name: String) -> [Float] {
        guard let t = file.tensor(name) else { fail("\(path): no tensor '\(name)'") }
        return t.values
    }
    func activation(_ parts: ArraySlice<Substring>) -> Activation {
        guard let name = parts.first, let a = Activation(name: String(name), argument: parts.dropFirst().first.map(String.init)) else {
            fail("\(path): architecture '\(arch)': unknown activation '\(parts.joined(separator: ":"))'")
        }
        return a
    }
    var layers: [FloatLayer] = []
    var width = inputs
    var previousIsDense = false
    for (i, token) in arch.split(separator: ",").enumerated() {
        let parts = token.split(separator: ":", omittingEmptySubsequences: false)
        let head = parts[0].lowercased()
        if let units = Int(head) {
            let f = parts.count > 1 ? activation(parts[1...]) : .linear
            layers.append(
                FloatLayer(
                    weight: tensor("layers.\(i).weight"), bias: tensor("layers.\(i).bias"),
                    inputs: width, outputs: units, activation: f))
            width = units
            previousIsDense = f == .linear
        } else if ["batchnorm", "bn", "batch_norm"].contains(head) {
            guard previousIsDense, var last = layers.popLast() else {
                fail("\(path): batch norm not right after a linear dense layer is not supported here")
            }
            (last.weight, last.bias) = BatchNormFolding.fold(
                weight: last.weight, bias: last.bias,
                gamma: tensor("layers.\(i).weight"), beta: tensor("layers.\(i).bias"),
                runningMean: tensor("layers.\(i).running_mean"), runningVar: tensor("layers.\(i).running_var"))
            layers.append(last)
            previousIsDense = false
        } else if head == "dropout" {
            continue
        } else {
            guard var last = layers.popLast(), last.activation == .linear else {
                fail("\(path): an activation with no linear dense layer before it")
            }
            last.activation = activation(parts[...])
            layers.append(last)
            previousIsDense = false
        }
    }
    guard layers.last?.outputs == classes else { fail("\(path): the last dense layer does not have \(classes) units") }
    return (layers, scale)
}

// MARK: the passes

/// Float inference: per layer Y = X·Wᵀ (cblas_sgemm), then Y = f(Y + b).
final class FloatNetwork {
    let layers: [FloatLayer]
    let buffers: [UnsafeMutablePointer<Float>]
    init(_ layers: [FloatLayer], rows: Int) {
        self.layers = layers
        let widest = layers.map(\.outputs).max()!
        buffers = (0..<2).map { _ in .allocate(capacity: rows * widest) }
    }
    func forward(_ x: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>) {
        var input = x
        for (i, l) in layers.enumerated() {
            let y = i == layers.count - 1 ? out : buffers[i % 2]
            l.weight.withUnsafeBufferPointer { w in
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(l.outputs), Int32(l.inputs),
                    1, input, Int32(l.inputs), w.baseAddress, Int32(l.inputs), 0, y, Int32(l.outputs))
            }
            l.bias.withUnsafeBufferPointer { b in
                let f = l.activation
                for r in 0..<rows {
                    let row = y + r * l.outputs
                    for j in 0..<l.outputs { row[j] = f.apply(row[j] + b[j]) }
                }
            }
            input = UnsafePointer(y)
        }
    }
}

let options = parseOptions()
let loadStart = seconds()
let dnnl: OneDNN
do { dnnl = try OneDNN.shared() } catch { fail("\(error)") }
let loadSeconds = seconds() - loadStart
let (floatLayers, inputScale) = loadModel(options.model)

func readImages(_ name: String) -> IDXImages {
    for suffix in [".gz", ""] {
        let path = "\(options.data)/\(name)\(suffix)"
        if access(path, R_OK) == 0 {
            do { return try IDXReader.readImages(path: path) } catch { fail("\(error)") }
        }
    }
    fail("\(options.data)/\(name)[.gz]: no such file")
}
let testImages = readImages("t10k-images-idx3-ubyte")
let testLabels: [UInt8]
do {
    let p = "\(options.data)/t10k-labels-idx1-ubyte"
    testLabels = try IDXReader.readLabels(path: access(p + ".gz", R_OK) == 0 ? p + ".gz" : p)
} catch { fail("\(error)") }
let features = testImages.rows * testImages.cols
guard features == floatLayers[0].inputs else { fail("the model takes \(floatLayers[0].inputs) inputs, the images have \(features) pixels") }
let samples = testImages.count
let classes = floatLayers.last!.outputs
let x = testImages.pixels.map { Float($0) * inputScale }
let testPixels = UnsafeMutablePointer<UInt8>.allocate(capacity: testImages.pixels.count)
testPixels.initialize(from: testImages.pixels, count: testImages.pixels.count)
var outputs = [Float](repeating: 0, count: samples * classes)

let int8Parameters = floatLayers.map {
    Int8Network.LayerParameters(
        weights: QuantizedMatrix(quantizing: $0.weight, rows: $0.outputs, cols: $0.inputs),
        bias: $0.bias, activation: $0.activation)
}

var ranges: [Int8Network.ActivationRange] = []
if options.modes.contains(where: { $0.hasPrefix("static") }) {
    let train = readImages("train-images-idx3-ubyte")
    let n = min(options.calibration, train.count)
    let calib = train.pixels[0..<(n * features)].map { Float($0) * inputScale }
    do {
        ranges = try calib.withUnsafeBufferPointer {
            try Int8Network.calibrate(int8Parameters, data: $0.baseAddress!, samples: n, dnnl: dnnl)
        }
    } catch { fail("\(error)") }
}

let floatNet = FloatNetwork(floatLayers, rows: options.batch)
let dynamicNet = Int8Network(int8Parameters, mode: .dynamic, dnnl: dnnl)
let staticNet = ranges.isEmpty ? nil : Int8Network(int8Parameters, mode: .calibrated(ranges), dnnl: dnnl)
if options.verbose, let staticNet {
    for (i, g) in staticNet.grids.enumerated() {
        fputs("static grid of layer \(i)'s input: scale \(g.scale), zero point \(g.zeroPoint), levels 0...\(g.maximum)\n", stderr)
    }
}

/// One pass over the test set in batches; returns its seconds and accuracy.
func pass(_ mode: String) -> (seconds: Double, accuracy: Double) {
    let t0 = seconds()
    x.withUnsafeBufferPointer { xs in
        outputs.withUnsafeMutableBufferPointer { ys in
            var start = 0
            while start < samples {
                let rows = min(options.batch, samples - start)
                let input = xs.baseAddress! + start * features
                let out = ys.baseAddress! + start * classes
                let pixels = testPixels + start * features
                do {
                    switch mode {
                    case "fp32": floatNet.forward(input, rows: rows, into: out)
                    case "dynamic": try dynamicNet.forward(input, rows: rows, into: out)
                    case "static": try staticNet!.forward(input, rows: rows, into: out)
                    case "dynamic_bytes": try dynamicNet.forward(bytes: pixels, scale: inputScale, rows: rows, into: out)
                    default: try staticNet!.forward(bytes: pixels, scale: inputScale, rows: rows, into: out)
                    }
                } catch { fail("\(error)") }
                start += rows
            }
        }
    }
    let t = seconds() - t0
    var correct = 0
    for i in 0..<samples {
        var best = 0
        for c in 1..<classes where outputs[i * classes + c] > outputs[i * classes + best] { best = c }
        if best == Int(testLabels[i]) { correct += 1 }
    }
    return (t, Double(correct) / Double(samples))
}

let architecture = ([floatLayers[0].inputs] + floatLayers.map(\.outputs)).map(String.init).joined(separator: "-")
fputs("int8-bench: \(architecture), \(samples) images, batches of \(options.batch); CPU \(cpuModel())\n", stderr)
fputs(
    "oneDNN \(dnnl.version) (\(dnnl.threadingRuntime)), instruction set \(dnnl.instructionSet), activation levels 0...\(dnnl.activationMaximum)\n",
    stderr)
do {
    // The cost of a first INT8 batch: primitives made (oneDNN generates their code) and weights packed.
    let t0 = seconds()
    try dynamicNet.prepare(rows: options.batch)
    fputs(
        "opening oneDNN (dlopen, engine, stream): \(fmt(loadSeconds * 1000, 1)) ms; primitives and packed weights for batches of \(options.batch): \(fmt((seconds() - t0) * 1000, 1)) ms\n",
        stderr)
    let kernels = try dynamicNet.layers.map { try $0.kernel(rows: options.batch) }
    fputs("INT8 kernels per layer: \(kernels.joined(separator: ", "))\n", stderr)
} catch { fail("\(error)") }

for threads in options.threads {
    openblas_set_num_threads(Int32(threads))
    dnnl.setThreads(threads)
    var times: [String: [Double]] = [:]
    var accuracy: [String: Double] = [:]
    for mode in options.modes { _ = pass(mode) }  // warm-up: primitives, page faults, thread pools
    for _ in 0..<options.runs {
        for mode in options.modes {
            if options.gapMilliseconds > 0 { usleep(UInt32(options.gapMilliseconds * 1000)) }
            let r = pass(mode)
            times[mode, default: []].append(r.seconds)
            accuracy[mode] = r.accuracy
        }
    }
    fputs("\nthreads \(threads)            median s    min s    max s   fp32/mode  accuracy\n", stderr)
    for mode in options.modes {
        let t = times[mode]!
        let ratio = times["fp32"].map { f in median(zip(f, t).map { $0 / $1 }) }
        let row =
            "  \(mode + String(repeating: " ", count: max(0, 13 - mode.count)))  \(fmt(median(t)))  \(fmt(t.min()!))  \(fmt(t.max()!))  \(ratio.map { fmt($0, 2) } ?? "   -")×  \(fmt(accuracy[mode]!, 4))"
        fputs(row + "\n", stderr)
        print(
            "{\"engine\":\"mlp\",\"network\":\"\(architecture)\",\"threads\":\(threads),\"mode\":\"\(mode)\",\"median_s\":\(median(t)),\"min_s\":\(t.min()!),\"max_s\":\(t.max()!),\"accuracy\":\(accuracy[mode]!),\"runs\":\(t.count)}"
        )
    }
}

func fmt(_ v: Double, _ digits: Int = 4) -> String {
    var s = String(Double(Int((v * pow(10, Double(digits))).rounded())) / pow(10, Double(digits)))
    let parts = s.split(separator: ".")
    if parts.count == 2, parts[1].count < digits { s += String(repeating: "0", count: digits - parts[1].count) }
    return s.count < 7 ? String(repeating: " ", count: 7 - s.count) + s : s
}
