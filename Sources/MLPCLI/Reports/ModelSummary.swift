// A Keras-like table of a network's layers: output shape, parameter count, activation, totals.
// `mlp summary` prints it on stdout (for a model or a checkpoint); `mlp train` prints the same table
// on stderr before training.
import Formats
import Model
import Training

enum ModelSummary {
    /// The table and its totals, without a trailing newline.
    static func render(_ network: Network) -> String {
        var table = TextTable([
            ("#", .right), ("layer", .left), ("output shape", .left), ("params", .right),
            ("buffers", .right), ("activation", .left),
        ])
        table.add(["", "Input", shape(network.inputFeatures), "0", "0", ""])
        for (i, layer) in network.layers.enumerated() {
            let (params, buffers) = counts(network, layer: i)
            let kind = layer.spec.kind
            table.add([
                "\(i)", kind.displayName, shape(layer.outputFeatures), grouped(params), grouped(buffers),
                kind.activation?.token ?? "",
            ])
        }
        let t = totals(network)
        return table.render() + "\n" + "trainable parameters \(grouped(t.parameters)), non-trainable buffers \(grouped(t.buffers)), "
            + "\(grouped(t.bytes)) bytes as float32"
    }

    /// The layers as `mlp summary --json` lists them.
    static func layersJSON(_ net: Network) -> JSONValue {
        .array(
            net.layers.enumerated().map { i, l in
                let (params, buffers) = counts(net, layer: i)
                let act: JSONValue = l.spec.kind.activation.map { JSONValue($0.token) } ?? .null
                let shape: JSONValue = .array([.null, JSONValue(l.outputFeatures)])
                return .object([
                    ("index", JSONValue(i)), ("layer", JSONValue(l.spec.kind.displayName)),
                    ("token", JSONValue(l.token)), ("output_shape", shape),
                    ("parameters", JSONValue(params)), ("buffers", JSONValue(buffers)),
                    ("activation", act),
                ])
            })
    }

    /// Layer i's trainable values and untrained saved values, from its declared tensors.
    static func counts(_ network: Network, layer i: Int) -> (parameters: Int, buffers: Int) {
        let ts = network.store.tensors(ofLayer: i)
        return (ts.filter(\.isParameter).reduce(0) { $0 + $1.count }, ts.filter { !$0.isParameter }.reduce(0) { $0 + $1.count })
    }

    static func totals(_ network: Network) -> (parameters: Int, buffers: Int, bytes: Int) {
        let p = network.store.parameterCount
        let b = network.store.stateCount
        return (p, b, (p + b) * MemoryLayout<Float>.size)
    }

    /// "(None, 128)": the batch dimension is free, as Keras prints it.
    static func shape(_ features: Int) -> String { "(None, \(features))" }
}
