// `mlp inspect MODEL [--data DIR | --images FILE] [--samples N]`: per tensor, statistics and a
// histogram of the values; with images, dead ReLU-family and saturated sigmoid/tanh units.
import Formats
import Model
import Quantized
import Training

enum InspectCommand {
    static let flags: [Flag] = [
        Flags.model.helped("the model file (or give it as the first argument)"),
        Flags.data.helped("measure units on the test images in DIR (t10k-images-idx3-ubyte, raw or .gz)"),
        Flags.images.helped("measure units on these images instead (IDX, PGM or PNG)"), Flags.samples, Flags.json,
    ]

    static let usage = "mlp inspect MODEL [--data DIR | --images FILE] [--samples N] [--json]"

    /// Everything `mlp inspect` reads from its command line.
    struct Options {
        let model: String
        let dataDir: String?, images: String?
        let samples: Int
        let json: Bool

        init(_ a: Arguments) throws(CLIError) {
            model = try a.required(Flags.model)
            samples = try a.int(Flags.samples, default: 1000)
            dataDir = a.string(Flags.data)
            images = a.string(Flags.images)
            json = a.has(Flags.json)
            if dataDir != nil && images != nil {
                throw .usage("--data and --images both name the images; give one", command: a.command)
            }
            if a.has(Flags.samples) && dataDir == nil && images == nil {
                throw .usage("--samples needs --data DIR or --images FILE", command: a.command)
            }
        }
    }

    static func run(_ a: Arguments) throws(CLIError) -> ExitCode {
        let o = try Options(a)
        let path = o.model
        let samples = o.samples
        let model = try library { try ModelFile.load(path) }
        let net = model.network
        let tensors = namedTensors(net)
        var activity: (images: String, samples: Int, units: [UnitActivity])?
        if o.dataDir != nil || o.images != nil {
            var imagesPath = o.images ?? ""
            if imagesPath.isEmpty {
                imagesPath = try DataFiles.resolve(
                    dir: o.dataDir, name: ImageFiles.testImages, file: o.images, override: Flags.images, command: a.command)
            }
            let data = try loadImages(imagesPath, limit: samples, scale: model.inputScale)
            try EvaluateCommand.checkShape(data, model, path: imagesPath)
            activity = (imagesPath, data.count, UnitActivity.measure(net, on: data, samples: data.count))
        }
        if o.json {
            printJSON(path, net, tensors, activity, quantized: model.quantized)
        } else {
            printText(path, net, tensors, activity, quantized: model.quantized)
        }
        return .ok
    }

    struct Tensor {
        let name: String, layer: Int, shape: [Int]
        let stats: WeightStatistics
        /// The default initializer's standard deviation, for dense weights.
        let initStd: Double?
    }

    /// Every trained tensor; weight matrices carry the standard deviation their default initializer
    /// aims for (from their declaration).
    static func namedTensors(_ net: Network) -> [Tensor] {
        net.store.parameters.map { p -> Tensor in
            var initStd: Double?
            if case .weights(let fanIn, let fanOut, let act) = p.declaration.initial {
                initStd = Double(Initializer.defaultFor(act).expectedStd(fanIn: fanIn, fanOut: fanOut, activation: act))
            }
            return Tensor(name: p.name, layer: p.layer, shape: p.shape, stats: WeightStatistics(p.values), initStd: initStd)
        }
    }

    /// The first `limit` images of an IDX, PGM or PNG file, as an unlabelled dataset.
    static func loadImages(_ path: String, limit: Int, scale: Float) throws(CLIError) -> Dataset {
        let images: IDXImages
        do { images = try ImageFiles.readImages(path) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(path): \(error)")
        }
        let n = min(images.count, limit)
        let f = images.rows * images.cols
        return Dataset(
            pixels: Array(images.pixels[0..<(n * f)]), labels: [Int32](repeating: 0, count: n),
            count: n, rows: images.rows, cols: images.cols, scale: scale)
    }

    static func num(_ x: Double) -> String {
        let a = abs(x)
        return a != 0 && (a < 1e-3 || a >= 1e4) ? scientific(x) : fixed(x, 4)
    }

    static func percent(_ x: Double) -> String { fixed(100 * x, 1) + "%" }

    static func printText(
        _ path: String, _ net: Network, _ tensors: [Tensor],
        _ activity: (images: String, samples: Int, units: [UnitActivity])?, quantized: QuantizedModel? = nil
    ) {
        Console.out("model \(path): \(net.inputFeatures)→\(net.architecture)")
        if let q = quantized {
            // The INT8 weights are shown as the values they stand for, scale·q; the units are measured
            // through the float network with those weights.
            Console.out(
                "INT8 model, \(q.activationsText): dense weights shown dequantized (weight_scale·q)\(activity == nil ? "" : ", units measured in float with them")"
            )
        }
        Console.out("")
        Console.out(
            "weights and biases: near zero means |w| < \(WeightStatistics.nearZeroThreshold); std/init is the std over the default initializer's (He for the ReLU family, Xavier otherwise); histogram: \(WeightStatistics.bins) equal bins from min to max"
        )
        var table = TextTable([
            ("tensor", .left), ("shape", .left), ("mean", .right), ("std", .right), ("min", .right),
            ("max", .right), ("near zero", .right), ("std/init", .right), ("histogram", .left),
        ])
        for t in tensors {
            let s = t.stats
            table.add([
                t.name, "[" + t.shape.map(String.init).joined(separator: ", ") + "]", num(s.mean), num(s.std),
                num(s.min), num(s.max), percent(s.nearZero),
                t.initStd.map { $0 > 0 ? fixed(s.std / $0, 2) : "" } ?? "", s.sparkline,
            ])
        }
        Console.out(table.render())
        guard let activity else { return }
        Console.out("")
        Console.out("units on the first \(activity.samples) image\(activity.samples == 1 ? "" : "s") of \(activity.images)")
        Console.out(UnitActivity.rules)
        var units = TextTable([
            ("layer", .right), ("activation", .left), ("units", .right), ("rule", .left),
            ("flagged", .right), ("fraction", .right), ("inactive outputs", .right),
        ])
        for u in activity.units {
            units.add([
                "\(u.layer)", u.activation.token, "\(u.units)", u.rule.rawValue, "\(u.flagged)",
                percent(u.flaggedFraction), percent(u.inactiveOutputs),
            ])
        }
        Console.out(activity.units.isEmpty ? "no layer applies a non-linear activation" : units.render())
    }

    static func printJSON(
        _ path: String, _ net: Network, _ tensors: [Tensor],
        _ activity: (images: String, samples: Int, units: [UnitActivity])?, quantized: QuantizedModel? = nil
    ) {
        let ts: [JSONValue] = tensors.map { t in
            let s = t.stats
            return .object([
                ("name", JSONValue(t.name)), ("layer", JSONValue(t.layer)), ("shape", .array(t.shape.map { JSONValue($0) })),
                ("count", JSONValue(s.count)), ("mean", JSONValue(s.mean)), ("std", JSONValue(s.std)),
                ("min", JSONValue(s.min)), ("max", JSONValue(s.max)), ("near_zero", JSONValue(s.nearZero)),
                ("init_std", t.initStd.map { JSONValue($0) } ?? .null),
                ("histogram", .array(s.histogram.map { JSONValue($0) })),
            ])
        }
        var members: [(String, JSONValue)] = [
            ("model", JSONValue(path)), ("architecture", JSONValue(net.architecture)),
            ("near_zero_threshold", JSONValue(WeightStatistics.nearZeroThreshold)),
            ("histogram_bins", JSONValue(WeightStatistics.bins)), ("tensors", .array(ts)),
        ]
        if let q = quantized {
            members.insert(("quantization", .object([("activations", JSONValue(q.activations.name)), ("weights", "dequantized")])), at: 2)
        }
        if let activity {
            let us: [JSONValue] = activity.units.map { u in
                .object([
                    ("layer", JSONValue(u.layer)), ("activation", JSONValue(u.activation.token)), ("units", JSONValue(u.units)),
                    ("rule", JSONValue(u.rule.rawValue)), ("flagged", JSONValue(u.flagged)),
                    ("fraction", JSONValue(u.flaggedFraction)), ("inactive_outputs", JSONValue(u.inactiveOutputs)),
                ])
            }
            members.append(
                (
                    "units",
                    .object([
                        ("images", JSONValue(activity.images)), ("samples", JSONValue(activity.samples)),
                        ("rules", JSONValue(UnitActivity.rules)), ("layers", .array(us)),
                    ])
                ))
        }
        Console.out(JSONValue.object(members).serialized())
    }
}

/// x as "1.23e-05".
func scientific(_ x: Double) -> String {
    guard x.isFinite, x != 0 else { return fixed(x, 4) }
    var e = 0
    var m = abs(x)
    while m >= 10 {
        m /= 10
        e += 1
    }
    while m < 1 {
        m *= 10
        e -= 1
    }
    var text = fixed(m, 2)
    if text == "10.00" {
        text = "1.00"
        e += 1
    }
    return (x < 0 ? "-" : "") + text + "e" + (e < 0 ? "-" : "+") + (abs(e) < 10 ? "0" : "") + "\(abs(e))"
}
