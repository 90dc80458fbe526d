// Regression figures in the targets' own units: RMSE and MAE per target, scaled back from the
// standardized units the network works in, and their unweighted means over the targets (as
// scikit-learn's mean_squared_error and r2_score average several outputs).
import Model

public enum SessionMetrics {
    public struct Regression {
        /// Means over the targets.
        public let rmse: Double, mae: Double, r2: Double
        /// Per target, in its order.
        public let perTarget: [(rmse: Double, mae: Double, r2: Double)]

        public init(rmse: Double, mae: Double, r2: Double, perTarget: [(rmse: Double, mae: Double, r2: Double)]) {
            self.rmse = rmse
            self.mae = mae
            self.r2 = r2
            self.perTarget = perTarget
        }
    }

    public static func regression(_ ev: RegressionEvaluation, scale: [Float]) -> Regression {
        let per = ev.meanSquaredError.indices.map { j -> (rmse: Double, mae: Double, r2: Double) in
            let s = Double(j < scale.count ? scale[j] : 1)
            return (ev.meanSquaredError[j].squareRoot() * s, ev.meanAbsoluteError[j] * s, ev.r2[j])
        }
        let n = Double(max(per.count, 1))
        return Regression(
            rmse: per.reduce(0) { $0 + $1.rmse } / n, mae: per.reduce(0) { $0 + $1.mae } / n,
            r2: per.reduce(0) { $0 + $1.r2 } / n, perTarget: per)
    }
}
