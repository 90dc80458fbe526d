// One epoch's figures, as `mlp train --plot` draws them (TrainingCurvesSVG): the loss, and the
// metric of the second panel (accuracy for a classification, R² for a regression).

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
