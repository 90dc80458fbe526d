// Every flag of every command, declared once. A command lists the ones it accepts (a few with help
// worded for it); `--help`, the parser and the typed reads (Arguments) work from these.

import Formats
import Model
import Tables
import Training

enum Flags {
    // MARK: data
    static let data = Flag("data", "DIR", .text, "directory with the four MNIST IDX files, each raw or .gz")
    static let trainImages = Flag("train-images", "FILE", .text, "training images (overrides --data)")
    static let trainLabels = Flag("train-labels", "FILE", .text, "training labels (overrides --data)")
    static let testImages = Flag(
        "test-images", "FILE", .text, "test images (overrides --data; without --data and without these two, training has no test set)")
    static let testLabels = Flag("test-labels", "FILE", .text, "test labels (overrides --data)")
    static let validationImages = Flag("validation-images", "FILE", .text, "validation images (instead of --validation-split)")
    static let validationLabels = Flag("validation-labels", "FILE", .text, "validation labels")
    static let images = Flag(
        "images", "FILE", .text, "images: IDX (raw or .gz), or one PGM (P2/P5) or PNG image, told apart by their first bytes")
    static let model = Flag("model", "FILE", .text, "the model file written by 'mlp train'")
    static let testData = Flag(
        "test-data", "FILE", .text, "a CSV file to test on (with --data FILE); else --test-split holds some rows out")
    static let input = Flag(
        "input", "FILE", .text,
        "a CSV file of rows to predict (the model's feature columns; its target columns and other columns, if there, are ignored)")
    /// --decimal and --thousands for evaluate and predict, whose default is the model's own.
    static let modelDecimal = Flag("decimal", "MARK", .text, "the decimal mark of the CSV numbers: . or , (default: the training file's)")
        .choosing([".", ","])
    static let modelThousands = Flag(
        "thousands", "SEP", .text, "the thousands separator of the CSV numbers: , . ' space _ or none (default: the training file's)"
    ).choosing([",", ".", "space", "_", "none"])
    static let idColumn = Flag("id-column", "COLUMN", .text, "echo this CSV column (an ID, as written) beside each row's answer")

    // MARK: the training configuration (stored in checkpoints)
    static let target = Flag(
        "target", "COLUMN[,COLUMN...]", .text,
        "the CSV column(s) to predict (default: the last one; several: a label each when each holds two values, else a regression on each)",
        configuration: true)
    static let task = Flag(
        "task", "TASK", .text,
        "classification, regression or multilabel (a sigmoid output per target column, bce) (default: inferred: one target column, \(Task.rule); \(Task.severalRule))",
        configuration: true
    ).choosing(["classification", "regression", "multilabel"])
    static let categorical = Flag(
        "categorical", "COLUMNS", .text, "CSV columns to one-hot encode even though they hold numbers (comma-separated)",
        configuration: true)
    static let missing = Flag(
        "missing", "HOW", .text,
        "fill missing CSV values with the training rows' mean, median or most-frequent value (categories: the most frequent); missing are an empty field, NA and ?, and with this flag also pandas' markers #N/A, #N/A N/A, #NA, -1.#IND, -1.#QNAN, -NaN, -nan, 1.#IND, 1.#QNAN, <NA>, N/A, NULL, NaN, None, n/a, nan, null (in every column); default: a missing value is an error",
        configuration: true
    ).choosing(["mean", "median", "most-frequent"])
    static let delimiter = Flag("delimiter", "D", .text, "the CSV field delimiter: , ; tab or |", default: ",", configuration: true)
        .choosing([",", ";", "tab", "|"])
    static let decimal = Flag(
        "decimal", "MARK", .text,
        "the decimal mark of the CSV numbers: . or , (a decimal comma; with the , delimiter only inside quotes); stored with the model",
        default: ".", configuration: true
    ).choosing([".", ","])
    static let thousands = Flag(
        "thousands", "SEP", .text,
        "the thousands separator of the CSV numbers: , . ' space or _ (1,234,567.5; groups of three digits), or none; stored with the model",
        default: "none", configuration: true
    ).choosing([",", ".", "space", "_", "none"])
    static let testSplit = Flag(
        "test-split", "F", .number(what: "between 0 and 1 (exclusive)", check: .openUnitInterval),
        "hold out a seeded fraction F of the CSV rows as the test set (without --test-data); a classification's keeps each class's share",
        configuration: true)
    static let ignore = Flag(
        "ignore", "COLUMNS", .text,
        "CSV columns to leave out (comma-separated: IDs, names, notes); the model does not read them, nor do evaluate and predict; \(ColumnSelection.manyCategoriesRule): leave it out here, or one-hot encode it anyway with --categorical",
        configuration: true)
    static let features = Flag(
        "features", "COLUMNS", .text, "the only CSV columns to learn from (comma-separated; the opposite of --ignore)", configuration: true)
    static let missingTarget = Flag(
        "missing-target", "HOW", .text,
        "rows whose target is missing: skip (left out of training and testing, with one line saying how many) or error", default: "skip",
        configuration: true
    ).choosing(["skip", "error"])
    /// --missing-target for evaluate.
    static let evaluateMissingTarget = Flag(
        "missing-target", "HOW", .text,
        "rows whose target is missing: skip (left out of the figures, with one line saying how many) or error", default: "skip"
    ).choosing(["skip", "error"])
    static let hidden = Flag("hidden", "N[,N...]", .text, "hidden layer widths, ReLU", default: "128", configuration: true)
    static let activation = Flag("activation", "ACT", .text, "activation of the --hidden layers", default: "relu", configuration: true)
        .choosing(["relu", "leaky_relu", "sigmoid", "tanh", "gelu", "swish", "linear"])
    static let layers = Flag(
        "layers", "ARCH", .text, "architecture string, e.g. \"512:relu,dropout:0.2,256:relu,batchnorm,10\"", configuration: true)
    static let loss = Flag(
        "loss", "LOSS", .text, "cross_entropy, cross_entropy:SMOOTHING, bce; for regression mse, mae, huber[:DELTA]",
        defaultNote: "cross_entropy for a classification, mse for a regression", configuration: true
    ).choosing(["cross_entropy", "bce", "mse", "mae", "huber"])
    static let initializer = Flag(
        "init", "INIT", .text,
        "he-normal, he-uniform, xavier-normal, xavier-uniform, orthogonal, zeros (default: He for ReLU-family layers, Xavier otherwise)",
        configuration: true
    ).choosing(["he-normal", "he-uniform", "xavier-normal", "xavier-uniform", "orthogonal", "zeros"])
    static let optimizer = Flag(
        "optimizer", "OPT", .text, "sgd, nesterov, adam, adamw", defaultNote: TrainingDefaults.optimizerNote, configuration: true
    ).choosing(["sgd", "nesterov", "adam", "adamw"])
    static let lr = Flag(
        "lr", "X", .number(what: "positive", check: .positive), "learning rate", defaultNote: TrainingDefaults.learningRateNote,
        configuration: true)
    static let momentum = Flag(
        "momentum", "X", .number(what: "in [0, 1)", check: .belowOne), "SGD momentum (default 0.9; 0 gives plain SGD)", configuration: true)
    static let weightDecay = Flag(
        "weight-decay", "X", .number(what: "zero or positive", check: .nonNegative), "L2 weight decay; decoupled for adamw",
        defaultNote: TrainingDefaults.weightDecayNote, configuration: true)
    static let beta1 = Flag("beta1", "X", .number(what: "in [0, 1)", check: .belowOne), "Adam β1", default: "0.9", configuration: true)
    static let beta2 = Flag("beta2", "X", .number(what: "in [0, 1)", check: .belowOne), "Adam β2", default: "0.999", configuration: true)
    static let schedule = Flag(
        "schedule", "SCHED", .text, "learning-rate schedule: constant, step[:EVERY[:GAMMA]], cosine",
        defaultNote: TrainingDefaults.scheduleNote, configuration: true
    ).choosing(["constant", "step", "cosine"])
    static let warmup = Flag(
        "warmup", "N", .integer(0...100_000), "epochs of linear learning-rate warm-up", default: "0", configuration: true)
    static let clipGradNorm = Flag(
        "clip-grad-norm", "X", .number(what: "positive", check: .positive), "clip the global gradient norm to X", configuration: true)
    static let maxNorm = Flag(
        "max-norm", "C", .number(what: "positive", check: .positive),
        "after every step, scale each dense unit's incoming weights down to L2 norm C when longer (max-norm; a layer's own :maxnorm=C wins)",
        configuration: true)
    static let epochs = Flag(
        "epochs", "N", .integer(1...100_000), "passes over the training set, exactly N",
        defaultNote: "5 for images; for a CSV table, \(UntilConverged.rule)", configuration: true)
    static let batchSize = Flag("batch-size", "N", .integer(1...1 << 20), "examples per step", default: "64", configuration: true)
    static let seed = Flag(
        "seed", "N", .integer(0...Int.max), "seed for initialization, shuffling, dropout and the validation split", default: "1",
        configuration: true)
    static let validationSplit = Flag(
        "validation-split", "F", .number(what: "between 0 and 1 (exclusive)", check: .openUnitInterval),
        "hold out the last fraction F of the (seeded, shuffled) training set for validation; a CSV classification's keeps each class's share",
        configuration: true)
    static let earlyStopping = Flag(
        "early-stopping", "PATIENCE", .integer(1...100_000),
        "stop after PATIENCE epochs without improvement of the monitored metric; keep the best weights", configuration: true)
    static let anneal = Flag(
        "anneal", "EPOCHS", .integer(1...100_000),
        "with --early-stopping: when it would stop, go back to the best weights and decay the learning rate to 0 over EPOCHS epochs (cosine), then stop with the best weights; a run that reaches its last EPOCHS epochs anneals over them",
        configuration: true)
    static let monitor = Flag(
        "monitor", "METRIC", .text,
        "val_loss (default), val_accuracy or val_NAME of a --metrics name (val_auc, val_f1, val_log_loss, …: classification), or val_r2 (regression), for --early-stopping and --reduce-lr-on-plateau; each is maximized, or minimized for the losses and the Brier score",
        configuration: true
    ).choosing(MetricMonitor.Metric.allCases.map(\.rawValue))
    static let classWeight = Flag(
        "class-weight", "WEIGHTS", .text,
        "weigh each class's rows in the loss: balanced (n_samples / (n_classes · count of the class), as scikit-learn), or LABEL:W for the classes named by their labels as the data writes them (others weigh 1); the validation and test figures stay unweighted by them",
        configuration: true
    ).choosing(["balanced"])
    static let weightColumn = Flag(
        "weight-column", "COLUMN", .text,
        "CSV: the column holding each row's weight (not a feature; 0 allowed, a missing or negative weight is an error): the loss, its gradient, the epoch's loss and the validation and test figures are weighted by it; the model records it, so evaluate weights its figures when the data has it",
        configuration: true)
    static let metrics = Flag(
        "metrics", "NAMES", .text,
        "classification figures added to the epoch lines, --log and --log-csv for the validation and test sets (comma-separated, or all): auc, pr_auc, f1, f1_weighted, precision, recall, log_loss, brier, balanced_accuracy, top_k_accuracy (pr_auc, precision and recall: two classes; top_k_accuracy: more)",
        configuration: true
    ).choosing(ClassificationMetric.allCases.map(\.rawValue) + ["all"])
    static let augment = Flag(
        "augment", "SPEC", .text,
        "distort each training image afresh every epoch (images only; validation and test images never): comma-separated parts shift[:PIXELS] (default 2), rotate[:DEGREES] (15), scale[:F[:FY]] (0.15), shear[:S] (0.3), elastic[:ALPHA[:SIGMA]] (34, 4), e.g. shift:2,rotate:15,elastic:34:4",
        configuration: true)
    static let reduceLROnPlateau = Flag(
        "reduce-lr-on-plateau", "FACTOR,PATIENCE", .text, "multiply the learning rate by FACTOR after PATIENCE epochs without improvement",
        configuration: true)

    static let config = Flag(
        "config", "FILE.json", .text,
        "read the training settings from a JSON object whose keys are the training flags' names with _ for - (\"lr\", \"weight_decay\", \"hidden\"), as 'mlp config' prints them; a flag on the command line overrides the file"
    )

    // MARK: cv and search
    static let folds = Flag(
        "folds", "K", .integer(2...1000),
        "split the rows into K folds (stratified for a classification); each trains on the others and is evaluated on its own", default: "5"
    )
    static let repeats = Flag("repeats", "R", .integer(1...10_000), "how many times to repeat (each command says what)")
    static let parallel = Flag(
        "parallel", "N", .integer(1...1024),
        "sessions side by side on this process's cores, one thread each (default: one per core; under mpirun, per rank)")
    static let report = Flag(
        "report", "FILE.html", .text,
        "write one self-contained HTML page (no network, no external scripts or fonts): sortable table, figures against each hyperparameter, learning curves, the folds' spread"
    )

    static let dropout = Flag(
        "dropout", "P", .text, "search: a dropout layer after each --hidden layer, with P a range (0..0.5) or choices (0|0.2|0.5)")
    static let space = Flag(
        "space", "FILE.json", .text,
        "search: the dimensions as a JSON object by key ({\"lr\": \"1e-4..1e-2:log\", \"hidden\": [\"64\", \"128,64\"], \"dropout\": {\"min\": 0, \"max\": 0.5}}); a flag's range wins over the file's"
    )
    static let trials = Flag(
        "trials", "N", .integer(1...1_000_000), "search: how many configurations to try (random: default 20; grid: at most N of the grid)")
    static let sampler = Flag(
        "sampler", "HOW", .text, "search: random (each trial drawn from the space) or grid (every combination)", default: "random"
    ).choosing(["random", "grid"])
    static let gridPoints = Flag(
        "grid-points", "N", .integer(2...1000), "search: values a range takes on a grid (geometric for :log)", default: "3")
    static let eta = Flag(
        "eta", "η", .integer(2...100), "search: successive halving's factor: the best 1/η of a rung go on to η times the epochs",
        default: "3")
    static let minEpochs = Flag(
        "min-epochs", "N", .integer(1...100_000),
        "search: every trial's first budget of epochs (the rungs: N, Nη, Nη², …, --epochs); --epochs itself: no halving", default: "1")
    static let objective = Flag(
        "objective", "METRIC", .text,
        "search: the validation figure to optimize, minimized or maximized as it says (val_loss, val_accuracy, val_rmse, val_mae, val_r2)",
        default: "val_loss")
    static let outDir = Flag(
        "out-dir", "DIR", .text,
        "search: the directory of the leaderboard, the checkpoints, best.json, best.safetensors and the plots (run again with it to continue)",
        default: "search")

    // MARK: the run
    static let maxSeconds = Flag(
        "max-seconds", "S", .number(what: "positive", check: .positive), "stop cleanly after the epoch that passes S seconds of training")
    static let checkpoint = Flag(
        "checkpoint", "FILE", .text,
        "write the full training state here after every epoch, atomically (so a regular file or a new path, not - or a pipe)")
    static let resume = Flag(
        "resume", "FILE", .text,
        "continue the run saved in this checkpoint (its configuration is kept; --epochs, counted from the run's start, may extend it)")
    static let out = Flag(
        "out", "FILE", .text,
        "where to write the model, or - for standard output (with --resume: the run's own --out, which the checkpoint records)",
        default: "model.safetensors")
    static let log = Flag(
        "log", "FILE", .text,
        "write one JSON object per epoch (JSON lines), rewritten atomically each epoch; - or a pipe gets each line as it comes")
    static let logCSV = Flag("log-csv", "FILE", .text, "the same as CSV with a header")
    static let saveSplit = Flag(
        "save-split", "DIR", .text,
        "write the rows --test-split and --validation-split hold out into DIR (test.csv, validation.csv, or IDX files for images) with their indices, to evaluate them later"
    )
    static let plot = Flag(
        "plot", "FILE.svg", .text,
        "draw the training curves (loss and accuracy per epoch) as SVG, rewritten each epoch (- or a pipe: once, at the end)")
    static let quiet = Flag.toggle("quiet", "no progress bar or banner: one plain line per epoch (twice: as --silent)").repeating()
    static let silent = Flag.toggle("silent", "nothing on stderr but warnings and errors (for sweeps of many runs)")

    // MARK: evaluate, predict, inspect
    static let evaluationBatchSize = Flag("batch-size", "N", .integer(1...1 << 20), "examples per forward pass", default: "1000")
    static let minAccuracy = Flag(
        "min-accuracy", "X", .number(what: "between 0 and 1", check: .unitInterval),
        "exit with code 3 when the accuracy is below X (0 to 1)")
    static let minR2 = Flag("min-r2", "X", .number(what: "at most 1", check: .atMostOne), "regression: exit with code 3 when R² is below X")
    static let maxRMSE = Flag(
        "max-rmse", "X", .number(what: "positive", check: .positive),
        "regression: exit with code 3 when the RMSE (in the target's units) is above X")
    static let minAUC = Flag(
        "min-auc", "X", .number(what: "between 0 and 1", check: .unitInterval),
        "exit with code 3 when the ROC AUC is below X (two classes; the mean one-vs-rest AUC with more)")
    static let minF1 = Flag(
        "min-f1", "X", .number(what: "between 0 and 1", check: .unitInterval),
        "exit with code 3 when the F1 is below X (the positive class's with two classes; the macro F1 with more)")
    static let minBalancedAccuracy = Flag(
        "min-balanced-accuracy", "X", .number(what: "between 0 and 1", check: .unitInterval),
        "exit with code 3 when the balanced accuracy (the mean recall over the classes) is below X")
    static let maxLogLoss = Flag(
        "max-log-loss", "X", .number(what: "zero or positive", check: .nonNegative), "exit with code 3 when the log-loss is above X")
    static let minRecall = Flag(
        "min-recall", "LABEL:X", .text, "exit with code 3 when the recall of class LABEL is below X (repeatable, one class each)"
    ).repeating()
    static let positiveLabel = Flag(
        "positive-label", "LABEL", .text,
        "the positive class of a two-class model, as its label is printed (default: the model's stored one, else the second class in sorted order, as scikit-learn's pos_label for 0/1)"
    )
    static let threshold = Flag(
        "threshold", "X", .number(what: "between 0 and 1", check: .unitInterval),
        "two classes: predict the positive class when its probability is at least X; multi-label: a label is on when its probability is at least X (default: the model's stored threshold, else 0.5)"
    )
    static let misclassified = Flag(
        "misclassified", "N", .integer(1...Int.max), "also list the N most confident mistakes (index, true, predicted, probability)")
    static let limit = Flag("limit", "N", .integer(1...Int.max), "only the first N images")
    static let topK = Flag(
        "top-k", "K", .integer(1...Int.max), "the K most probable classes per image (CSV columns class2,prob2,...; JSON \"top_k\")")
    static let show = Flag.toggle("show", "draw each image in the terminal beside its prediction, instead of CSV")
    static let samples = Flag("samples", "N", .integer(1...Int.max), "how many images, from the first", default: "1000")

    // MARK: export
    static let exportOut = Flag("out", "FILE", .text, "where to write the file, or - for standard output")
    static let noFold = Flag.toggle(
        "no-fold-batchnorm", "keep batch norm as its own node instead of folding it into the dense layer before it")

    // MARK: quantize
    static let int8Out = Flag("out", "FILE", .text, "where to write the INT8 model (safetensors), or - for standard output")

    // MARK: calibrate, importance, evaluate's reliability diagram
    static let calibratedOut = Flag(
        "out", "FILE", .text,
        "where to write the calibrated model (the --model file itself to update it in place), or - for standard output")
    static let pickThreshold = Flag(
        "pick-threshold", "RULE", .text,
        "binary models: also choose the decision threshold on the held-out rows that maximizes f1 (the positive class's F1) or youden (recall + specificity − 1), and store it"
    ).choosing(DecisionThreshold.Rule.allCases.map(\.rawValue))
    static let plotCalibration = Flag(
        "plot-calibration", "FILE.svg", .text,
        "draw the reliability diagram as SVG: per bin of confidence, the accuracy against the confidence, with the diagonal and the bins' counts (- for standard output)"
    )
    static let importanceMetric = Flag(
        "metric", "METRIC", .text,
        "the score whose drop is measured: accuracy, log_loss, auc, f1 (classification); r2, rmse, mae (regression); accuracy (every label right), hamming_loss, log_loss, f1 (micro) for multi-label",
        defaultNote: "accuracy for a classifier, r2 for a regression"
    ).choosing(["accuracy", "log_loss", "auc", "f1", "r2", "rmse", "mae", "hamming_loss"])

    // MARK: completions
    static let shell = Flag("shell", "SHELL", .text, "the shell: bash or zsh (or give it as the first argument)").choosing(
        Completions.shells)

    // MARK: shared by several commands
    static let threads = Flag("threads", "N", .integer(1...1024), "threads for the GEMMs and elementwise loops (default: all cores)")
    static let json = Flag.toggle("json", "print one JSON object on stdout")
    static let maxMemory = Flag(
        "max-memory", "BYTES", .bytes,
        "refuse to start when the data and model need more memory than this (e.g. 512M, 8G; default: MemAvailable from /proc/meminfo)")

    /// The flags of the training configuration, in the order checkpoints list them.
    static let configuration: [Flag] = [
        target, task, ignore, features, categorical, missing, missingTarget, delimiter, decimal, thousands, testSplit, weightColumn,
        classWeight,
        hidden, activation, layers, loss, initializer, optimizer, lr, momentum, weightDecay,
        beta1, beta2, schedule, warmup, clipGradNorm, maxNorm, epochs, batchSize, seed,
        validationSplit, earlyStopping, anneal, monitor, metrics, reduceLROnPlateau, augment,
    ]
}
