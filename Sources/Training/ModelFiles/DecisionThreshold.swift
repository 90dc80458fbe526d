// Reading and writing the decision threshold a model stores (DecisionThresholdField.swift: the
// metadata "decision_threshold", and "positive_label" for a binary model). A row is predicted
// positive (a multi-label row's label on) when its probability is at or above it; 0.5 when none is
// stored. `mlp calibrate --pick-threshold` chooses one on held-out data
// (DecisionThreshold.pickThreshold) and stores it.
import Formats
import Model

extension DecisionThreshold {
    /// The threshold when the model stores none.
    public static let standard = 0.5

    /// The threshold `model` stores, or nil (none, or not a number in [0, 1]).
    public static func stored(_ model: LoadedModel) -> Double? {
        guard let text = model.metadataValue(StoredThreshold.thresholdKey), let t = Double(text), t >= 0, t <= 1 else { return nil }
        return t
    }

    /// `metadata` with `threshold` stored (replacing one stored before).
    public static func storing(_ threshold: StoredThreshold, in metadata: [(String, String)]) -> [(String, String)] {
        let keys = [StoredThreshold.thresholdKey, StoredThreshold.positiveKey]
        return metadata.filter { !keys.contains($0.0) } + threshold.metadata
    }
}
