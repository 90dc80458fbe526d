// Builds the ONNX graph of an ONNXExport network, one layer at a time, checking every layer's sizes.
//
// How each layer is written (opset 17):
//   dense            Gemm(x, W, b, transB = 1): W stays [out, in] as stored, as PyTorch exports nn.Linear
//   batch norm       folded into the linear dense layer before it (Options.foldBatchNorm), otherwise
//                    BatchNormalization (inference mode: the running mean and variance)
//   relu, sigmoid, tanh   Relu, Sigmoid, Tanh;  leaky_relu:A  LeakyRelu(alpha = A)
//   swish            x·Sigmoid(x), which onnxruntime fuses into its QuickGelu kernel (alpha 1)
//   gelu             0.5·x·(1 + Tanh(√(2/π)·(x + 0.044715·x³))), the tanh approximation mlp trains with,
//                    in elementary operators (Gelu is an operator only from opset 20), arranged so that
//                    onnxruntime fuses them into its FastGelu kernel
//   INT8 dense       q, s, zp = DynamicQuantizeLinear(x)   (or s8 symmetric: see ActivationQuantization)
//                    y = Cast<float>(MatMulInteger(q, Wq[in, out], zp)) · (s·scales) + b
//                    that is y[r, o] = float(Σk (q[r,k] − zp)·Wq[o,k]) · (s·scales[o]) + b[o], with int32
//                    sums: the arithmetic mlp's INT8 inference is to do, in this order; onnxruntime's
//                    quantize_dynamic writes the same pattern, and onnxruntime runs it as one
//                    DynamicQuantizeMatMul kernel (MatMulIntegerToFloat for s8 activations).
//                    With a fixed input grid (s, zp): q = QuantizeLinear(x, s, zp) instead, the rest alike.
// onnxruntime also fuses Gemm with a following Relu, LeakyRelu, Sigmoid or Tanh (FusedGemm).
//   input            Mul by the scale, or Sub mean then Div std;  output  Softmax (last axis), Sigmoid,
//                    Identity, or Mul std then Add mean; a calibration temperature T (Options.temperature)
//                    is a Div by T just before the Softmax or Sigmoid. A table model's raw-row inputs:
//                    ONNXTableGraph.swift.
// Tensor names follow the layer index of the description (`layers.3.weight`), as mlp's safetensors do.

struct ONNXGraphBuilder {
    /// One layer to write: a layer of the description (dropouts left out, batch norms maybe folded).
    struct Step {
        let index: Int
        let layer: ONNXExport.Layer
        /// Indices of the batch norms folded into this dense layer, for the node's name.
        var folded: [Int] = []
    }

    var graph = ONNXGraph(name: "mlp")
    let options: ONNXExport.Options
    /// The tensor flowing out of the last node written, and its width (features per row).
    var current: String
    var width: Int
    private var usedNames: Set<String> = []

    init(inputWidth: Int, options: ONNXExport.Options) throws(ONNXExportError) {
        guard inputWidth > 0 else { throw ONNXExportError("the input width is \(inputWidth), expected at least 1") }
        self.options = options
        current = options.inputName
        width = inputWidth
        usedNames.insert(current)
        graph.inputs = [
            ONNXValueInfo(
                name: current, elementType: .float, shape: [.symbol(options.batchDimension), .size(inputWidth)])
        ]
    }

    /// A graph whose inputs the caller declares (a table's columns: ONNXTableGraph.swift); `reserved`
    /// are the names those inputs and the outputs take, which no node output may.
    init(reserving reserved: [String], options: ONNXExport.Options) {
        self.options = options
        current = ""
        width = 0
        usedNames = Set(reserved)
    }

    // MARK: Planning: dropout out, batch norm folded

    /// The layers to write: dropouts dropped, and (when `fold`) each batch norm that follows a linear
    /// float dense layer folded into it. Checks every layer's own array sizes.
    static func plan(_ layers: [ONNXExport.Layer], fold: Bool) throws(ONNXExportError) -> [Step] {
        var steps: [Step] = []
        for (i, layer) in layers.enumerated() {
            try checkSizes(layer, index: i)
            switch layer {
            case .dropout:
                continue
            case .batchNorm(let gamma, let beta, let mean, let variance, let epsilon):
                if fold, let last = steps.last,
                    case .dense(let w, let out, let inputs, let b, let act) = last.layer,
                    try Activation(act, layer: last.index) == .linear, gamma.count == out
                {
                    // s = γ/√(var + ε); W' = diag(s)·W; b' = (b − mean)·s + β, in Double then rounded once.
                    var w2 = [Float](repeating: 0, count: w.count)
                    var b2 = [Float](repeating: 0, count: out)
                    for o in 0..<out {
                        let s = Double(gamma[o]) / (Double(variance[o]) + Double(epsilon)).squareRoot()
                        for k in 0..<inputs { w2[o * inputs + k] = Float(Double(w[o * inputs + k]) * s) }
                        b2[o] = Float((Double(b[o]) - Double(mean[o])) * s + Double(beta[o]))
                    }
                    steps[steps.count - 1] = Step(
                        index: last.index, layer: .dense(weight: w2, out: out, in: inputs, bias: b2, activation: act),
                        folded: last.folded + [i])
                } else {
                    steps.append(Step(index: i, layer: layer))
                }
            default:
                steps.append(Step(index: i, layer: layer))
            }
        }
        return steps
    }

    /// A layer's arrays agree with its declared sizes; batch-norm variances keep √(var + ε) real.
    private static func checkSizes(_ layer: ONNXExport.Layer, index i: Int) throws(ONNXExportError) {
        func expect(_ what: String, _ count: Int, _ expected: Int, _ kind: String) throws(ONNXExportError) {
            guard count == expected else {
                throw ONNXExportError("layer \(i) (\(kind)): \(what) has \(count) values, expected \(expected)")
            }
        }
        switch layer {
        case .dense(let w, let out, let inputs, let b, let act):
            guard out > 0, inputs > 0 else {
                throw ONNXExportError("layer \(i) (dense): \(out) outputs × \(inputs) inputs, expected at least 1 × 1")
            }
            try expect("weight", w.count, out * inputs, "dense \(out)×\(inputs)")
            try expect("bias", b.count, out, "dense")
            _ = try Activation(act, layer: i)
        case .int8Dense(let w, let scales, let out, let inputs, let b, let act):
            guard out > 0, inputs > 0 else {
                throw ONNXExportError("layer \(i) (int8 dense): \(out) outputs × \(inputs) inputs, expected at least 1 × 1")
            }
            try expect("weight", w.count, out * inputs, "int8 dense \(out)×\(inputs)")
            try expect("scales", scales.count, out, "int8 dense")
            try expect("bias", b.count, out, "int8 dense")
            if let o = scales.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
                throw ONNXExportError("layer \(i) (int8 dense): scale \(o) is \(scales[o]), expected a finite value ≥ 0")
            }
            _ = try Activation(act, layer: i)
        case .int8DenseFixedGrid(let w, let scales, let out, let inputs, let b, let act, let inputScale, _):
            try checkSizes(.int8Dense(weight: w, scales: scales, out: out, in: inputs, bias: b, activation: act), index: i)
            guard inputScale.isFinite, inputScale > 0 else {
                throw ONNXExportError("layer \(i) (int8 dense): input scale is \(inputScale), expected a finite value > 0")
            }
        case .batchNorm(let gamma, let beta, let mean, let variance, let epsilon):
            guard !gamma.isEmpty else { throw ONNXExportError("layer \(i) (batch norm): no features") }
            try expect("beta", beta.count, gamma.count, "batch norm")
            try expect("mean", mean.count, gamma.count, "batch norm")
            try expect("variance", variance.count, gamma.count, "batch norm")
            guard epsilon.isFinite, epsilon >= 0 else {
                throw ONNXExportError("layer \(i) (batch norm): epsilon is \(epsilon), expected a finite value ≥ 0")
            }
            if let j = variance.firstIndex(where: { !(($0 + epsilon) > 0 && $0.isFinite) }) {
                throw ONNXExportError(
                    "layer \(i) (batch norm): variance \(j) is \(variance[j]), expected variance + epsilon > 0")
            }
        case .activation(let act):
            _ = try Activation(act, layer: i)
        case .dropout:
            break
        }
    }

    // MARK: Layers

    mutating func addInput(_ input: ONNXExport.Input) throws(ONNXExportError) {
        switch input {
        case .identity:
            break
        case .scale(let s):
            guard s.isFinite else { throw ONNXExportError("input scale is \(s), expected a finite number") }
            current = node("Mul", "input", [current, constant("input.scale", [], [s])])
        case .standardize(let mean, let std):
            guard mean.count == width, std.count == width else {
                throw ONNXExportError(
                    "input standardization: \(mean.count) means and \(std.count) deviations, expected \(width) of each")
            }
            if let j = std.firstIndex(where: { $0 == 0 || !$0.isFinite }) {
                throw ONNXExportError("input standardization: std of feature \(j) is \(std[j]), expected a nonzero finite number")
            }
            let centred = node("Sub", "input", [current, constant("input.mean", [width], mean)])
            current = node("Div", "input", [centred, constant("input.std", [width], std)])
        }
    }

    mutating func add(_ step: Step) throws(ONNXExportError) {
        let p = "layers.\(step.index)"
        switch step.layer {
        case .dense(let w, let out, let inputs, let b, let act):
            try expectWidth(inputs, step.index, "dense")
            let name = step.folded.isEmpty ? p : p + "+" + step.folded.map { "layers.\($0)" }.joined(separator: "+")
            current = node(
                "Gemm", name,
                [current, constant(p + ".weight", [out, inputs], w), constant(p + ".bias", [out], b)],
                [ONNXAttribute("transB", .int(1))])
            width = out
            try activation(act, step.index)
        case .int8Dense(let w, let scales, let out, let inputs, let b, let act):
            try expectWidth(inputs, step.index, "int8 dense")
            try int8Dense(p, w, scales, out, inputs, b, grid: nil)
            width = out
            try activation(act, step.index)
        case .int8DenseFixedGrid(let w, let scales, let out, let inputs, let b, let act, let inputScale, let zeroPoint):
            try expectWidth(inputs, step.index, "int8 dense")
            try int8Dense(p, w, scales, out, inputs, b, grid: (inputScale, zeroPoint))
            width = out
            try activation(act, step.index)
        case .batchNorm(let gamma, let beta, let mean, let variance, let epsilon):
            try expectWidth(gamma.count, step.index, "batch norm")
            let f = gamma.count
            current = node(
                "BatchNormalization", p,
                [
                    current, constant(p + ".weight", [f], gamma), constant(p + ".bias", [f], beta),
                    constant(p + ".running_mean", [f], mean), constant(p + ".running_var", [f], variance),
                ],
                [ONNXAttribute("epsilon", .float(epsilon))])
        case .activation(let act):
            try activation(act, step.index)
        case .dropout:
            break
        }
    }

    mutating func addOutput(_ output: ONNXExport.Output) throws(ONNXExportError) {
        let name = output.tensorName
        switch output {
        case .softmax:
            try applyTemperature()
            current = node("Softmax", "output", [current], [ONNXAttribute("axis", .int(-1))], output: name)
        case .sigmoid:
            try applyTemperature()
            current = node("Sigmoid", "output", [current], output: name)
        case .identity:
            current = node("Identity", "output", [current], output: name)
        case .unstandardize(let mean, let std):
            guard mean.count == width, std.count == width else {
                throw ONNXExportError(
                    "output unstandardization: \(mean.count) means and \(std.count) deviations, expected \(width) of each")
            }
            let scaled = node("Mul", "output", [current, constant("output.std", [width], std)])
            current = node("Add", "output", [scaled, constant("output.mean", [width], mean)], output: name)
        }
        graph.outputs = [
            ONNXValueInfo(
                name: name, elementType: .float, shape: [.symbol(options.batchDimension), .size(width)])
        ]
    }

    /// z/T before the softmax or sigmoid, when the model carries a calibration temperature T.
    mutating func applyTemperature() throws(ONNXExportError) {
        guard let t = options.temperature else { return }
        guard t.isFinite, t > 0 else { throw ONNXExportError("output temperature is \(t), expected a finite number > 0") }
        current = node("Div", "output", [current, constant("output.temperature", [], [t])])
    }

    func expectWidth(_ inputs: Int, _ index: Int, _ kind: String) throws(ONNXExportError) {
        guard inputs == width else {
            throw ONNXExportError("layer \(index) (\(kind)): takes \(inputs) features, but the layer before gives \(width)")
        }
    }

    /// y = Cast(MatMulInteger(q, Wq, zp))·(s·scales) + b, q and s from the batch at run time, or from
    /// the fixed `grid` (s, zp).
    private mutating func int8Dense(
        _ p: String, _ w: [Int8], _ scales: [Float], _ out: Int, _ inputs: Int, _ b: [Float], grid: (Float, UInt8)?
    ) throws(ONNXExportError) {
        // MatMulInteger multiplies [batch, in] by [in, out]: the weights are written transposed.
        var wt = [Int8](repeating: 0, count: w.count)
        for o in 0..<out { for k in 0..<inputs { wt[k * out + o] = w[o * inputs + k] } }
        let weight = int8Constant(p + ".weight_quantized", [inputs, out], wt)

        let q: String
        let s: String
        let product: String
        switch options.activationQuantization {
        case _ where grid != nil:
            s = constant(p + ".input_scale", [], [grid!.0])
            let zp = uint8Constant(p + ".input_zero_point", [], [grid!.1])
            q = node("QuantizeLinear", p, [current, s, zp])
            product = node("MatMulInteger", p, [q, weight, zp])
        case .uint8Asymmetric:
            let outs = nodeOutputs("DynamicQuantizeLinear", p, [current], count: 3)
            (q, s) = (outs[0], outs[1])
            product = node("MatMulInteger", p, [q, weight, outs[2]])
        case .int8Symmetric:
            let absolute = node("Abs", p, [current])
            let largest = node("ReduceMax", p, [absolute], [ONNXAttribute("keepdims", .int(0))])
            let raw = node("Div", p, [largest, constant(p + ".int8_max", [], [127])])
            s = node("Max", p, [raw, constant(p + ".smallest_scale", [], [Float.leastNormalMagnitude])])
            q = node("QuantizeLinear", p, [current, s, int8Constant(p + ".zero_point", [], [0])])
            product = node("MatMulInteger", p, [q, weight])
        }
        let sums = node("Cast", p, [product], [ONNXAttribute("to", .int(ONNXDataType.float.rawValue))])
        let scale = node("Mul", p, [s, constant(p + ".weight_scale", [out], scales)])
        let scaled = node("Mul", p, [sums, scale])
        current = node("Add", p, [scaled, constant(p + ".bias", [out], b)])
    }

    private mutating func activation(_ token: String, _ index: Int) throws(ONNXExportError) {
        let p = "layers.\(index)"
        switch try Activation(token, layer: index) {
        case .linear:
            break
        case .relu:
            current = node("Relu", p, [current])
        case .leakyReLU(let alpha):
            current = node("LeakyRelu", p, [current], [ONNXAttribute("alpha", .float(alpha))])
        case .sigmoid:
            current = node("Sigmoid", p, [current])
        case .tanh:
            current = node("Tanh", p, [current])
        case .swish:
            let gate = node("Sigmoid", p, [current])
            current = node("Mul", p, [current, gate])
        case .gelu:
            // 0.5·z·(1 + tanh(k·(z + c·z³))) written as (1 + tanh((k·z)·(1 + c·z·z)))·(0.5·z): the
            // arrangement onnxruntime's FastGeluFusion recognizes (its "first formula") and runs as one
            // FastGelu kernel, several times faster than the nine nodes in mlp's order, which it does
            // not fuse, and as fast as opset 20's Gelu operator.
            // Equal to mlp's order up to float rounding: both within 1e-6 of the exact value.
            let z = current
            let one = constant(p + ".one", [], [1])
            let cz = node("Mul", p, [z, constant(p + ".gelu_c", [], [0.044715])])
            let cz2 = node("Mul", p, [cz, z])
            let onePlus = node("Add", p, [cz2, one])
            let kz = node("Mul", p, [z, constant(p + ".gelu_k", [], [0.797_884_560_802_865_4])])
            let u = node("Mul", p, [onePlus, kz])
            let t = node("Tanh", p, [u])
            let onePlusT = node("Add", p, [t, one])
            let halfZ = node("Mul", p, [z, constant(p + ".half", [], [0.5])])
            current = node("Mul", p, [onePlusT, halfZ])
        }
    }

    // MARK: Nodes and constants

    /// Adds a node with one output and returns the output's name: `output`, or one made unique from
    /// the prefix and operator (`layers.2.Relu`, `layers.2.Mul_1`).
    @discardableResult
    mutating func node(
        _ op: String, _ prefix: String, _ inputs: [String], _ attributes: [ONNXAttribute] = [], output: String? = nil,
        domain: String = ""
    ) -> String {
        nodeOutputs(op, prefix, inputs, attributes, count: 1, output: output, domain: domain)[0]
    }

    mutating func nodeOutputs(
        _ op: String, _ prefix: String, _ inputs: [String], _ attributes: [ONNXAttribute] = [],
        count: Int, output: String? = nil, domain: String = ""
    ) -> [String] {
        let name = unique(prefix + "." + op)
        let outputs: [String]
        if let output {
            usedNames.insert(output)
            outputs = [output]
        } else {
            outputs = count == 1 ? [name] : (0..<count).map { unique(name + ".out\($0)") }
        }
        graph.nodes.append(ONNXNode(op, name: name, inputs: inputs, outputs: outputs, attributes: attributes, domain: domain))
        return outputs
    }

    mutating func constant(_ name: String, _ dims: [Int], _ values: [Float]) -> String {
        let n = unique(name)
        graph.initializers.append(ONNXTensor(name: n, dims: dims, floats: values))
        return n
    }

    /// A constant of any element type.
    mutating func constant(_ name: String, _ dims: [Int], _ data: ONNXTensor.Data) -> String {
        let n = unique(name)
        graph.initializers.append(ONNXTensor(name: n, dims: dims, data: data))
        return n
    }

    private mutating func int8Constant(_ name: String, _ dims: [Int], _ values: [Int8]) -> String {
        let n = unique(name)
        graph.initializers.append(ONNXTensor(name: n, dims: dims, int8s: values))
        return n
    }

    private mutating func uint8Constant(_ name: String, _ dims: [Int], _ values: [UInt8]) -> String {
        let n = unique(name)
        graph.initializers.append(ONNXTensor(name: n, dims: dims, uint8s: values))
        return n
    }

    mutating func unique(_ base: String) -> String {
        var name = base
        var k = 0
        while usedNames.contains(name) {
            k += 1
            name = base + "_\(k)"
        }
        usedNames.insert(name)
        return name
    }

    /// mlp's activation tokens, as the ONNX graph needs them.
    enum Activation: Equatable {
        case linear, relu
        case leakyReLU(Float)
        case sigmoid, tanh, gelu, swish

        /// The default leaky ReLU slope, as mlp's `Activation.defaultLeakySlope`.
        static let defaultLeakySlope: Float = 0.01

        init(_ token: String, layer: Int) throws(ONNXExportError) {
            let parts = token.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            switch (parts[0], parts.count) {
            case ("linear", 1): self = .linear
            case ("relu", 1): self = .relu
            case ("sigmoid", 1): self = .sigmoid
            case ("tanh", 1): self = .tanh
            case ("gelu", 1): self = .gelu
            case ("swish", 1), ("silu", 1): self = .swish
            case ("leaky_relu", 1): self = .leakyReLU(Self.defaultLeakySlope)
            case ("leaky_relu", 2):
                guard let a = Float(parts[1]), a.isFinite else {
                    throw ONNXExportError("layer \(layer): leaky_relu slope '\(parts[1])' is not a finite number")
                }
                self = .leakyReLU(a)
            default:
                throw ONNXExportError(
                    "layer \(layer): unknown activation '\(token)', expected relu, leaky_relu[:ALPHA], sigmoid, tanh, gelu, swish, silu or linear"
                )
            }
        }
    }
}
