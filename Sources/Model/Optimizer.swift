// An optimizer updates parameters from their gradients. Its state (momentum buffers, Adam's
// moments, the step count) is allocated once, when it is built for a list of parameters.

public protocol Optimizer: AnyObject {
    /// The token recorded in logs and checkpoints ("sgd", "adam", ...).
    var token: String { get }
    /// Steps taken so far.
    var stepCount: Int { get set }
    /// One update of every parameter with learning rate `lr`.
    func step(lr: Float)
    /// Named state buffers, in a fixed order, for checkpoints.
    var state: [(name: String, value: Matrix)] { get }
}

public enum OptimizerKind: String, CaseIterable, Sendable {
    case sgd, nesterov, adam, adamw
}
