import Foundation
// A plain Double-precision reference of every layer and loss, written as directly as possible
// from the formulas, with no buffers shared with the Model target. Gradient checks take central
// finite differences of this reference and compare them with Model's hand-derived Float gradients.
import Model

struct Reference {
    let specs: [LayerSpec]
    let lossToken: String
    /// Parameters by model-file name ("layers.0.weight"), as Double.
    var params: [String: [Double]]
    /// Dropout masks by layer index, taken from the Float network's last forward.
    var masks: [Int: [Double]] = [:]
    let inputs: Int

    init(_ net: Network, lossToken: String) {
        specs = net.specs
        self.lossToken = lossToken
        inputs = net.inputFeatures
        var p: [String: [Double]] = [:]
        for t in net.store.parameters { p[t.name] = t.values.map(Double.init) }
        params = p
        for (i, layer) in net.layers.enumerated() {
            if let d = layer as? Dropout, d.rate > 0 { masks[i] = d.mask.values.map(Double.init) }
        }
    }

    static func act(_ a: Activation, _ z: Double) -> Double {
        switch a {
        case .linear: return z
        case .relu: return max(z, 0)
        case .leakyReLU(let alpha): return z > 0 ? z : Double(alpha) * z
        case .sigmoid: return 1 / (1 + exp(-z))
        case .tanh: return tanh(z)
        case .gelu: return 0.5 * z * (1 + tanh((2 / Double.pi).squareRoot() * (z + 0.044715 * z * z * z)))
        case .swish: return z / (1 + exp(-z))
        }
    }

    /// Rows of the last layer's output for inputs x (rows of `inputs` values), in training mode.
    func forward(_ x: [[Double]]) -> [[Double]] {
        var h = x
        for (i, spec) in specs.enumerated() {
            switch spec.kind {
            case let d as DenseKind:
                let units = d.outputs
                let a = d.activationFunction
                let w = params["layers.\(i).weight"]!
                let b = params["layers.\(i).bias"]!
                let n = h[0].count
                h = h.map { row in
                    (0..<units).map { o in
                        var z = b[o]
                        for k in 0..<n { z += row[k] * w[o * n + k] }
                        return Reference.act(a, z)
                    }
                }
            case let k as ActivationKind:
                h = h.map { $0.map { Reference.act(k.function, $0) } }
            case is DropoutKind:
                if let m = masks[i] {
                    let f = h[0].count
                    h = h.enumerated().map { r, row in row.enumerated().map { $0.element * m[r * f + $0.offset] } }
                }
            case is BatchNormKind:
                let g = params["layers.\(i).weight"]!
                let b = params["layers.\(i).bias"]!
                let bsz = Double(h.count)
                let f = h[0].count
                var out = h
                for j in 0..<f {
                    let col = h.map { $0[j] }
                    let mu = col.reduce(0, +) / bsz
                    let v = col.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / bsz
                    for r in 0..<h.count { out[r][j] = g[j] * (h[r][j] - mu) / (v + 1e-5).squareRoot() + b[j] }
                }
                h = out
            default:
                fatalError("no reference for layer \(spec.token)")
            }
        }
        return h
    }

    /// Mean loss of outputs against labels (or dense targets).
    func loss(_ out: [[Double]], labels: [Int], targets: [[Double]]? = nil) -> Double {
        let c = out[0].count
        let parts = lossToken.split(separator: ":")
        var total = 0.0
        for (r, z) in out.enumerated() {
            let t: [Double] = targets?[r] ?? (0..<c).map { $0 == labels[r] ? 1.0 : 0.0 }
            switch parts[0] {
            case "cross_entropy":
                let eps = parts.count > 1 ? Double(parts[1])! : 0
                let q = targets?[r] ?? t.map { (1 - eps) * $0 + eps / Double(c) }
                let m = z.max()!
                let lse = log(z.map { exp($0 - m) }.reduce(0, +)) + m
                total += -zip(q, z).map { $0 * ($1 - lse) }.reduce(0, +)
            case "mse":
                total += zip(z, t).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(c)
            case "mae":
                total += zip(z, t).map { abs($0 - $1) }.reduce(0, +) / Double(c)
            case "huber":
                let k = parts.count > 1 ? Double(parts[1])! : 1
                total +=
                    zip(z, t).map { zi, ti in
                        let d = abs(zi - ti)
                        return d <= k ? 0.5 * d * d : k * (d - 0.5 * k)
                    }.reduce(0, +) / Double(c)
            case "bce":
                total +=
                    zip(z, t).map { zi, ti in
                        let s = 1 / (1 + exp(-zi))
                        return -(ti * log(s) + (1 - ti) * log(1 - s))
                    }.reduce(0, +) / Double(c)
            default: fatalError("unknown loss \(lossToken)")
            }
        }
        return total / Double(out.count)
    }

    func lossOf(_ x: [[Double]], labels: [Int], targets: [[Double]]? = nil) -> Double {
        loss(forward(x), labels: labels, targets: targets)
    }
}

/// Relative error that stays meaningful near zero: |a − b| / max(|a|, |b|, floor).
func relativeError(_ a: Double, _ b: Double, floor: Double = 1e-3) -> Double {
    abs(a - b) / max(abs(a), abs(b), floor)
}
