// Every saved tensor of a network in flat buffers, llm.c style: the trained parameters in one
// allocation, their gradients in a second of the same layout, the untrained state (batch-norm
// running statistics) in a third. Layers, the optimizer and the model file see the tensors as
// views at fixed offsets; the optimizer's moments, the best-weights snapshot and a cross-process
// all-reduce are further buffers of the same layout, each one pass over one pointer.
//
// Layout of the parameter buffer: the tensors that take weight decay first (dense weights, in layer
// order), then the others (biases, batch-norm scales and shifts), so an optimizer applies decay to
// one leading range. Each tensor starts at a multiple of 16 floats; the padding stays zero.

/// A named view of one saved tensor in a network's flat buffers.
public struct TensorView {
    /// The model-file name, "layers.0.weight".
    public let name: String
    /// The layer it belongs to.
    public let layer: Int
    public let declaration: TensorDeclaration
    /// Where it starts in its buffer (the parameter buffer, or the state buffer).
    public let offset: Int
    public let value: UnsafeMutablePointer<Float>
    /// dLoss/dvalue, for a parameter; nil for state.
    public let grad: UnsafeMutablePointer<Float>?

    public var shape: [Int] { declaration.shape }
    public var count: Int { declaration.count ?? 0 }
    public var isParameter: Bool { declaration.isParameter }
    /// The values in place.
    public var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: value, count: count) }
    /// The values, copied out (tests, saving, statistics; never in a training step).
    public var values: [Float] { Array(buffer) }
    /// The gradient, copied out.
    public var gradients: [Float] { grad.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? [] }

    /// Overwrites the values (from a model file or a checkpoint).
    public func set(_ values: [Float]) {
        precondition(values.count == count, "tensor '\(name)' holds \(count) values, got \(values.count)")
        values.withUnsafeBufferPointer { value.update(from: $0.baseAddress!, count: count) }
    }
}

public final class ParameterStore {
    /// Every tensor in model-file order: layer by layer, each layer's in declaration order.
    public let tensors: [TensorView]
    /// The trained tensors, in the same order (optimizer state is named by position in this list).
    public let parameters: [TensorView]
    /// The untrained, saved tensors, in the same order.
    public let stateTensors: [TensorView]
    public let values: FloatBuffer
    public let gradients: FloatBuffer
    public let state: FloatBuffer
    /// values[0..<decayedEnd] take weight decay; the rest does not.
    public let decayedEnd: Int
    /// Trainable values, without padding.
    public let parameterCount: Int
    /// Untrained saved values, without padding.
    public let stateCount: Int

    /// Lays out the tensors `layers[i]` declares for layer i. Fails (nil) when a shape overflows.
    public init?(layers: [[TensorDeclaration]]) {
        // Offsets: decayed parameters first, then the other parameters; state on its own.
        var offsets: [[Int]] = layers.map { [Int](repeating: 0, count: $0.count) }
        var end = 0
        var params = 0
        var stateEnd = 0
        var stateValues = 0
        var decayed = 0
        for pass in 0..<3 {
            for (i, decls) in layers.enumerated() {
                for (j, d) in decls.enumerated() {
                    guard let n = d.count else { return nil }
                    switch (pass, d.role) {
                    case (0, .parameter(decays: true)), (1, .parameter(decays: false)):
                        offsets[i][j] = end
                        let (e, o) = end.addingReportingOverflow(FloatBuffer.aligned(n))
                        if o { return nil }
                        end = e
                        params += n
                    case (2, .state):
                        offsets[i][j] = stateEnd
                        let (e, o) = stateEnd.addingReportingOverflow(FloatBuffer.aligned(n))
                        if o { return nil }
                        stateEnd = e
                        stateValues += n
                    default: continue
                    }
                }
            }
            if pass == 0 { decayed = end }
        }
        decayedEnd = decayed
        values = FloatBuffer(count: end)
        gradients = FloatBuffer(count: end)
        state = FloatBuffer(count: stateEnd)
        parameterCount = params
        stateCount = stateValues
        var all: [TensorView] = []
        for (i, decls) in layers.enumerated() {
            for (j, d) in decls.enumerated() {
                let o = offsets[i][j]
                all.append(
                    d.isParameter
                        ? TensorView(
                            name: "layers.\(i).\(d.name)", layer: i, declaration: d, offset: o,
                            value: values.data + o, grad: gradients.data + o)
                        : TensorView(
                            name: "layers.\(i).\(d.name)", layer: i, declaration: d, offset: o,
                            value: state.data + o, grad: nil))
            }
        }
        tensors = all
        parameters = all.filter(\.isParameter)
        stateTensors = all.filter { !$0.isParameter }
    }

    /// The tensor called `name` ("layers.0.weight").
    public func tensor(_ name: String) -> TensorView? { tensors.first { $0.name == name } }

    /// Layer i's tensors, in its declaration order.
    public func tensors(ofLayer i: Int) -> [TensorView] { tensors.filter { $0.layer == i } }
}
