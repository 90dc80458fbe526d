// One epoch's figures, as `mlp train --plot` draws them (TrainingCurvesSVG): the loss, and the
// metric of the second panel (accuracy for a classification, R² for a regression).
import Formats
import Training

struct EpochRecord: Equatable, Sendable {
    var epoch: Int
    var trainLoss: Double
    var trainAccuracy: Double?
    var validationLoss: Double? = nil
    var validationAccuracy: Double? = nil
    var testAccuracy: Double? = nil
    /// What the second panel shows: "accuracy" or "R²".
    var metric = "accuracy"
}

extension EpochStats {
    /// The point the training-curves plot draws: accuracy, or R² for a regression.
    var record: EpochRecord {
        let regression = accuracy == nil
        return EpochRecord(
            epoch: epoch, trainLoss: Double(loss), trainAccuracy: accuracy.map(Double.init),
            validationLoss: validation.map { Double($0.loss) },
            validationAccuracy: regression ? validation?.r2 : validation?.accuracy.map(Double.init),
            testAccuracy: regression ? test?.r2 : test?.accuracy.map(Double.init),
            metric: regression ? "R²" : "accuracy")
    }
}
