// An independent forward pass over an ONNXExport description, in Double, written from the layer
// definitions (not from the graph builder), to compare onnxruntime's outputs with.
// INT8 layers repeat the quantization arithmetic the graph documents, in Float32 where onnxruntime
// works in Float32 (scales, rounding), with exact integer sums.

import Formats
import Foundation
import TestSupport

enum ONNXReference {
    /// Rows through the whole description: input transform, layers, output.
    static func forward(
        _ rows: [[Float]], input: ONNXExport.Input, layers: [ONNXExport.Layer], output: ONNXExport.Output,
        quantization: ONNXExport.ActivationQuantization = .uint8Asymmetric
    ) -> [[Double]] {
        var x: [[Double]] = rows.map { $0.map(Double.init) }
        switch input {
        case .identity: break
        case .scale(let s): x = x.map { $0.map { $0 * Double(s) } }
        case .standardize(let mean, let std):
            x = x.map { r in r.indices.map { (r[$0] - Double(mean[$0])) / Double(std[$0]) } }
        }
        for layer in layers {
            switch layer {
            case .dense(let w, let out, let inputs, let b, let act):
                x = x.map { r in
                    (0..<out).map { o in
                        var z = Double(b[o])
                        for k in 0..<inputs { z += Double(w[o * inputs + k]) * r[k] }
                        return activate(act, z)
                    }
                }
            case .batchNorm(let g, let beta, let mean, let variance, let eps):
                x = x.map { r in
                    r.indices.map { j in
                        Double(g[j]) * (r[j] - Double(mean[j])) / (Double(variance[j]) + Double(eps)).squareRoot()
                            + Double(beta[j])
                    }
                }
            case .activation(let act):
                x = x.map { $0.map { activate(act, $0) } }
            case .dropout:
                break
            case .int8Dense(let w, let scales, let out, let inputs, let b, let act):
                x = int8Dense(x.map { $0.map { Float($0) } }, w, scales, out, inputs, b, quantization)
                    .map { $0.map { activate(act, $0) } }
            case .int8DenseFixedGrid(let w, let scales, let out, let inputs, let b, let act, let s, let zp):
                x = int8Dense(x.map { $0.map { Float($0) } }, w, scales, out, inputs, b, quantization, grid: (s, zp))
                    .map { $0.map { activate(act, $0) } }
            }
        }
        switch output {
        case .identity:
            return x
        case .sigmoid:
            return x.map { $0.map { 1 / (1 + exp(-$0)) } }
        case .softmax:
            return x.map { r in
                let m = r.max() ?? 0
                let e = r.map { exp($0 - m) }
                let sum = e.reduce(0, +)
                return e.map { $0 / sum }
            }
        case .unstandardize(let mean, let std):
            return x.map { r in r.indices.map { r[$0] * Double(std[$0]) + Double(mean[$0]) } }
        }
    }

    /// The activation tokens, from their definitions (GELU: the tanh approximation).
    static func activate(_ token: String, _ z: Double) -> Double {
        let parts = token.split(separator: ":")
        switch parts[0] {
        case "relu": return max(z, 0)
        case "leaky_relu": return z > 0 ? z : (parts.count > 1 ? Double(parts[1])! : 0.01) * z
        case "sigmoid": return 1 / (1 + exp(-z))
        case "tanh": return tanh(z)
        case "gelu": return 0.5 * z * (1 + tanh((2 / Double.pi).squareRoot() * (z + 0.044715 * z * z * z)))
        case "swish", "silu": return z / (1 + exp(-z))
        default: return z
        }
    }

    /// One batch through an INT8 layer: activations quantized with one scale for the batch, integer
    /// sums, then float(sum)·(s·scale[o]) + b[o] in Float32, the order the graph uses.
    static func int8Dense(
        _ x: [[Float]], _ w: [Int8], _ scales: [Float], _ out: Int, _ inputs: Int, _ b: [Float],
        _ mode: ONNXExport.ActivationQuantization, grid: (Float, UInt8)? = nil
    ) -> [[Double]] {
        let all = x.joined()
        let s: Float
        let zp: Int32
        let lo: Float
        let hi: Float
        switch mode {
        case _ where grid != nil:
            // QuantizeLinear with a fixed scale and u8 zero point.
            (s, zp, lo, hi) = (grid!.0, Int32(grid!.1), 0, 255)
        case .uint8Asymmetric:
            // ONNX DynamicQuantizeLinear: the range always includes 0.
            let mn = min(all.min() ?? 0, 0)
            let mx = max(all.max() ?? 0, 0)
            s = mx == mn ? 1 : (mx - mn) / 255
            zp = Int32((0 - mn / s).clamped(0, 255).rounded(.toNearestOrEven))
            (lo, hi) = (0, 255)
        case .int8Symmetric:
            let m = all.map(abs).max() ?? 0
            s = max(m / 127, Float.leastNormalMagnitude)
            zp = 0
            (lo, hi) = (-128, 127)
        }
        let q = x.map { r in r.map { Int32(($0 / s).rounded(.toNearestOrEven) + Float(zp)).clamped(Int32(lo), Int32(hi)) } }
        return q.map { r in
            (0..<out).map { o in
                var sum: Int32 = 0
                for k in 0..<inputs { sum += (r[k] - zp) * Int32(w[o * inputs + k]) }
                let y: Float = Float(sum) * (s * scales[o]) + b[o]
                return Double(y)
            }
        }
    }
}

extension Comparable {
    func clamped(_ lo: Self, _ hi: Self) -> Self { min(max(self, lo), hi) }
}

/// The weights, inputs and INT8 values of the ONNX tests.
extension SeededGenerator {
    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Float, _ hi: Float) -> Float {
        lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24)
    }
    mutating func floats(_ n: Int, _ lo: Float, _ hi: Float) -> [Float] { (0..<n).map { _ in uniform(lo, hi) } }
    mutating func int8s(_ n: Int) -> [Int8] { (0..<n).map { _ in Int8.random(in: -127...127, using: &self) } }
    mutating func rows(_ n: Int, _ width: Int, _ lo: Float, _ hi: Float) -> [[Float]] {
        (0..<n).map { _ in floats(width, lo, hi) }
    }
}
