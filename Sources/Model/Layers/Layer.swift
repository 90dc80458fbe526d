// What every layer of a Sequential network provides, and what it is built from.
//
// A layer owns the buffers it writes (its output, the caches its backward reads, its input
// gradient); the network passes each layer's output to the next by reference. Buffers grow once
// to the largest batch they see and are reused after that: the training step allocates nothing.
// Its saved tensors are views into the network's flat buffers (ParameterStore), handed to it when
// it is built, in the order its LayerKind declares them.

public protocol Layer: AnyObject {
    var inputFeatures: Int { get }
    var outputFeatures: Int { get }
    /// What it is: its kind and settings, as in the architecture string.
    var spec: LayerSpec { get }
    /// False for the first layer: nobody needs dLoss/dInput there, so backward skips it.
    var computesInputGradient: Bool { get set }
    /// Y = f(X). `training` selects batch statistics and dropout masks.
    func forward(_ x: Matrix, training: Bool) -> Matrix
    /// Given dLoss/dY for the last forward, fills parameter gradients and returns dLoss/dX.
    func backward(_ dy: Matrix) -> Matrix
    /// The generator a layer draws from while training (dropout masks), saved by checkpoints.
    var generator: RandomGenerator? { get set }
    /// Data-parallel training: the next forward sees `own` rows of a batch that has `before` rows
    /// ahead of them and `after` behind (computed by other ranks). A layer that draws random numbers
    /// per row draws the whole batch's and keeps its own rows' (so the model does not depend on the
    /// number of ranks); when `own` is 0 forward is not called, and it draws them here.
    func shareBatch(before: Int, own: Int, after: Int)
}

extension Layer {
    public var token: String { spec.token }
    public var generator: RandomGenerator? {
        get { nil }
        set {}
    }
    public func shareBatch(before: Int, own: Int, after: Int) {}
}

/// What a layer kind gets when the network builds it.
public struct LayerContext {
    /// The layer's position in the architecture.
    public let index: Int
    /// Its input width.
    public let inputs: Int
    /// Views of the tensors it declared, in declaration order.
    public let tensors: [TensorView]
    /// The network's seed (dropout derives its generator from it and the index).
    public let seed: UInt64
    /// Where its elementwise loops run.
    public let loops: Loops
    /// Where a dense layer writes its weight gradient this step (the network sets it per step).
    public let route: WeightGradientRoute
}

/// Where the dense layers write their weight gradients: into the gradient buffer, or, when the
/// optimizer takes its weight update inside the GEMM (FusedWeightGradient), into its buffer.
public final class WeightGradientRoute {
    public var target: FusedWeightGradient?
    public init() {}
}
