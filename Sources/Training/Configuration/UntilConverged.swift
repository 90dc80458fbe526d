// Training a table without an epoch count: until the validation loss stops improving. A
// (stratified) fraction of the training rows is held out for validation and the learning rate stays
// constant (a cosine schedule needs to know when training ends); when the validation loss has not
// improved for `patience` epochs, or `annealEpochs` epochs before `maxEpochs`, training goes back to
// the best epoch's weights and anneals: `annealEpochs` more epochs on all the training rows (the
// validation rows rejoin them) with the learning rate decaying to 0 (cosine). The annealed weights
// are the model. Measured on the tables of docs/benchmarks.md (validation splits of their training
// files, seeds 1–10): stopping at the best validation epoch alone lost about 0.02 R² on a 400-row
// regression and up to 2.6 points of R² on Diamonds (an outlier in the validation rows) against a
// cosine schedule of a good length, mostly for the rows held out and the noise of a constant rate;
// the anneal on all rows closes most of that, at 20 more epochs. A table too small to spare a
// validation set trains a fixed `smallTableEpochs` epochs with the table defaults' schedule.
// Whatever the user gives (--validation-split, --early-stopping, --monitor, --anneal, --schedule,
// --reduce-lr-on-plateau) is kept.

public enum UntilConverged {
    /// The fraction of the training rows held out for validation.
    public static let validationSplit: Float = 0.2
    /// Epochs without a new best validation loss before the anneal.
    public static let patience = 10
    /// Epochs of the anneal.
    public static let annealEpochs = 20
    /// The upper bound on epochs, the anneal's included.
    public static let maxEpochs = 200
    /// Below this many training rows there is no automatic validation set (its 20% would be under
    /// 30 rows, whose loss is too noisy to stop on): the run trains `smallTableEpochs` epochs.
    public static let minimumRows = 150
    public static let smallTableEpochs = 100

    /// How --help and the banner state the rule.
    public static let rule =
        "train until the validation loss stops improving: a stratified \(Int(validationSplit * 100))% of the training rows held out for validation, constant learning rate; after \(patience) epochs without improvement (or at epoch \(maxEpochs - annealEpochs)), back to the best epoch's weights and \(annealEpochs) more epochs on all the training rows with the learning rate annealed to 0 (at most \(maxEpochs) in all); fewer than \(minimumRows) training rows: \(smallTableEpochs) epochs"
}

extension TrainingConfiguration {
    /// What the user gave of the settings the automatic mode would otherwise choose.
    public struct GivenSettings: Equatable {
        public var validationSplit = false, earlyStopping = false, schedule = false, plateau = false, anneal = false
        public init(
            validationSplit: Bool = false, earlyStopping: Bool = false, schedule: Bool = false, plateau: Bool = false,
            anneal: Bool = false
        ) {
            self.validationSplit = validationSplit
            self.earlyStopping = earlyStopping
            self.schedule = schedule
            self.plateau = plateau
            self.anneal = anneal
        }
    }

    /// This configuration made to train until the validation loss stops improving, keeping what
    /// the user gave (`given`); `metric` is the one early stopping watches.
    public mutating func trainUntilConverged(given: GivenSettings, metric: MetricMonitor.Metric) {
        epochs = UntilConverged.maxEpochs
        if !given.validationSplit { validationSplit = UntilConverged.validationSplit }
        if !given.earlyStopping { earlyStopping = Watch(metric: metric, patience: UntilConverged.patience) }
        if !given.anneal { annealEpochs = UntilConverged.annealEpochs }
        if !given.schedule { schedule = .constant }
    }

    /// For a table too small for the automatic validation set: a fixed number of epochs with
    /// `defaults`' schedule instead (what the user gave is kept).
    public mutating func trainFixedEpochs(given: GivenSettings, defaults: TrainingDefaults) {
        epochs = UntilConverged.smallTableEpochs
        if !given.validationSplit { validationSplit = nil }
        if !given.earlyStopping { earlyStopping = nil }
        if !given.anneal { annealEpochs = nil }
        if !given.schedule { schedule = defaults.schedule }
    }
}
