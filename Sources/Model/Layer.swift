// What every layer of a Sequential network provides.
//
// A layer owns the buffers it writes (its output, the caches its backward reads, its input
// gradient); the network passes each layer's output to the next by reference. Buffers grow once
// to the largest batch they see and are reused after that: the training step allocates nothing.

public protocol Layer: AnyObject {
    var inputFeatures: Int { get }
    var outputFeatures: Int { get }
    /// This layer's token in an architecture string ("256:relu", "dropout:0.2", "batchnorm").
    var token: String { get }
    /// Trainable parameters, in saving order.
    var parameters: [Parameter] { get }
    /// State that is saved but not trained (batch-norm running statistics), in saving order.
    var buffers: [(name: String, value: Matrix)] { get }
    /// False for the first layer: nobody needs dLoss/dInput there, so backward skips it.
    var computesInputGradient: Bool { get set }
    /// Y = f(X). `training` selects batch statistics and dropout masks.
    func forward(_ x: Matrix, training: Bool) -> Matrix
    /// Given dLoss/dY for the last forward, fills parameter gradients and returns dLoss/dX.
    func backward(_ dy: Matrix) -> Matrix
}

public extension Layer {
    var buffers: [(name: String, value: Matrix)] { [] }
}
