// What a layer declares about each tensor it saves: its name within the layer, its shape (from
// the layer's input width), whether it is trained, and its initial value. The network builder lays
// the tensors out in the flat buffers from these, the model file is read and written by them, the
// memory estimate, `summary` and `inspect` count them: nothing else knows a layer's tensors.

public struct TensorDeclaration: Equatable, Sendable {
    public enum Role: Equatable, Sendable {
        /// Trained: a view into the parameter and gradient buffers. `decays`: weight decay applies
        /// (weights yes; biases and batch-norm scales no, as is usual).
        case parameter(decays: Bool)
        /// Saved but not trained (batch-norm running statistics): a view into the state buffer.
        case state
    }

    public enum Initial: Equatable, Sendable {
        case zeros
        case ones
        /// A weight matrix [fanOut, fanIn] drawn by the chosen initializer (He for the ReLU family
        /// by default, Xavier otherwise, see Initializer.defaultFor).
        case weights(fanIn: Int, fanOut: Int, activation: Activation)
    }

    /// Name within the layer, PyTorch style ("weight", "bias", "running_mean").
    public let name: String
    /// Logical shape as saved: [out, in] for a dense weight, [n] for a vector.
    public let shape: [Int]
    public let role: Role
    public let initial: Initial

    public init(_ name: String, shape: [Int], role: Role, initial: Initial) {
        self.name = name
        self.shape = shape
        self.role = role
        self.initial = initial
    }

    /// Elements, or nil when the product overflows.
    public var count: Int? {
        var n = 1
        for d in shape {
            let (p, o) = n.multipliedReportingOverflow(by: d)
            if o || d < 0 { return nil }
            n = p
        }
        return n
    }

    public var isParameter: Bool {
        if case .parameter = role { return true }
        return false
    }
}
