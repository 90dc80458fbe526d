// A standalone activation layer, for architectures that put one after batch norm
// ("256,batchnorm,relu"). Dense layers fuse their own activation instead.
//
// Shapes: X (B, F) → Y = f(X) (B, F). Caches X (by reference) and Y.

public final class ActivationLayer: Layer {
    public let activation: Activation
    public let inputFeatures: Int
    public var outputFeatures: Int { inputFeatures }
    public var computesInputGradient = true
    public var parameters: [Parameter] { [] }

    private var input: Matrix?
    private let output: Matrix
    private let dX: Matrix

    public init(_ activation: Activation, features: Int) {
        self.activation = activation
        inputFeatures = features
        output = Matrix(rows: 0, cols: features)
        dX = Matrix(rows: 0, cols: features)
    }

    public var token: String { activation.token }

    // Y = f(X)
    public func forward(_ x: Matrix, training: Bool) -> Matrix {
        input = x
        output.resize(rows: x.rows)
        let n = x.count, xp = x.data, yp = output.data
        for i in 0..<n { yp[i] = activation.apply(xp[i]) }
        return output
    }

    // dX = dY ⊙ f'(X)
    public func backward(_ dy: Matrix) -> Matrix {
        guard let x = input else { preconditionFailure("backward before forward") }
        dX.resize(rows: x.rows)
        // in the forward pass this was Y = f(X), so now we have dX = dY · f'(X)
        activation.backward(dy: dy.data, z: x.data, y: output.data, dz: dX.data, count: x.count)
        return dX
    }
}
