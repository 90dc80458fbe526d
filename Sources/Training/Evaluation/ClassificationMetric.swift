// The figures of a classification beyond accuracy and loss, by one set of names: `evaluate` reports
// them under these names (text and JSON), the training logs as val_NAME and test_NAME, and the
// monitors watch val_NAME. Each is computed by EvaluationReport from the same probabilities.
//
// Two classes (binary; the positive class is named, by default the second label in sorted order):
//   auc                ROC AUC of P(positive)
//   pr_auc             average precision (the area under the precision-recall curve)
//   precision, recall  of the positive class at the decision threshold (p ≥ threshold: positive)
//   f1                 F1 of the positive class at the threshold
// Several classes:
//   auc                the mean one-vs-rest ROC AUC over the classes (macro)
//   f1                 the macro F1 (the unweighted mean over the classes)
//   top_k_accuracy     whether the true class is among the k most probable
// Either:
//   f1_weighted        the F1 of each class weighted by its support
//   log_loss           −mean log P(true class), clipped to [ε, 1 − ε] (scikit-learn's log_loss)
//   brier              the Brier score (binary: of P(positive))
//   balanced_accuracy  the mean recall over the classes

public enum ClassificationMetric: String, CaseIterable, Sendable {
    case auc
    case prAUC = "pr_auc"
    case f1
    case f1Weighted = "f1_weighted"
    case precision, recall
    case logLoss = "log_loss"
    case brier
    case balancedAccuracy = "balanced_accuracy"
    case topKAccuracy = "top_k_accuracy"

    /// Which problems have it.
    public enum Scope: Sendable { case any, binary, multiclass }

    public var scope: Scope {
        switch self {
        case .prAUC, .precision, .recall: return .binary
        case .topKAccuracy: return .multiclass
        default: return .any
        }
    }

    /// Whether it applies to a problem with `classes` classes.
    public func applies(classes: Int) -> Bool {
        switch scope {
        case .any: return classes >= 2
        case .binary: return classes == 2
        case .multiclass: return classes > 2
        }
    }

    /// Larger is better (log-loss and the Brier score are smaller when better).
    public var higherIsBetter: Bool { self != .logLoss && self != .brier }

    /// Its column in an epoch line ("val_auc 0.9123"): the name itself.
    public var name: String { rawValue }

    /// What it is, for errors and help ("two classes", "more than two classes").
    public var scopeDescription: String {
        switch scope {
        case .any: return "any classification"
        case .binary: return "two classes"
        case .multiclass: return "more than two classes"
        }
    }

    /// The names as a list for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// The metrics a training run adds to its epoch lines and logs: some by name, or all that apply to
/// the data's classes (`all`).
public struct MetricSelection: Equatable, Sendable {
    public var all: Bool
    public var metrics: [ClassificationMetric]

    public init(all: Bool = false, metrics: [ClassificationMetric] = []) {
        self.all = all
        self.metrics = metrics
    }

    public var isEmpty: Bool { !all && metrics.isEmpty }

    /// As written: "all", or the names separated by commas.
    public var token: String { ((all ? ["all"] : []) + metrics.map(\.rawValue)).joined(separator: ",") }

    public enum ParseError: Error, Equatable {
        case unknown(String)
        case repeated(String)
    }

    /// A comma-separated list of names ("auc,f1"), or "all".
    public static func parse(_ text: String) -> Result<MetricSelection, ParseError> {
        var out = MetricSelection()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingCharacters(in: " ").lowercased()
            if name == "all" {
                out.all = true
                continue
            }
            guard let m = ClassificationMetric(rawValue: name) else { return .failure(.unknown(String(part))) }
            if out.metrics.contains(m) { return .failure(.repeated(m.rawValue)) }
            out.metrics.append(m)
        }
        return .success(out)
    }

    /// The metrics for a problem of `classes` classes, in the order given (all: in the vocabulary's
    /// order), and the first one named that does not apply to it.
    public func resolve(classes: Int) -> (metrics: [ClassificationMetric], notApplying: ClassificationMetric?) {
        if let wrong = metrics.first(where: { !$0.applies(classes: classes) }) { return (metrics, wrong) }
        guard all else { return (metrics, nil) }
        return (ClassificationMetric.allCases.filter { $0.applies(classes: classes) }, nil)
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> Substring {
        var s = self
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return s
    }
}
