// A Keras-like table of a network's layers: output shape, parameter count, activation, totals.
// `mlp summary` prints it on stdout; `mlp train` prints the same table on stderr before training.
import Model

enum ModelSummary {
    /// The table and its totals, without a trailing newline.
    static func render(_ network: Network) -> String {
        var table = TextTable([("#", .right), ("layer", .left), ("output shape", .left), ("params", .right),
                               ("buffers", .right), ("activation", .left)])
        table.add(["", "Input", shape(network.inputFeatures), "0", "0", ""])
        for (i, layer) in network.layers.enumerated() {
            let params = layer.parameters.reduce(0) { $0 + $1.count }
            let buffers = layer.buffers.reduce(0) { $0 + $1.value.count }
            table.add(["\(i)", kind(layer), shape(layer.outputFeatures), grouped(params), grouped(buffers),
                       activation(layer) ?? ""])
        }
        let t = totals(network)
        return table.render() + "\n" + "trainable parameters \(grouped(t.parameters)), non-trainable buffers \(grouped(t.buffers)), "
            + "\(grouped(t.bytes)) bytes as float32"
    }

    static func totals(_ network: Network) -> (parameters: Int, buffers: Int, bytes: Int) {
        let p = network.parameterCount
        let b = network.namedBuffers.reduce(0) { $0 + $1.value.count }
        return (p, b, (p + b) * MemoryLayout<Float>.size)
    }

    /// "(None, 128)": the batch dimension is free, as Keras prints it.
    static func shape(_ features: Int) -> String { "(None, \(features))" }

    /// The layer's type as a reader knows it: Dense, ReLU, Dropout(0.2), BatchNorm.
    static func kind(_ layer: Layer) -> String {
        switch layer {
        case is Dense: return "Dense"
        case let a as ActivationLayer: return activationName(a.activation)
        case let d as Dropout: return "Dropout(\(d.rate))"
        case let b as BatchNorm: return b.momentum == 0.1 ? "BatchNorm" : "BatchNorm(momentum \(b.momentum))"
        default: return layer.token
        }
    }

    /// The activation a layer applies, if it applies one.
    static func activation(_ layer: Layer) -> String? {
        switch layer {
        case let d as Dense: return d.activation.token
        case let a as ActivationLayer: return a.activation.token
        default: return nil
        }
    }

    static func activationName(_ a: Activation) -> String {
        switch a {
        case .linear: return "Linear"
        case .relu: return "ReLU"
        case .leakyReLU(let alpha): return "LeakyReLU(\(alpha))"
        case .sigmoid: return "Sigmoid"
        case .tanh: return "Tanh"
        case .gelu: return "GELU"
        case .swish: return "Swish"
        }
    }
}
