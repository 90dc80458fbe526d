// Calibrating a saved classifier (`mlp calibrate`): the temperature T that minimizes the log-loss of
// its held-out logits (TemperatureScaling), the held-out log-loss and expected calibration error
// (ECE, 15 bins) before and after, and the model file with T stored.
//
// What is fitted follows how the model reads its outputs: a softmax over the classes (cross_entropy),
// or a sigmoid per output (bce: each class one-hot against its output, or each label of a multi-label
// model). The ECE is over the top class's probability (its argmax) for a classification, and over
// every label's probability of a multi-label model (each a binary prediction at 0.5). The fit starts
// from the raw logits, whatever temperature the file stores, so calibrating again replaces it.
import Formats
import Model
import Tables

#if canImport(Glibc)
    import Glibc
#endif

public enum ModelCalibration {
    public struct Report: Sendable {
        public let temperature: Double
        public let samples: Int
        public let logLossBefore: Double, logLossAfter: Double
        /// nil when every row weighs 0.
        public let eceBefore: Double?, eceAfter: Double?
        /// Whether T is at an end of TemperatureScaling's range (held-out rows the model separates
        /// perfectly, or logits that say nothing).
        public var atRangeEdge: Bool {
            let r = TemperatureScaling.defaultRange
            return temperature <= r.lowerBound * (1 + 1e-9) || temperature >= r.upperBound * (1 - 1e-9)
        }
    }

    /// Whether the model's outputs go through a softmax (true) or a sigmoid each (false); nil when
    /// they are not logits (a regression, or a classifier trained with mse).
    public static func softmax(_ model: LoadedModel) -> Bool? {
        guard model.output.task != .regression else { return nil }
        switch model.network.loss {
        case is SoftmaxCrossEntropy: return true
        case is SigmoidBinaryCrossEntropy: return false
        default: return nil
        }
    }

    /// Fits T on `data`, whose raw outputs are `logits` (rows × the model's outputs).
    public static func fit(_ model: LoadedModel, logits: [Double], data: Dataset) throws(TrainingError) -> Report {
        guard let softmax = softmax(model) else {
            throw .data(
                "a temperature scales a classifier's logits; this model's outputs (loss \(model.network.loss.token)) are not logits")
        }
        let w = model.network.outputFeatures
        let weights = data.weights.map { $0.map(Double.init) }
        let fit: TemperatureScaling.Fit?
        if softmax {
            fit = TemperatureScaling.fitSoftmax(logits: logits, classes: w, labels: data.labels, weights: weights)
        } else {
            fit = TemperatureScaling.fitSigmoid(logits: logits, outputs: w, targets: targets(model, data), weights: weights)
        }
        guard let fit else { throw .data("every held-out row has weight 0: there is nothing to fit a temperature on") }
        // The temperature as the model file stores it (a float) is the one reported and measured.
        let t = Double(Float(fit.temperature))
        let after =
            softmax
            ? TemperatureScaling.softmaxLogLoss(logits: logits, classes: w, labels: data.labels, weights: weights, temperature: t)
            : TemperatureScaling.sigmoidLogLoss(logits: logits, outputs: w, targets: targets(model, data), weights: weights, temperature: t)
        return Report(
            temperature: t, samples: data.count, logLossBefore: fit.logLossBefore, logLossAfter: after,
            eceBefore: ece(model, probabilities(logits, width: w, softmax: softmax, temperature: 1), data: data)?.expectedCalibrationError,
            eceAfter: ece(model, probabilities(logits, width: w, softmax: softmax, temperature: t), data: data)?.expectedCalibrationError)
    }

    /// Every row's and output's target for a sigmoid fit: the one-hot class, or the labels.
    static func targets(_ model: LoadedModel, _ data: Dataset) -> [Bool] {
        if model.output.task == .multilabel { return MultilabelEvaluation.truth(data) }
        let w = model.network.outputFeatures
        var t = [Bool](repeating: false, count: data.count * w)
        for (i, y) in data.labels.enumerated() where Int(y) < w { t[i * w + Int(y)] = true }
        return t
    }

    /// softmax(z/T) per row, or σ(z/T) per output, in Double.
    public static func probabilities(_ z: [Double], width w: Int, softmax: Bool, temperature t: Double) -> [Double] {
        var p = [Double](repeating: 0, count: z.count)
        if !softmax {
            for i in z.indices { p[i] = 1 / (1 + exp(-z[i] / t)) }
            return p
        }
        for r in 0..<(z.count / w) {
            var m = -Double.infinity
            for k in 0..<w { m = max(m, z[r * w + k]) }
            var s = 0.0
            for k in 0..<w {
                p[r * w + k] = exp((z[r * w + k] - m) / t)
                s += p[r * w + k]
            }
            for k in 0..<w { p[r * w + k] /= s }
        }
        return p
    }

    /// The reliability bins and ECE of a model's probabilities on `data` (rows × outputs): of the
    /// top class for a classification, of every label for a multi-label model. nil when every row
    /// weighs 0.
    public static func ece(_ model: LoadedModel, _ p: [Double], data: Dataset, bins: Int = Calibration.defaultBins) -> Calibration? {
        let weights = data.weights.map { $0.map(Double.init) }
        let w = model.network.outputFeatures
        if model.output.task == .multilabel {
            return Calibration.binary(
                probabilities: p, positives: MultilabelEvaluation.truth(data),
                weights: weights.map { ws in ws.flatMap { [Double](repeating: $0, count: w) } }, bins: bins)
        }
        return Calibration.topClass(probabilities: p, classes: w, labels: data.labels, weights: weights, bins: bins)
    }

    /// The model file with `temperature` stored (and `threshold`, when given), as format 5 at least.
    public static func calibrated(_ file: SafetensorsFile, temperature: Float, threshold: StoredThreshold?) -> SafetensorsFile {
        var meta = file.metadata
        func set(_ key: String, _ value: String) {
            if let i = meta.firstIndex(where: { $0.0 == key }) { meta[i].1 = value } else { meta.append((key, value)) }
        }
        let version = file.metadataValue(for: "format_version").flatMap { Int($0) } ?? 1
        set("format_version", "\(max(version, ModelFile.calibratedVersion))")
        set(ModelFile.temperatureKey, "\(temperature)")
        if let threshold { meta = DecisionThreshold.storing(threshold, in: meta) }
        var out = file
        out.metadata = meta
        return out
    }
}
