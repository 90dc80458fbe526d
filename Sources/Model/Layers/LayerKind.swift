// The self-description of a layer kind: how its token reads, which tensors it saves (from its input
// width), how wide its output is, how much it keeps per example while training, and how to build
// it. The network builder, model-file reading and writing, the memory estimate, `summary` and
// `inspect` all derive from this. Adding a layer kind is one file (its LayerKind and its Layer)
// plus one line in `LayerSpec.kinds`.

public protocol LayerKind: Sendable {
    /// Reads a token split on ':' and lowercased ("256", "relu" for "256:relu"); nil when the
    /// token is not of this kind or its settings are out of range.
    static func parse(_ parts: [String]) -> Self?
    /// The token's form, for help and error messages ("N", "N:ACT", "dropout:P").
    static var syntax: [String] { get }
    /// Its token in an architecture string; parsing it gives this kind back.
    var token: String { get }
    /// Its name in a summary table: "Dense", "ReLU", "Dropout(0.2)", "BatchNorm".
    var displayName: String { get }
    /// The activation it applies, if any (summary, inspect's dead and saturated units).
    var activation: Activation? { get }
    /// The width it sets regardless of its input (a dense layer's units); nil when it keeps the
    /// input width. An architecture must end with a layer that sets the output width.
    var units: Int? { get }
    /// Its saved tensors for an input of `inputs` features.
    func tensors(inputs: Int) -> [TensorDeclaration]
    /// Floats it keeps per example of a training batch: its output, caches for backward, its
    /// input gradient (for the memory estimate).
    func floatsPerExample(inputs: Int) -> Int
    /// Builds the layer on the views of its tensors.
    func makeLayer(_ context: LayerContext) -> Layer
}

extension LayerKind {
    public func outputWidth(inputs: Int) -> Int { units ?? inputs }
    public var activation: Activation? { nil }
    public var units: Int? { nil }
}

/// One layer of an architecture: a kind and its settings. Two specs are equal when their tokens are.
public struct LayerSpec: Equatable, Sendable, CustomStringConvertible {
    public let kind: any LayerKind

    public init(_ kind: any LayerKind) { self.kind = kind }

    /// Every layer kind, in the order tokens are tried and help lists them (no two accept the same token).
    public static let kinds: [any LayerKind.Type] = [DenseKind.self, ActivationKind.self, DropoutKind.self, BatchNormKind.self]

    public var token: String { kind.token }
    public var description: String { token }
    public static func == (a: LayerSpec, b: LayerSpec) -> Bool { a.token == b.token }

    /// The spec a token describes, or nil.
    public static func parse(_ token: String) -> LayerSpec? {
        let parts = token.lowercased().split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard let head = parts.first, !head.isEmpty else { return nil }
        for k in kinds { if let kind = k.parse(parts) { return LayerSpec(kind) } }
        return nil
    }

    // The usual kinds by name, for code and tests that build architectures directly.
    public static func dense(units: Int, activation: Activation = .linear) -> LayerSpec {
        LayerSpec(DenseKind(units: units, activation: activation))
    }
    public static func activation(_ a: Activation) -> LayerSpec { LayerSpec(ActivationKind(activation: a)) }
    public static func dropout(rate: Float) -> LayerSpec { LayerSpec(DropoutKind(rate: rate)) }
    public static func batchNorm(momentum: Float = 0.1) -> LayerSpec { LayerSpec(BatchNormKind(momentum: momentum)) }
}
