// Data-parallel training: several processes (ranks) train one model. Every rank draws the same
// shuffled order and takes its own contiguous share of every batch; each computes the forward and
// backward pass on its rows, weighting its gradients by its share of the batch (own rows / batch
// rows), and the exchange sums the weighted gradients across ranks, so every rank ends up with the
// gradient of the whole batch's mean loss and takes the same optimizer step.
//
// The maths library knows only this protocol; the command line implements it on MPI.

/// The sums a step reduces besides the gradients: this rank's share of the batch's loss (mean loss
/// times its rows) and of its correct predictions; afterwards, the whole batch's.
public struct StepTotals {
    public var loss: Double
    public var correct: Double
    public init(loss: Double, correct: Double) {
        self.loss = loss
        self.correct = correct
    }
}

/// The ranks of a data-parallel job, as the training loop sees them.
public protocol GradientExchange: AnyObject {
    /// This process's index, 0 ..< ranks.
    var rank: Int { get }
    /// How many processes train together.
    var ranks: Int { get }
    /// Sums `gradients[0 ..< count]` and `totals` across ranks, in place; afterwards every rank
    /// holds the same bytes. Every rank calls it once per step, in the same order.
    func reduce(gradients: UnsafeMutablePointer<Float>, count: Int, totals: inout StepTotals)
    /// Sums `values[0 ..< count]` across ranks, in place (the same bytes on every rank).
    func sum(_ values: UnsafeMutablePointer<Float>, count: Int)
}

/// Which rows of a batch one rank computes, and how many the others do before and after it.
public struct BatchShare {
    public let before: Int, own: Int, after: Int
    public let exchange: GradientExchange
    public var batch: Int { before + own + after }

    /// Rank r of N takes rows ⌊n·r/N⌋ ..< ⌊n·(r+1)/N⌋: contiguous, and within one row of equal.
    public init(batch n: Int, exchange: GradientExchange) {
        let lo = n * exchange.rank / exchange.ranks
        let hi = n * (exchange.rank + 1) / exchange.ranks
        before = lo
        own = hi - lo
        after = n - hi
        self.exchange = exchange
    }
}
