// A standalone activation layer, for architectures that put one after batch norm
// ("256,batchnorm,relu"). Dense layers fuse their own activation instead.
//
// Shapes: X (B, F) → Y = f(X) (B, F). No saved tensors. Caches X (by reference) and Y.

/// `ACT`: a standalone activation.
public struct ActivationKind: LayerKind {
    public let function: Activation

    public init(activation: Activation) { function = activation }

    public static let syntax = ["ACT"]

    public static func parse(_ parts: [String]) -> ActivationKind? {
        guard parts.count <= 2, let act = Activation(name: parts[0], argument: parts.count == 2 ? parts[1] : nil) else { return nil }
        return ActivationKind(activation: act)
    }

    public var token: String { function.token }
    public var displayName: String { function.displayName }
    public var activation: Activation? { function }
    public func tensors(inputs: Int) -> [TensorDeclaration] { [] }
    // Y and dX.
    public func floatsPerExample(inputs: Int) -> Int { 2 * inputs }
    public func makeLayer(_ c: LayerContext) -> Layer { ActivationLayer(function, features: c.inputs, loops: c.loops) }
}

public final class ActivationLayer: Layer {
    public let activation: Activation
    public let inputFeatures: Int
    public var outputFeatures: Int { inputFeatures }
    public var computesInputGradient = true
    public var spec: LayerSpec { .activation(activation) }

    private let loops: Loops
    private var input: Matrix?
    private let output: Matrix
    private let dX: Matrix

    public init(_ activation: Activation, features: Int, loops: Loops = Loops()) {
        self.activation = activation
        inputFeatures = features
        self.loops = loops
        output = Matrix(rows: 0, cols: features)
        dX = Matrix(rows: 0, cols: features)
    }

    // Y = f(X)
    public func forward(_ x: Matrix, training: Bool) -> Matrix {
        input = x
        output.resize(rows: x.rows)
        let n = x.count
        let xp = x.data
        let yp = output.data
        for i in 0..<n { yp[i] = activation.apply(xp[i]) }
        return output
    }

    // dX = dY ⊙ f'(X)
    public func backward(_ dy: Matrix) -> Matrix {
        guard let x = input else { preconditionFailure("backward before forward") }
        dX.resize(rows: x.rows)
        // in the forward pass this was Y = f(X), so now we have dX = dY · f'(X)
        activation.backward(dy: dy.data, z: x.data, y: output.data, dz: dX.data, count: x.count, loops: loops)
        return dX
    }
}
