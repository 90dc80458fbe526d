// How much each class's examples count in the training loss (a classification's setting):
//   balanced       n / (k · count_c) for each class c of the training set (scikit-learn's
//                  compute_class_weight("balanced"): k the classes with examples, n the examples;
//                  ClassWeights.balanced), so that every class weighs the same in total
//   LABEL:W,...    the weight of each named class, by its label as the data writes it (a class not
//                  named weighs 1, as in Keras' class_weight and scikit-learn's dict form)
// The weights multiply the examples' own weights (a weight column) in the loss and its gradient.
// The validation and test figures stay unweighted by them (scikit-learn's convention: the class
// weights change what is learnt, not how it is judged).
import Model

public enum ClassWeighting: Equatable, Sendable {
    case balanced
    case given([Entry])

    public struct Entry: Equatable, Sendable {
        public let label: String
        public let weight: Float
        public init(label: String, weight: Float) {
            self.label = label
            self.weight = weight
        }
    }

    /// As the setting is written: "balanced", or LABEL:W pairs separated by commas.
    public var token: String {
        switch self {
        case .balanced: return "balanced"
        case .given(let e): return e.map { "\($0.label):\(TrainingDefaults.shown($0.weight))" }.joined(separator: ",")
        }
    }

    /// Reads "balanced" or "LABEL:W,LABEL:W" (each weight finite and ≥ 0, each label once; a label
    /// holding ':' is split at its last one). nil, with what is wrong, when it is neither.
    public static func parse(_ text: String) -> Result<ClassWeighting, ParseError> {
        if text == "balanced" { return .success(.balanced) }
        var entries: [Entry] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let colon = part.lastIndex(of: ":") else { return .failure(.notAPair(String(part))) }
            let label = String(part[..<colon])
            let value = String(part[part.index(after: colon)...])
            guard !label.isEmpty, let w = Float(value), w.isFinite, w >= 0 else { return .failure(.notAPair(String(part))) }
            if entries.contains(where: { $0.label == label }) { return .failure(.repeated(label)) }
            entries.append(Entry(label: label, weight: w))
        }
        return .success(.given(entries))
    }

    public enum ParseError: Error, Equatable {
        /// A part that is not LABEL:W with W a number ≥ 0.
        case notAPair(String)
        /// A label named twice.
        case repeated(String)
    }

    /// The weight of each class, in class order: `labels` are the classes' names (as the data
    /// writes them), `counts` their examples in the training set.
    public func weights(labels: [String], counts: [Int]) throws(TrainingError) -> [Float] {
        precondition(labels.count == counts.count, "one count per class")
        var w: [Float]
        switch self {
        case .balanced:
            w = ClassWeights.balanced(counts: counts).map { Float($0) }
        case .given(let entries):
            w = [Float](repeating: 1, count: labels.count)
            for e in entries {
                guard let k = labels.firstIndex(of: e.label) else { throw .classWeightLabel(label: e.label, labels: labels) }
                w[k] = e.weight
            }
        }
        let present = counts.indices.filter { counts[$0] > 0 }
        if !present.isEmpty && present.allSatisfy({ w[$0] == 0 }) { throw .classWeightsAllZero }
        return w
    }
}
