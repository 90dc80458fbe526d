// The decision threshold a model may store: a row is predicted positive (a multi-label row's label
// on) when its probability is at or above it; 0.5 when none is stored. `mlp calibrate
// --pick-threshold` chooses one on held-out data and stores it as the member "threshold" of the
// model's "target" description (JSON), so only table models carry one. A model with a threshold is
// format 5: an earlier mlp would ignore it and decide at 0.5.
//
// The rules, over the candidate thresholds t = each distinct probability of the held-out rows
// (positive when p ≥ t), with weighted counts TP, FP, FN, TN:
//   f1      the largest F1 = 2TP/(2TP + FP + FN) of the positive class
//   youden  the largest Youden's J = TPR − FPR = TP/(TP + FN) − FP/(FP + TN)
// Ties go to the higher threshold (fewer rows called positive).
import Formats
import Model

public enum DecisionThreshold {
    /// The threshold when the model stores none.
    public static let standard = 0.5
    /// The member of the "target" description that holds it.
    public static let key = "threshold"

    public enum Rule: String, CaseIterable, Sendable {
        case f1, youden
    }

    /// The threshold `model` stores, or nil (none, or not a number in [0, 1]).
    public static func stored(_ model: LoadedModel) -> Double? {
        guard let text = model.metadataValue("target"), let v = try? JSONValue.parse(Array(text.utf8)),
              case .number(let t)? = v[key], t >= 0, t <= 1 else { return nil }
        return t
    }

    /// The model metadata with `threshold` stored in its target description; nil when it has none
    /// (an image model).
    public static func storing(_ threshold: Double, in metadata: [(String, String)]) -> [(String, String)]? {
        guard let i = metadata.firstIndex(where: { $0.0 == "target" }), let v = try? JSONValue.parse(Array(metadata[i].1.utf8)),
              case .object(var members) = v else { return nil }
        members.removeAll { $0.0 == key }
        members.append((key, JSONValue(threshold)))
        var out = metadata
        out[i].1 = JSONValue.object(members).serialized()
        return out
    }

    /// The threshold that maximizes `rule` on rows with probability `p` of being positive; nil when
    /// the rows hold no positive (or, for youden, no negative) of positive weight.
    public static func pick(probabilities p: [Double], positives: [Bool], weights: [Double]? = nil, rule: Rule) -> Double? {
        precondition(p.count == positives.count, "one probability per row")
        // Each distinct probability, decreasing, with the weights at or above it.
        let curve = RankingCurve(scores: p, positives: positives, weights: weights)
        let positive = curve.positiveWeight, negative = curve.negativeWeight
        guard positive > 0, rule == .f1 || negative > 0 else { return nil }
        var best: (score: Double, threshold: Double)?
        for (i, t) in curve.thresholds.enumerated() {
            let tp = curve.truePositives[i], fp = curve.falsePositives[i]
            let score = rule == .f1 ? 2 * tp / (2 * tp + fp + (positive - tp)) : tp / positive - fp / negative
            if best == nil || score > best!.score { best = (score, t) }
        }
        return best?.threshold
    }
}
