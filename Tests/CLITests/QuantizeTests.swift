import Formats
// `mlp quantize` and INT8 models end to end, through the built binary: the file it writes (tensors,
// types, metadata, weights within half a scale step), the same outputs as the INT8 engine built in
// memory, evaluate / predict / summary / inspect on image and table models, the refusals (resume, a
// corrupted file, no oneDNN), and independent readers: NumPy (Scripts/numpy_predict.py) and
// onnxruntime (Scripts/onnx_check.py) on the exported graph.
//
// Tests that run INT8 arithmetic need oneDNN (libdnnl2) and are skipped without it. Small networks on
// 4×4 images keep the debug build fast.
import Foundation
import Model
import Quantized
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

final class QuantizeTests: XCTestCase {
    static let numpyScript = Package.path("Scripts/numpy_predict.py")

    /// The u8 levels mlp's activations get on this CPU (255, or 127 without VNNI), from `mlp --version`;
    /// nil when oneDNN cannot be opened.
    static let levels: Int? = {
        guard let r = try? MLP.run(["--version"]), let line = r.stdout.split(separator: "\n").last(where: { $0.hasPrefix("INT8") }) else {
            return nil
        }
        if line.contains("activations 0–255") { return 255 }
        if line.contains("activations 0–127") { return 127 }
        return nil
    }()

    func requireOneDNN() throws -> Int {
        guard let l = Self.levels else { throw XCTSkip("oneDNN (libdnnl2) cannot be opened here") }
        return l
    }

    /// mlp with extra environment variables.
    func run(_ args: [String], env: [String]) throws -> Run {
        try MLP.run(env + [MLP.binary] + args, executable: "/usr/bin/env")
    }

    /// A shell command line (for pipes), run with /bin/sh.
    func shell(_ command: String) throws -> Run { try MLP.run(["-c", command], executable: "/bin/sh") }

    func train(_ dir: TempDir, _ arch: String, name: String = "f.safetensors", extra: [String] = []) throws -> String {
        let model = dir.file(name)
        let t = try MLP.run(
            [
                "train", "--data", dir.path, "--layers", arch, "--epochs", "4", "--batch-size", "16", "--quiet",
                "--out", model,
            ] + extra)
        XCTAssertEqual(t.status, 0, t.stderr)
        return model
    }

    func quantize(_ model: String, _ out: String, _ extra: [String] = [], line: UInt = #line) throws -> Run {
        let r = try MLP.run(["quantize", "--model", model, "--out", out] + extra)
        XCTAssertEqual(r.status, 0, r.stderr, line: line)
        XCTAssertEqual(r.stdout, "", line: line)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, "one summary line: \(r.stderr)", line: line)
        return r
    }

    /// predict --json's probabilities (or values, in `keys` order) per row.
    func probabilities(_ args: [String], env: [String] = []) throws -> [[Double]] {
        let r = try run(["predict", "--json"] + args, env: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try r.stdout.split(separator: "\n").map { line in
            let v = try JSONValue.parse(Array(line.utf8))
            switch v["probabilities"] {
            case .array(let xs)?:
                return xs.map {
                    if case .number(let d) = $0 { return d }
                    return .nan
                }
            case .object(let members)?:
                return members.map {
                    if case .number(let d) = $0.1 { return d }
                    return .nan
                }
            default: return []
            }
        }
    }

    func predictedClasses(_ args: [String]) throws -> [Substring] {
        let r = try MLP.run(["predict"] + args)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[1] }
    }

    // MARK: The file

    /// Batch norm after a linear dense layer folds, a standalone activation after it fuses, dropout
    /// goes, a batch norm after an activation stays float; every tensor and metadata entry documented.
    func testQuantizeWritesTheDocumentedFile() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir)
        let floatArch = "12,batchnorm,relu,dropout:0.1,8:tanh,batchnorm,sigmoid,4"
        let model = try train(dir, floatArch)
        let out = dir.file("q.safetensors")
        let r = try quantize(model, out)
        XCTAssertTrue(r.stderr.hasPrefix("mlp: \(out): INT8 model of \(model), "), r.stderr)
        XCTAssertTrue(
            r.stderr.contains(
                ", 12:relu,8:tanh,batchnorm,sigmoid,4: 3 dense layers as s8 with a scale per output unit, 1 batch norm folded; activations dynamic\n"
            ), r.stderr)

        let float = try Safetensors.read(path: model)
        let int8 = try Safetensors.read(path: out)
        // F32 tensors first, the I8 weights last (alignment for readers that map the file).
        XCTAssertEqual(int8.tensors.map(\.dtype), Array(repeating: .f32, count: 10) + Array(repeating: .i8, count: 3))
        XCTAssertEqual(
            Set(int8.tensors.map(\.name)),
            [
                "layers.0.weight", "layers.0.weight_scale", "layers.0.bias", "layers.1.weight", "layers.1.weight_scale", "layers.1.bias",
                "layers.2.weight", "layers.2.bias", "layers.2.running_mean", "layers.2.running_var",
                "layers.4.weight", "layers.4.weight_scale", "layers.4.bias",
            ])
        XCTAssertEqual(int8.tensor("layers.0.weight")?.shape, [12, 16])
        XCTAssertEqual(int8.tensor("layers.1.weight")?.shape, [8, 12])
        XCTAssertEqual(int8.tensor("layers.4.weight_scale")?.shape, [4])
        // The unfolded batch norm (float layer 5) is kept exactly, under its new index.
        for n in ["weight", "bias", "running_mean", "running_var"] {
            XCTAssertEqual(int8.tensor("layers.2.\(n)")?.values, float.tensor("layers.5.\(n)")?.values, n)
        }
        // Metadata: the float model's, with the documented changes.
        XCTAssertEqual(int8.metadataValue(for: "format_version"), "3")
        XCTAssertEqual(int8.metadataValue(for: "architecture"), "12:relu,8:tanh,batchnorm,sigmoid,4")
        XCTAssertEqual(int8.metadataValue(for: "float_architecture"), floatArch)
        XCTAssertEqual(int8.metadataValue(for: "quantization"), #"{"scheme":"int8_symmetric_per_channel","activations":"dynamic"}"#)
        for (k, v) in float.metadata where !["format_version", "architecture"].contains(k) {
            XCTAssertEqual(int8.metadataValue(for: k), v, k)
        }

        // Weights within half a scale step of the float ones (layer 0: of the batch-norm-folded ones).
        func t(_ f: SafetensorsFile, _ n: String) -> [Float] { f.tensor(n)!.values }
        let folded = BatchNormFolding.fold(
            weight: t(float, "layers.0.weight"), bias: t(float, "layers.0.bias"),
            gamma: t(float, "layers.1.weight"), beta: t(float, "layers.1.bias"),
            runningMean: t(float, "layers.1.running_mean"), runningVar: t(float, "layers.1.running_var"))
        let expected: [(Int, [Float], [Float])] = [
            (0, folded.weight, folded.bias),
            (1, t(float, "layers.4.weight"), t(float, "layers.4.bias")),
            (4, t(float, "layers.7.weight"), t(float, "layers.7.bias")),
        ]
        for (i, w, b) in expected {
            let q = int8.tensor("layers.\(i).weight")!
            let s = t(int8, "layers.\(i).weight_scale")
            let cols = q.shape[1]
            XCTAssertEqual(t(int8, "layers.\(i).bias"), b, "bias \(i)")
            for (j, v) in q.int8Values.enumerated() {
                let scale: Float = s[j / cols]
                let error: Float = abs(scale * Float(v) - w[j])
                XCTAssertLessThanOrEqual(error, scale / 2 * 1.0001 + 1e-7, "layer \(i) weight \(j)")
                XCTAssertGreaterThanOrEqual(v, -127)
            }
            // Each row's largest |w| is ±127.
            for r in 0..<q.shape[0] {
                let row = q.int8Values[(r * cols)..<((r + 1) * cols)].map { abs(Int($0)) }
                XCTAssertEqual(row.max(), 127)
            }
        }
    }

    // MARK: The engine

    /// The file's model gives exactly what Int8Network built in memory from the float weights gives,
    /// dynamic and static (the stored ranges are what Int8Network.calibrate measures).
    func testLoadedModelMatchesTheInMemoryEngine() throws {
        _ = try requireOneDNN()
        let dir = try TempDir()
        try Synthetic.quadrants(dir)
        let model = try train(dir, "8:relu,6:tanh,4")
        let dynamic = dir.file("d.safetensors")
        let calibrated = dir.file("s.safetensors")
        _ = try quantize(model, dynamic)
        _ = try quantize(model, calibrated, ["--data", dir.path, "--samples", "100"])

        let float = try ModelFile.load(model)
        let parameters = float.network.layers.map { l -> Int8Network.LayerParameters in
            let d = l as! Dense
            return .init(
                weights: QuantizedMatrix(quantizing: d.weight.values, rows: d.outputFeatures, cols: d.inputFeatures),
                bias: d.bias.values, activation: d.activation)
        }
        let images = try IDXReader.readImages(path: dir.file("t10k-images-idx3-ubyte"))
        let n = images.count
        let scale = float.inputScale
        let dnnl = try OneDNN.shared()

        func engine(_ net: Int8Network) throws -> [Float] {
            var out = [Float](repeating: 0, count: n * 4)
            try images.pixels.withUnsafeBufferPointer { p in
                try out.withUnsafeMutableBufferPointer {
                    try net.forward(bytes: p.baseAddress!, scale: scale, rows: n, into: $0.baseAddress!)
                }
            }
            return out
        }
        func loaded(_ path: String) throws -> [Float] {
            let m = try ModelFile.load(path)
            let q = try XCTUnwrap(m.quantized)
            try q.prepare(threads: 1, batch: 1000)
            return try images.pixels.withUnsafeBufferPointer { try q.forward(bytes: $0.baseAddress!, rows: n).values }
        }
        XCTAssertEqual(try loaded(dynamic), try engine(Int8Network(parameters, mode: .dynamic, dnnl: dnnl)))

        let training = try IDXReader.readImages(path: dir.file("train-images-idx3-ubyte.gz"))
        let x = training.pixels[0..<(100 * 16)].map { Float($0) * scale }
        let ranges = try x.withUnsafeBufferPointer {
            try Int8Network.calibrate(parameters, data: $0.baseAddress!, samples: 100, dnnl: dnnl)
        }
        let file = try Safetensors.read(path: calibrated)
        for (i, r) in ranges.enumerated() {
            XCTAssertEqual(file.tensor("layers.\(i).input_range")?.values, [r.min, r.max], "layer \(i)")
        }
        XCTAssertEqual(
            file.metadataValue(for: "quantization"),
            #"{"scheme":"int8_symmetric_per_channel","activations":"static","calibration_samples":100}"#)
        XCTAssertEqual(try loaded(calibrated), try engine(Int8Network(parameters, mode: .calibrated(ranges), dnnl: dnnl)))
    }

    // MARK: The commands

    func testEvaluatePredictSummaryAndInspectTakeInt8Models() throws {
        _ = try requireOneDNN()
        let dir = try TempDir()
        try Synthetic.quadrants(dir)
        let model = try train(dir, "16:relu,batchnorm,8:relu,4")
        let dynamic = dir.file("d.safetensors")
        let calibrated = dir.file("s.safetensors")
        _ = try quantize(model, dynamic)
        let s = try quantize(model, calibrated, ["--data", dir.path, "--samples", "64", "--threads", "1"])
        XCTAssertTrue(
            s.stderr.hasSuffix("activations static (ranges calibrated on 64 images of \(dir.path)/train-images-idx3-ubyte.gz)\n"), s.stderr)
        let images = dir.file("t10k-images-idx3-ubyte")

        func accuracy(_ m: String) throws -> Double {
            let r = try MLP.run(["evaluate", "--model", m, "--data", dir.path, "--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            guard case .number(let a)? = try JSONValue.parse(Array(r.stdout.utf8))["accuracy"] else {
                XCTFail("no accuracy")
                return 0
            }
            return a
        }
        let floatAccuracy = try accuracy(model)
        let floatClasses = try predictedClasses(["--model", model, "--images", images])
        let floatProbabilities = try probabilities(["--model", model, "--images", images])
        for m in [dynamic, calibrated] {
            XCTAssertEqual(try accuracy(m), floatAccuracy, accuracy: 0.02, m)
            let text = try MLP.run(["evaluate", "--model", m, "--data", dir.path, "--min-accuracy", "0.5", "--batch-size", "100"])
            XCTAssertEqual(text.status, 0, text.stderr)
            XCTAssertTrue(text.stdout.hasPrefix("accuracy "), text.stdout)
            let classes = try predictedClasses(["--model", m, "--images", images])
            XCTAssertEqual(classes.count, 256)
            XCTAssertGreaterThanOrEqual(zip(classes, floatClasses).filter { $0 == $1 }.count, 250, m)
            let p = try probabilities(["--model", m, "--images", images])
            XCTAssertLessThan(zip(p, floatProbabilities).map { zip($0, $1).map { abs($0 - $1) }.max()! }.max()!, 0.1, m)
            // The thread count does not change a result: the sums are exact and the rest per element.
            XCTAssertEqual(
                try probabilities(["--model", m, "--images", images, "--threads", "1"]),
                try probabilities(["--model", m, "--images", images, "--threads", "2"]))
            // Standard input, and --top-k.
            let piped = try shell("'\(MLP.binary)' predict --model '\(m)' --images - --top-k 2 < '\(images)'")
            XCTAssertEqual(piped.status, 0, piped.stderr)
            XCTAssertEqual(piped.stdout.split(separator: "\n").first, "index,predicted,probability,class2,prob2")
            XCTAssertEqual(piped.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[1] }, classes)
        }

        let summary = try MLP.run(["summary", dynamic])
        XCTAssertEqual(summary.status, 0, summary.stderr)
        XCTAssertTrue(
            summary.stdout.contains(
                "\nINT8 (mlp quantize of 16:relu,batchnorm,8:relu,4): 3 dense layers with s8 weights and a float32 scale per output unit, "),
            summary.stdout)
        XCTAssertTrue(
            summary.stdout.contains("activations dynamic (each batch quantized to u8 from its own range at run time)"), summary.stdout)
        let json = try JSONValue.parse(Array(try MLP.run(["summary", calibrated, "--json"]).stdout.utf8))
        XCTAssertEqual(json["architecture"], .string("16:relu,batchnorm,8:relu,4"))
        XCTAssertEqual(json["quantization"]?["activations"], .string("static"))
        XCTAssertEqual(json["quantization"]?["calibration_samples"], .number(64))
        let weightBytes: Double = 16 * 16 + 8 * 16 + 4 * 8
        XCTAssertEqual(json["quantization"]?["int8_weight_bytes"], .number(weightBytes))

        let inspect = try MLP.run(["inspect", dynamic, "--data", dir.path, "--samples", "50"])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("INT8 model, activations dynamic"), inspect.stdout)
        XCTAssertTrue(
            inspect.stdout.contains("dense weights shown dequantized (weight_scale·q), units measured in float with them"), inspect.stdout)
        let inspected = try JSONValue.parse(Array(try MLP.run(["inspect", dynamic, "--json"]).stdout.utf8))
        XCTAssertEqual(inspected["quantization"]?["weights"], .string("dequantized"))
    }

    /// Table models: classification and regression, dynamic and calibrated on the CSV file; predict
    /// answers a pipe as the rows come.
    func testTableModelsQuantize() throws {
        _ = try requireOneDNN()
        let dir = try TempDir()
        let iris = TabularTests.data + "/iris.csv.gz"
        let diabetes = TabularTests.data + "/diabetes.csv.gz"
        for (data, gate) in [(iris, ["--min-accuracy", "0.6"]), (diabetes, ["--min-r2", "0.2"])] {
            let model = dir.file("t.safetensors")
            let q = dir.file("tq.safetensors")
            let s = dir.file("ts.safetensors")
            let t = try MLP.run(["train", "--data", data, "--hidden", "16", "--epochs", "30", "--quiet", "--out", model])
            XCTAssertEqual(t.status, 0, t.stderr)
            _ = try quantize(model, q)
            _ = try quantize(model, s, ["--data", data, "--samples", "50"])
            let float = try MLP.run(["evaluate", "--model", model, "--data", data, "--json"])
            for m in [q, s] {
                let e = try MLP.run(["evaluate", "--model", m, "--data", data, "--json"] + gate)
                XCTAssertEqual(e.status, 0, e.stderr)
                let a = try JSONValue.parse(Array(e.stdout.utf8))
                let f = try JSONValue.parse(Array(float.stdout.utf8))
                let key = data == iris ? "accuracy" : "r2"
                guard case .number(let x)? = a[key], case .number(let y)? = f[key] else {
                    XCTFail("no \(key)")
                    continue
                }
                XCTAssertEqual(x, y, accuracy: 0.05, "\(m) \(key)")
                let piped = try shell("gzip -dc '\(data)' | '\(MLP.binary)' predict --model '\(m)' --input - --limit 5")
                XCTAssertEqual(piped.status, 0, piped.stderr)
                XCTAssertEqual(piped.stdout.split(separator: "\n").count, 6, piped.stdout)
            }
        }
    }

    // MARK: Refusals

    func testRefusalsAreOneLineErrors() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 64)
        let model = try train(dir, "6:relu,4")
        let q = dir.file("q.safetensors")
        _ = try quantize(model, q)

        func error(_ args: [String], code: Int32 = 1, env: [String] = [], line: UInt = #line) throws -> String {
            let r = try run(args, env: env)
            XCTAssertEqual(r.status, code, r.stderr, line: line)
            XCTAssertTrue(r.stderr.hasPrefix("error: "), r.stderr, line: line)
            XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, code == 2 ? 2 : 1, r.stderr, line: line)
            return String(r.stderr.dropFirst("error: ".count).prefix { $0 != "\n" })
        }
        XCTAssertEqual(
            try error(["train", "--resume", q, "--data", dir.path]),
            "\(q): is an INT8 model (mlp quantize), which cannot be trained further; --resume takes the float checkpoint written by --checkpoint"
        )
        XCTAssertEqual(
            try error(["quantize", "--model", q, "--out", dir.file("qq.safetensors")]),
            "\(q): is already an INT8 model (activations dynamic); quantize the float model it was made from")
        XCTAssertEqual(
            try error(["quantize", "--model", model, "--out", dir.file("x"), "--samples", "5"], code: 2),
            "--samples needs --data (the examples to calibrate on)")
        XCTAssertEqual(try error(["quantize", "--model", model], code: 2), "missing required flag --out")

        // Corrupted files: each a one-line error naming the file and the tensor, from every command.
        let good = try Safetensors.read(path: q)
        func corrupt(_ name: String, _ change: (inout SafetensorsFile) -> Void) throws -> String {
            var f = good
            change(&f)
            let path = dir.file(name)
            try Safetensors.write(f, to: path)
            return path
        }
        func replace(_ name: String, _ t: SafetensorsTensor) -> (inout SafetensorsFile) -> Void {
            { f in f.tensors = f.tensors.map { $0.name == name ? t : $0 } }
        }
        func meta(_ key: String, _ value: String?) -> (inout SafetensorsFile) -> Void {
            { f in f.metadata = f.metadata.filter { $0.0 != key } + (value.map { [(key, $0)] } ?? []) }
        }
        let scale = "layers.0.weight_scale"
        let cases: [(String, (inout SafetensorsFile) -> Void, String)] = [
            (
                "nan", replace(scale, SafetensorsTensor(name: scale, shape: [6], values: [0.1, .nan, 0.1, 0.1, 0.1, 0.1])),
                "tensor 'layers.0.weight_scale' holds nan at 1, expected finite values"
            ),
            (
                "negative", replace(scale, SafetensorsTensor(name: scale, shape: [6], values: [0.1, 0.1, -0.5, 0.1, 0.1, 0.1])),
                "tensor 'layers.0.weight_scale' holds -0.5 at 2, expected scales ≥ 0"
            ),
            (
                "shape", replace(scale, SafetensorsTensor(name: scale, shape: [7], values: [Float](repeating: 0.1, count: 7))),
                "tensor 'layers.0.weight_scale' has shape [7] but the INT8 architecture '6:relu,4' needs [6]"
            ),
            (
                "dtype",
                replace(
                    "layers.0.weight", SafetensorsTensor(name: "layers.0.weight", shape: [6, 16], values: [Float](repeating: 0, count: 96))),
                "tensor 'layers.0.weight' is F32, expected I8 (the INT8 weights)"
            ),
            (
                "scale-dtype", replace(scale, SafetensorsTensor(name: scale, shape: [6], int8Values: [1, 1, 1, 1, 1, 1])),
                "tensor 'layers.0.weight_scale' is I8, expected F32"
            ),
            (
                "minus128",
                replace(
                    "layers.1.weight",
                    SafetensorsTensor(name: "layers.1.weight", shape: [4, 6], int8Values: [Int8](repeating: -128, count: 24))),
                "tensor 'layers.1.weight' holds -128 at 0, expected INT8 weights in [-127, 127] (symmetric)"
            ),
            (
                "missing", { f in f.tensors.removeAll { $0.name == "layers.1.bias" } },
                "tensor 'layers.1.bias' is missing (the INT8 architecture '6:relu,4' needs it)"
            ),
            (
                "extra", { f in f.tensors.append(SafetensorsTensor(name: "layers.0.input_range", shape: [2], values: [0, 1])) },
                "tensor 'layers.0.input_range' is not part of the INT8 architecture '6:relu,4'"
            ),
            (
                "static-without-ranges",
                meta("quantization", #"{"scheme":"int8_symmetric_per_channel","activations":"static","calibration_samples":5}"#),
                "tensor 'layers.0.input_range' is missing (the INT8 architecture '6:relu,4' needs it)"
            ),
            (
                "scheme", meta("quantization", #"{"scheme":"int4","activations":"dynamic"}"#),
                "metadata \"quantization\" has scheme \"int4\", expected \"int8_symmetric_per_channel\""
            ),
            ("not-json", meta("quantization", "int8"), "metadata \"quantization\" is not a JSON object"),
            (
                "version", meta("format_version", "1"),
                "metadata has \"quantization\" but format_version 1; INT8 models are format_version 3"
            ),
            (
                "no-quantization", meta("quantization", nil),
                "format_version 3 is an INT8 model's, but the metadata has no \"quantization\""
            ),
            ("zero-width", meta("architecture", "0:relu,4"), "metadata \"architecture\": "),
        ]
        for (name, change, message) in cases {
            let path = try corrupt(name + ".safetensors", change)
            for command in [
                ["evaluate", "--model", path, "--data", dir.path], ["summary", path],
                ["predict", "--model", path, "--images", dir.file("t10k-images-idx3-ubyte")],
            ] {
                let e = try error(command)
                XCTAssertTrue(e.hasPrefix("\(path): \(message)"), "\(name) \(command[0]): \(e)")
            }
        }
        let range = try corrupt("range.safetensors") { f in
            f.metadata =
                f.metadata.filter { $0.0 != "quantization" } + [
                    ("quantization", #"{"scheme":"int8_symmetric_per_channel","activations":"static","calibration_samples":5}"#)
                ]
            f.tensors += [
                SafetensorsTensor(name: "layers.0.input_range", shape: [2], values: [2, 1]),
                SafetensorsTensor(name: "layers.1.input_range", shape: [2], values: [0, 1]),
            ]
        }
        XCTAssertEqual(
            try error(["summary", range]), "\(range): tensor 'layers.0.input_range' is [2.0, 1.0], expected [min, max] with min ≤ max")

        // Without oneDNN: the commands that run INT8 say which library and which package; summary
        // and inspect (which do not) still work. A float model never needs it.
        let missing = ["MLP_ONEDNN_LIBRARY=/nonexistent/libdnnl.so.2"]
        for args in [
            ["evaluate", "--model", q, "--data", dir.path], ["predict", "--model", q, "--images", dir.file("t10k-images-idx3-ubyte")],
            ["quantize", "--model", model, "--out", dir.file("s.safetensors"), "--data", dir.path],
        ] {
            let e = try error(args, env: missing)
            XCTAssertTrue(e.contains("INT8 inference needs oneDNN, and /nonexistent/libdnnl.so.2: cannot open shared object file"), e)
            XCTAssertTrue(e.hasSuffix("install it with: apt-get install libdnnl2 (or libdnnl-dev)"), e)
        }
        XCTAssertEqual(try run(["summary", q], env: missing).status, 0)
        XCTAssertEqual(try run(["inspect", q], env: missing).status, 0)
        XCTAssertEqual(try run(["quantize", "--model", model, "--out", dir.file("d.safetensors")], env: missing).status, 0)
        XCTAssertEqual(try run(["evaluate", "--model", model, "--data", dir.path], env: missing).status, 0)
        let version = try run(["--version"], env: missing)
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(
            version.stdout.contains("\nINT8 inference (oneDNN): not available: INT8 inference needs oneDNN, and /nonexistent/libdnnl.so.2"),
            version.stdout)
    }

    /// Random corruptions of a valid INT8 file (static, with a float batch norm) are refused with one
    /// line or load and run; never a trap. In process, deterministic.
    func testCorruptedInt8FilesNeverTrap() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 64)
        let model = try train(dir, "6:relu,batchnorm,4:tanh,4")
        let q = dir.file("q.safetensors")
        let canCalibrate = Self.levels != nil
        _ = try quantize(model, q, canCalibrate ? ["--data", dir.path] : [])
        let valid = Array(try Data(contentsOf: URL(fileURLWithPath: q)))
        var rng = SeededGenerator(seed: 99)
        func next(_ n: Int) -> Int { Int(rng.next() >> 33) % max(n, 1) }
        var loaded = 0
        var refused = 0
        var ran = 0
        let zeros = [Float](repeating: 0, count: 16 * 3)
        for i in 0..<400 {
            let which = "corruption \(i) from seed \(rng.seed)"
            var bytes = valid
            for _ in 0...next(3) {
                switch next(3) {
                case 0: bytes[next(bytes.count)] = UInt8(next(256))
                case 1 where bytes.count > 8: bytes[8 + next(min(600, bytes.count - 8))] = Array("{}[]\",:0-e.9I8F32".utf8)[next(17)]
                default: bytes = Array(bytes.prefix(next(bytes.count + 1)))
                }
            }
            guard let file = try? Safetensors.decode(bytes, path: "m") else {
                refused += 1
                continue
            }
            do {
                let m = try ModelFile.build(file, path: "m")
                loaded += 1
                let x = Matrix(rows: 3, cols: m.network.inputFeatures)
                XCTAssertEqual(m.network.predict(x).rows, 3, which)
                if let qm = m.quantized, canCalibrate, ran < 5 {
                    ran += 1
                    _ = try? zeros.withUnsafeBufferPointer { try qm.forward(floats: $0.baseAddress!, rows: 3) }
                }
            } catch {
                refused += 1
                let error = CLIError.from(error)
                XCTAssertEqual(error.code, .dataError, which)
                XCTAssertFalse(error.message.contains("\n"), "\(which): \(error.message)")
                XCTAssertTrue(error.message.hasPrefix("m: "), "\(which): \(error.message)")
            }
        }
        XCTAssertGreaterThan(loaded, 0)
        XCTAssertGreaterThan(refused, 0)
    }

    func testVersionReportsOneDNN() throws {
        _ = try requireOneDNN()
        let r = try MLP.run(["--version"])
        let line = try XCTUnwrap(r.stdout.split(separator: "\n").last)
        XCTAssertTrue(line.hasPrefix("INT8 inference (oneDNN): oneDNN 2."), String(line))
        XCTAssertTrue(line.contains("(libdnnl.so.2, OpenMP)"), String(line))
    }

    // MARK: Independent readers

    /// Scripts/numpy_predict.py does mlp's INT8 arithmetic from the file alone and gets its classes,
    /// for dynamic and static models, whole files and a padded batch of 3 (--limit 3).
    func testNumPyReproducesInt8Predictions() throws {
        let levels = try requireOneDNN()
        let probe = try shell("python3 -c 'import safetensors.numpy, numpy'")
        try XCTSkipUnless(probe.status == 0, "python3 with safetensors and numpy is not installed")
        let dir = try TempDir()
        try Synthetic.quadrants(dir)
        let model = try train(dir, "12:relu,batchnorm,8:relu,4")
        let images = dir.file("t10k-images-idx3-ubyte")
        for extra in [[], ["--data", dir.path, "--samples", "100"]] {
            let q = dir.file("q.safetensors")
            _ = try quantize(model, q, extra)
            for limit in [256, 3] {
                let classes = try predictedClasses(["--model", q, "--images", images, "--limit", "\(limit)"])
                let np = try shell("python3 '\(Self.numpyScript)' '\(q)' '\(images)' \(limit) --levels \(levels)")
                XCTAssertEqual(np.status, 0, np.stderr)
                XCTAssertEqual(np.stdout.split(separator: "\n"), classes, "\(extra) limit \(limit)")
            }
        }
    }

    /// onnxruntime runs the exported INT8 graph and reproduces `mlp predict --json`.
    ///
    /// Tolerance, where mlp's activations use u8 levels 0–255 (CPUs with VNNI or AMX): 1e-4. Both
    /// quantize every activation to the same u8 levels and compute the same exact int32 sums; they
    /// differ only in the float epilogue's rounding (oneDNN: (sum·s_w)·s_x + b; the graph: sum·(s_x·s_w)
    /// + b) and softmax, a few ulps, unless a hidden value lands within an ulp of a rounding boundary
    /// and moves one level. Measured: at most 5e-7 over 1,000 MNIST images.
    ///
    /// Where mlp uses levels 0–127 (no VNNI: 0–255 could saturate oneDNN's 16-bit pair sums), ONNX's
    /// DynamicQuantizeLinear still uses 0–255, so the two quantize with steps of range/127 and range/255
    /// and agree only to within INT8's own error: the test then asks for the same class on 95% of
    /// rows and probabilities within 0.1. This machine runs that path too, by capping oneDNN's
    /// instruction set at AVX2 (ONEDNN_MAX_CPU_ISA), which mlp's --version then reports as 0–127.
    func testOnnxruntimeReproducesInt8Predictions() throws {
        let levels = try requireOneDNN()
        let dir = try TempDir()
        try Synthetic.quadrants(dir)
        let images = dir.file("t10k-images-idx3-ubyte")
        let model = try train(dir, "16:relu,batchnorm,8:tanh,leaky_relu,4")  // a float batch norm between INT8 runs
        for extra in [[], ["--data", dir.path, "--samples", "100"]] {
            let q = dir.file("q.safetensors")
            let onnx = dir.file("q.onnx")
            _ = try quantize(model, q, extra)
            let e = try MLP.run(["export", "--model", q, "--out", onnx])
            XCTAssertEqual(e.status, 0, e.stderr)
            let ort = try onnxruntime(onnx, images)
            let exact = try probabilities(["--model", q, "--images", images])
            compare(ort, exact, reduced: levels < 255, "\(extra)")
            let avx2 = ["ONEDNN_MAX_CPU_ISA=AVX2"]
            XCTAssertTrue(try run(["--version"], env: avx2).stdout.contains("activations 0–127"))
            compare(ort, try probabilities(["--model", q, "--images", images], env: avx2), reduced: true, "\(extra) AVX2")
        }
    }

    /// onnxruntime's outputs for an IDX file, through Scripts/onnx_check.py; skipped without it.
    func onnxruntime(_ model: String, _ input: String) throws -> [[Double]] {
        let r = try MLP.run(["python3", ExportCommandTests.script, model, input], executable: "/usr/bin/env")
        if r.status == 3 { throw XCTSkip("onnx/onnxruntime not importable: \(r.stderr)") }
        XCTAssertEqual(r.status, 0, r.stderr)
        guard case .array(let rows)? = try JSONValue.parse(Array(r.stdout.utf8))["outputs"] else {
            XCTFail("no outputs")
            return []
        }
        return rows.map { row in
            guard case .array(let xs) = row else { return [] }
            return xs.map {
                if case .number(let d) = $0 { return d }
                return .nan
            }
        }
    }

    func compare(_ ort: [[Double]], _ mlp: [[Double]], reduced: Bool, _ what: String, line: UInt = #line) {
        XCTAssertEqual(ort.count, mlp.count, what, line: line)
        let worst = zip(ort, mlp).map { zip($0, $1).map { abs($0 - $1) }.max() ?? .infinity }.max() ?? 0
        if reduced {
            let same = zip(ort, mlp).filter { a, b in a.indices.max { a[$0] < a[$1] } == b.indices.max { b[$0] < b[$1] } }.count
            XCTAssertGreaterThanOrEqual(Double(same), 0.95 * Double(ort.count), what, line: line)
            XCTAssertLessThan(worst, 0.1, what, line: line)
        } else {
            XCTAssertLessThan(worst, 1e-4, what, line: line)
        }
    }
}
