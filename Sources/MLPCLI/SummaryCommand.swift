// `mlp summary MODEL`: what a saved model is, layer by layer, and how it was trained.
import Formats
import Model

enum SummaryCommand {
    static let flags: [Flag] = [Flags.model.helped("the model file (or give it as the first argument)"), Flags.json]

    static let usage = "mlp summary MODEL [--json]"

    /// Everything `mlp summary` reads from its command line.
    struct Options {
        let model: String
        let json: Bool
        init(_ a: Arguments) throws(CLIError) {
            model = try a.required(Flags.model)
            json = a.has(Flags.json)
        }
    }

    static func run(_ a: Arguments) throws(CLIError) -> ExitCode {
        let o = try Options(a)
        let path = o.model
        let model = try ModelFile.load(path)
        let net = model.network
        let t = ModelSummary.totals(net)
        if o.json {
            var layers: [JSONValue] = []
            for (i, l) in net.layers.enumerated() {
                let (params, buffers) = ModelSummary.counts(net, layer: i)
                let act: JSONValue = l.spec.kind.activation.map { JSONValue($0.token) } ?? .null
                let shape: JSONValue = .array([.null, JSONValue(l.outputFeatures)])
                layers.append(.object([("index", JSONValue(i)), ("layer", JSONValue(l.spec.kind.displayName)),
                                       ("token", JSONValue(l.token)), ("output_shape", shape),
                                       ("parameters", JSONValue(params)), ("buffers", JSONValue(buffers)),
                                       ("activation", act)]))
            }
            Console.out(JSONValue.object([
                ("architecture", JSONValue(net.architecture)), ("input_shape", .array([.null, JSONValue(net.inputFeatures)])),
                ("classes", JSONValue(net.classes)), ("loss", JSONValue(net.loss.token)), ("layers", .array(layers)),
                ("trainable_parameters", JSONValue(t.parameters)), ("non_trainable_buffers", JSONValue(t.buffers)),
                ("bytes", JSONValue(t.bytes)),
                ("metadata", .object(model.metadata.map { ($0.0, JSONValue($0.1)) })),
            ]).serialized())
            return .ok
        }
        Console.out("model \(path): \(net.inputFeatures)→\(net.architecture), input \(model.inputRows)×\(model.inputCols), \(net.classes) classes, loss \(net.loss.token)")
        let trained = ["optimizer", "epochs", "batch_size", "seed", "test_accuracy", "mlp_version"].compactMap { key in
            model.metadata.first { $0.0 == key }.map { "\(String(key.map { $0 == "_" ? " " : $0 })) \($0.1)" }
        }
        if !trained.isEmpty { Console.out("trained with " + trained.joined(separator: ", ")) }
        Console.out("")
        Console.out(ModelSummary.render(net))
        return .ok
    }
}
