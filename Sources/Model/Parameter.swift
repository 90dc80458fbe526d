// A trainable tensor and its gradient, side by side.

public final class Parameter {
    /// Name within its layer, PyTorch style ("weight", "bias").
    public let name: String
    /// Logical shape as saved: [out, in] for a dense weight, [n] for a vector.
    public let shape: [Int]
    /// The values, as a matrix (a vector is one row).
    public let value: Matrix
    /// dLoss/dvalue, same shape; backward overwrites it every step.
    public let grad: Matrix
    /// Whether weight decay applies (weights yes; biases and batch-norm scales no, as is usual).
    public let decays: Bool

    public init(name: String, shape: [Int], decays: Bool) {
        self.name = name
        self.shape = shape
        let rows = shape.count == 2 ? shape[0] : 1
        let cols = shape.count == 2 ? shape[1] : shape[0]
        value = Matrix(rows: rows, cols: cols)
        grad = Matrix(rows: rows, cols: cols)
        self.decays = decays
    }

    public var count: Int { value.count }
}
