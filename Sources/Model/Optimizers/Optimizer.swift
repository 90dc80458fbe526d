// An optimizer updates a network's parameters from their gradients, in one pass over the flat
// buffers of its ParameterStore. Its state (momentum, Adam's moments) is flat buffers of the same
// layout, allocated once when it is built; the step count is its only other state.

/// Where a dense layer's backward may write its weight gradient instead of the gradient buffer, so
/// that the optimizer's pass over the weights needs no gradient: C ← alpha·(dZᵀ·X) + beta·C in the
/// GEMM itself, C being this buffer at the weight's offset.
public struct FusedWeightGradient {
    public let buffer: UnsafeMutablePointer<Float>
    public let alpha: Float
    /// beta for weights of fewer than `largeFrom` values, and for the others.
    public let beta: Float, largeBeta: Float, largeFrom: Int
    /// Finishes a weight's update right after its GEMM, while the weight and its part of the
    /// buffer are still in cache (nil: the GEMM was the whole update).
    public let finish: FinishesWeightUpdate?

    public init(
        buffer: UnsafeMutablePointer<Float>, alpha: Float, beta: Float, largeBeta: Float? = nil,
        largeFrom: Int = .max, finish: FinishesWeightUpdate? = nil
    ) {
        self.buffer = buffer
        self.alpha = alpha
        self.beta = beta
        self.largeBeta = largeBeta ?? beta
        self.largeFrom = largeFrom
        self.finish = finish
    }

    /// The GEMM's beta for a weight of `count` values.
    public func beta(weightCount count: Int) -> Float { count >= largeFrom ? largeBeta : beta }
}

/// An optimizer whose fused update needs one more pass over each weight after its GEMM.
public protocol FinishesWeightUpdate: AnyObject {
    /// The rest of the update of the weights at [offset, offset + count) of the parameter buffer.
    func finishWeights(offset: Int, count: Int)
}

public protocol Optimizer: AnyObject {
    /// The token recorded in logs and checkpoints ("sgd", "adam", ...).
    var token: String { get }
    /// Steps taken so far.
    var stepCount: Int { get set }
    /// One update of every parameter with learning rate `lr`.
    func step(lr: Float)
    /// Where the weight gradients may go this step for the update to happen in the GEMM (or nil).
    func fusedWeightGradient(lr: Float) -> FusedWeightGradient?
    /// The update after a backward pass that wrote the weight gradients where
    /// `fusedWeightGradient(lr:)` said: the weights' own part of the update is done (by the GEMM and
    /// `finish`), so this updates the other parameters.
    func stepAfterFusedWeights(lr: Float)
    /// Its state buffers, by name ("momentum_buffer"; "exp_avg", "exp_avg_sq"), each laid out as the
    /// parameter buffer.
    var state: [(name: String, buffer: FloatBuffer)] { get }
}

extension Optimizer {
    public func fusedWeightGradient(lr: Float) -> FusedWeightGradient? { nil }
    public func stepAfterFusedWeights(lr: Float) { step(lr: lr) }
}

public enum OptimizerKind: String, CaseIterable, Sendable {
    case sgd, nesterov, adam, adamw

    /// Flat state buffers it keeps per parameter (for the memory estimate).
    public func stateSlots(momentum: Float) -> Int {
        switch self {
        case .adam, .adamw: return 2
        case .sgd, .nesterov: return momentum > 0 ? 1 : 0
        }
    }
}

/// The parameter buffer cut into chunks for one update region: the decayed range [0, decayedEnd)
/// and the rest, each in `Loops.chunkElements` pieces (both ranges start on a 16-float boundary, so
/// no chunk straddles the two or shares a cache line with another).
struct UpdateChunks {
    let decayedEnd: Int, count: Int
    let decayedChunks: Int, total: Int

    init(_ store: ParameterStore) {
        decayedEnd = store.decayedEnd
        count = store.values.count
        decayedChunks = Loops.chunks(decayedEnd, size: Loops.chunkElements)
        total = decayedChunks + Loops.chunks(count - decayedEnd, size: Loops.chunkElements)
    }

    /// Chunk c's elements and whether weight decay applies to them.
    @inline(__always)
    func range(_ c: Int) -> (range: Range<Int>, decays: Bool) {
        if c < decayedChunks { return (Loops.range(chunk: c, size: Loops.chunkElements, count: decayedEnd), true) }
        let r = Loops.range(chunk: c - decayedChunks, size: Loops.chunkElements, count: count - decayedEnd)
        return (r.lowerBound + decayedEnd..<r.upperBound + decayedEnd, false)
    }
}
