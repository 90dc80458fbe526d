// A binary model's decision threshold, stored in its file: "decision_threshold" (a number in [0, 1],
// as its shortest text) and "positive_label" (the class whose probability it applies to: the label as
// `predict` prints it, the class index for an image model). A row is predicted positive when
// P(positive) ≥ threshold. `evaluate` and `predict` use it unless given --threshold; `mlp calibrate
// --pick-threshold` writes it (DecisionThreshold.pickThreshold chooses it). A model without it
// decides at 0.5.
//
// Also recorded about weights: "weight_column", the CSV column of row weights the model was trained
// with (`evaluate` weights its figures by it when the data has it), and "class_weight", the class
// weighting it was trained with (a record, as the optimizer's).
import Model

public struct StoredThreshold: Equatable, Sendable {
    public static let thresholdKey = "decision_threshold"
    public static let positiveKey = "positive_label"

    public let threshold: Double
    public let positiveLabel: String

    public init(threshold: Double, positiveLabel: String) {
        precondition(threshold >= 0 && threshold <= 1, "a threshold is a probability")
        self.threshold = threshold
        self.positiveLabel = positiveLabel
    }

    /// The metadata entries that store it.
    public var metadata: [(String, String)] {
        [(StoredThreshold.thresholdKey, "\(threshold)"), (StoredThreshold.positiveKey, positiveLabel)]
    }
}

extension LoadedModel {
    public static let weightColumnKey = "weight_column"
    public static let classWeightKey = "class_weight"

    /// The CSV column of row weights the model was trained with, when it was.
    public var weightColumn: String? { metadataValue(LoadedModel.weightColumnKey).flatMap { $0.isEmpty ? nil : $0 } }

    /// The class whose name is `label` (as `predict` prints it), or nil.
    public func classIndex(of label: String) -> Int? {
        (0..<network.outputFeatures).first { output.label($0) == label }
    }

    /// The decision threshold the file stores, checked (`path` names the file in errors): a number
    /// in [0, 1] for one of the two classes of a binary model.
    public func storedThreshold(path: String) throws(TrainingError) -> (threshold: StoredThreshold, positiveClass: Int)? {
        let text = metadataValue(StoredThreshold.thresholdKey)
        let label = metadataValue(StoredThreshold.positiveKey)
        guard text != nil || label != nil else { return nil }
        func fail(_ m: String) -> TrainingError { .data("\(path): metadata \(m)") }
        guard let text, let t = Double(text), t >= 0, t <= 1 else {
            throw fail("\"\(StoredThreshold.thresholdKey)\" is \(text.map { "'\($0)'" } ?? "missing"), expected a probability from 0 to 1")
        }
        guard output.task == .classification, network.outputFeatures == 2 else {
            throw fail(
                "\"\(StoredThreshold.thresholdKey)\" is for a model of two classes; this one has \(output.task == .regression ? "none" : "\(network.outputFeatures)")"
            )
        }
        guard let label, let k = classIndex(of: label) else {
            throw fail(
                "\"\(StoredThreshold.positiveKey)\" is \(label.map { "'\($0)'" } ?? "missing"), expected one of the classes \(output.label(0)), \(output.label(1))"
            )
        }
        return (StoredThreshold(threshold: t, positiveLabel: label), k)
    }
}
