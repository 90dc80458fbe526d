// How `evaluate` and `predict` decide a two-class model's answer: the positive class
// (--positive-label, else the one the model's stored threshold is for, else the second class) and
// the threshold on its probability (--threshold, else the model's stored one, else 0.5). A row is
// predicted positive when P(positive) ≥ threshold. A multi-label model's labels are each on at or
// above the same kind of threshold; it has no positive class to name. A regression refuses both flags.
import Formats
import Model
import Training

struct DecisionFlags {
    let positiveLabel: String?
    let threshold: Float?

    init(_ a: Arguments) throws(CLIError) {
        positiveLabel = a.has(Flags.positiveLabel) ? try a.required(Flags.positiveLabel) : nil
        threshold = try a.float(Flags.threshold)
    }

    /// Where the threshold came from, for the report.
    enum Source: String {
        case standard = "default"
        case model, flag
    }

    /// The decision for `model` (nil unless it has two classes: then the flags are refused).
    func decision(for model: LoadedModel, path: String, command: String) throws(CLIError) -> (
        decision: EvaluationReport.Decision, source: Source
    )? {
        let classes = model.network.outputFeatures
        if model.output.task == .multilabel {
            _ = try labelThreshold(for: model, path: path, command: command)
            return nil
        }
        guard model.output.task == .classification, classes == 2 else {
            if let flag = positiveLabel != nil ? Flags.positiveLabel : threshold != nil ? Flags.threshold : nil {
                let what = model.output.task == .regression ? "a regression" : "a model of \(classes) classes"
                throw .usage("--\(flag.name) decides between the two classes of a binary model; \(path) is \(what)", command: command)
            }
            return nil
        }
        let stored = try library { try model.storedThreshold(path: path) }
        var positive = stored?.positiveClass ?? 1
        if let label = positiveLabel {
            guard let k = model.classIndex(of: label) else {
                throw .usage(
                    "--positive-label '\(label)' is not a class of \(path) (its classes: \(model.output.label(0)), \(model.output.label(1)))",
                    command: command)
            }
            positive = k
        }
        if let threshold { return (.init(positiveClass: positive, threshold: Double(threshold)), .flag) }
        if let stored {
            guard stored.positiveClass == positive else {
                throw .usage(
                    "\(path) stores the threshold \(stored.threshold.threshold) for class '\(stored.threshold.positiveLabel)'; with --positive-label '\(positiveLabel ?? "")' give --threshold too",
                    command: command)
            }
            return (.init(positiveClass: positive, threshold: stored.threshold.threshold), .model)
        }
        return (.init(positiveClass: positive, threshold: 0.5), .standard)
    }

    /// A multi-label model's threshold, at or above which a label is on: --threshold, else the
    /// model's stored one, else 0.5. --positive-label is refused: each label's on value is its own.
    func labelThreshold(for model: LoadedModel, path: String, command: String) throws(CLIError) -> Double {
        if positiveLabel != nil {
            throw .usage(
                "--\(Flags.positiveLabel.name) names the positive class of a binary model; \(path) is multi-label (each label is on at its second value)",
                command: command)
        }
        return threshold.map(Double.init) ?? DecisionThreshold.stored(model) ?? DecisionThreshold.standard
    }
}
