// How well a classifier's confidence matches its accuracy: the reliability diagram's bins and the
// expected calibration error (ECE), over the top-class confidence (Guo et al., "On Calibration of
// Modern Neural Networks", 2017).
//
// Each row has a confidence c_i (the probability of its predicted class), whether that prediction is
// right, and a weight w_i (a row of weight 0 is absent). B equal-width bins split (0, 1] at b/B:
//     bin b (0-based) holds the confidences in (b/B, (b+1)/B],  b = ⌈c·B⌉ − 1 clamped to 0 … B−1
// so a confidence on an edge (c·B an integer k, as computed in Double) goes to the lower bin k − 1,
// and 0 (which a top-class confidence never is) to the first bin. Per bin, with W_b its weight:
//     conf_b = Σ w·c / W_b,   acc_b = Σ w·[right] / W_b
//     ECE = Σ_b (W_b / W)·|acc_b − conf_b|        MCE = max over non-empty bins of |acc_b − conf_b|
// The default is B = 15. Checked against a separate implementation in Scripts/metrics_oracle.py.

public struct Calibration: Equatable, Sendable {
    public struct Bin: Equatable, Sendable {
        /// The bin holds confidences in (lower, upper].
        public let lower: Double
        public let upper: Double
        /// Rows in the bin, and their weight.
        public let count: Int
        public let weight: Double
        /// Weighted mean confidence and accuracy of its rows (0 for an empty bin).
        public let confidence: Double
        public let accuracy: Double
        public var isEmpty: Bool { weight == 0 }
    }

    public static let defaultBins = 15

    public let bins: [Bin]
    /// Σ_b (W_b/W)·|acc_b − conf_b|.
    public let expectedCalibrationError: Double
    /// The largest |acc_b − conf_b| over the bins with weight.
    public let maximumCalibrationError: Double

    /// The bin of confidence c among `bins`.
    @inline(__always)
    public static func bin(of c: Double, bins: Int) -> Int {
        min(max(Int((c * Double(bins)).rounded(.up)) - 1, 0), bins - 1)
    }

    /// From each row's confidence and whether its prediction is right. nil when the weights sum to 0.
    public static func reliability(
        confidences: [Double], correct: [Bool], weights: [Double]? = nil,
        bins: Int = defaultBins
    ) -> Calibration? {
        let n = correct.count
        precondition(bins >= 1, "one bin or more")
        precondition(confidences.count == n, "one confidence per row")
        precondition(MetricInputs.firstInvalidProbability(confidences) == nil, "a confidence is NaN or outside [0, 1]")
        MetricInputs.checkWeights(weights, rows: n)
        var count = [Int](repeating: 0, count: bins)
        var weight = [Double](repeating: 0, count: bins)
        var confidence = weight
        var right = weight
        for i in 0..<n {
            let w = weights?[i] ?? 1
            if w == 0 { continue }
            let b = bin(of: confidences[i], bins: bins)
            count[b] += 1
            weight[b] += w
            confidence[b] += w * confidences[i]
            if correct[i] { right[b] += w }
        }
        let total = weight.reduce(0, +)
        guard total > 0 else { return nil }
        var result = [Bin]()
        var ece = 0.0
        var mce = 0.0
        for b in 0..<bins {
            let wb = weight[b]
            let conf = wb > 0 ? confidence[b] / wb : 0
            let acc = wb > 0 ? right[b] / wb : 0
            if wb > 0 {
                ece += wb / total * abs(acc - conf)
                mce = max(mce, abs(acc - conf))
            }
            result.append(
                Bin(
                    lower: Double(b) / Double(bins), upper: Double(b + 1) / Double(bins), count: count[b], weight: wb,
                    confidence: conf, accuracy: acc))
        }
        return Calibration(bins: result, expectedCalibrationError: ece, maximumCalibrationError: mce)
    }

    /// Softmax outputs: P (n, classes) row-major; the prediction is the row's argmax (the first on
    /// ties), the confidence its probability.
    public static func topClass(
        probabilities: [Double], classes: Int, labels: [Int32], weights: [Double]? = nil,
        bins: Int = defaultBins
    ) -> Calibration? {
        let n = labels.count
        precondition(classes >= 1 && probabilities.count == n * classes, "one row of probabilities per label")
        precondition(MetricInputs.firstInvalidProbability(probabilities) == nil, "a probability is NaN or outside [0, 1]")
        var confidences = [Double](repeating: 0, count: n)
        var correct = [Bool](repeating: false, count: n)
        for i in 0..<n {
            var best = 0
            for j in 1..<classes where probabilities[i * classes + j] > probabilities[i * classes + best] { best = j }
            confidences[i] = probabilities[i * classes + best]
            correct[i] = best == Int(labels[i])
        }
        return reliability(confidences: confidences, correct: correct, weights: weights, bins: bins)
    }

    /// One sigmoid output: p = P(positive); the prediction is positive when p ≥ 0.5, the confidence
    /// max(p, 1 − p). (The same as `topClass` on the rows [1 − p, p] except at p = 0.5 exactly, which
    /// the argmax calls negative.)
    public static func binary(
        probabilities: [Double], positives: [Bool], weights: [Double]? = nil,
        bins: Int = defaultBins
    ) -> Calibration? {
        precondition(probabilities.count == positives.count, "one probability per row")
        precondition(MetricInputs.firstInvalidProbability(probabilities) == nil, "a probability is NaN or outside [0, 1]")
        let confidences = probabilities.map { max($0, 1 - $0) }
        let correct = positives.indices.map { (probabilities[$0] >= 0.5) == positives[$0] }
        return reliability(confidences: confidences, correct: correct, weights: weights, bins: bins)
    }
}
