// One epoch's figures, as `mlp train --plot` draws them (TrainingCurvesSVG).

struct EpochRecord: Equatable, Sendable {
    var epoch: Int
    var trainLoss: Double
    var trainAccuracy: Double
    var validationLoss: Double? = nil
    var validationAccuracy: Double? = nil
    var testAccuracy: Double? = nil
}
