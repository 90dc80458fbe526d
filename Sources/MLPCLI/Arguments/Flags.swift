// Every flag of every command, declared once. A command lists the ones it accepts (a few with help
// worded for it); `--help`, the parser and the typed reads (Arguments) work from these.

import Formats
import Tables
import Training

enum Flags {
    // MARK: data
    static let data = Flag("data", "DIR", .text, "directory with the four MNIST IDX files, each raw or .gz")
    static let trainImages = Flag("train-images", "FILE", .text, "training images (overrides --data)")
    static let trainLabels = Flag("train-labels", "FILE", .text, "training labels (overrides --data)")
    static let testImages = Flag("test-images", "FILE", .text, "test images (overrides --data; without --data and without these two, training has no test set)")
    static let testLabels = Flag("test-labels", "FILE", .text, "test labels (overrides --data)")
    static let validationImages = Flag("validation-images", "FILE", .text, "validation images (instead of --validation-split)")
    static let validationLabels = Flag("validation-labels", "FILE", .text, "validation labels")
    static let images = Flag("images", "FILE", .text, "images: IDX (raw or .gz), or one PGM (P2/P5) or PNG image, told apart by their first bytes")
    static let model = Flag("model", "FILE", .text, "the model file written by 'mlp train'")
    static let testData = Flag("test-data", "FILE", .text, "a CSV file to test on (with --data FILE); else --test-split holds some rows out")
    static let input = Flag("input", "FILE", .text, "a CSV file of rows to predict (the model's feature columns; its target columns and other columns, if there, are ignored)")
    /// --decimal and --thousands for evaluate and predict, whose default is the model's own.
    static let modelDecimal = Flag("decimal", "MARK", .text, "the decimal mark of the CSV numbers: . or , (default: the training file's)").choosing([".", ","])
    static let modelThousands = Flag("thousands", "SEP", .text, "the thousands separator of the CSV numbers: , . ' space _ or none (default: the training file's)").choosing([",", ".", "space", "_", "none"])
    static let idColumn = Flag("id-column", "COLUMN", .text, "echo this CSV column (an ID, as written) beside each row's answer")

    // MARK: the training configuration (stored in checkpoints)
    static let target = Flag("target", "COLUMN[,COLUMN...]", .text, "the CSV column(s) to predict (default: the last one; several: a regression on each)", configuration: true)
    static let task = Flag("task", "TASK", .text, "classification or regression (default: inferred from the target column: \(Task.rule))", configuration: true).choosing(["classification", "regression"])
    static let categorical = Flag("categorical", "COLUMNS", .text, "CSV columns to one-hot encode even though they hold numbers (comma-separated)", configuration: true)
    static let missing = Flag("missing", "HOW", .text, "fill missing CSV values with the training rows' mean, median or most-frequent value (categories: the most frequent); missing are an empty field, NA and ?, and with this flag also pandas' markers #N/A, #N/A N/A, #NA, -1.#IND, -1.#QNAN, -NaN, -nan, 1.#IND, 1.#QNAN, <NA>, N/A, NULL, NaN, None, n/a, nan, null (in every column); default: a missing value is an error", configuration: true).choosing(["mean", "median", "most-frequent"])
    static let delimiter = Flag("delimiter", "D", .text, "the CSV field delimiter: , ; tab or |", default: ",", configuration: true).choosing([",", ";", "tab", "|"])
    static let decimal = Flag("decimal", "MARK", .text, "the decimal mark of the CSV numbers: . or , (a decimal comma; with the , delimiter only inside quotes); stored with the model", default: ".", configuration: true).choosing([".", ","])
    static let thousands = Flag("thousands", "SEP", .text, "the thousands separator of the CSV numbers: , . ' space or _ (1,234,567.5; groups of three digits), or none; stored with the model", default: "none", configuration: true).choosing([",", ".", "space", "_", "none"])
    static let testSplit = Flag("test-split", "F", .number(what: "between 0 and 1 (exclusive)", check: .openUnitInterval), "hold out a seeded fraction F of the CSV rows as the test set (without --test-data); a classification's keeps each class's share", configuration: true)
    static let ignore = Flag("ignore", "COLUMNS", .text, "CSV columns to leave out (comma-separated: IDs, names, notes); the model does not read them, nor do evaluate and predict. \(ColumnSelection.manyCategoriesRule): leave it out here, or one-hot encode it anyway with --categorical", configuration: true)
    static let features = Flag("features", "COLUMNS", .text, "the only CSV columns to learn from (comma-separated; the opposite of --ignore)", configuration: true)
    static let missingTarget = Flag("missing-target", "HOW", .text, "rows whose target is missing: skip (left out of training and testing, with one line saying how many) or error", default: "skip", configuration: true).choosing(["skip", "error"])
    /// --missing-target for evaluate.
    static let evaluateMissingTarget = Flag("missing-target", "HOW", .text, "rows whose target is missing: skip (left out of the figures, with one line saying how many) or error", default: "skip").choosing(["skip", "error"])
    static let hidden = Flag("hidden", "N[,N...]", .text, "hidden layer widths, ReLU", default: "128", configuration: true)
    static let activation = Flag("activation", "ACT", .text, "activation of the --hidden layers", default: "relu", configuration: true).choosing(["relu", "leaky_relu", "sigmoid", "tanh", "gelu", "swish", "linear"])
    static let layers = Flag("layers", "ARCH", .text, "architecture string, e.g. \"512:relu,dropout:0.2,256:relu,batchnorm,10\"", configuration: true)
    static let loss = Flag("loss", "LOSS", .text, "cross_entropy, cross_entropy:SMOOTHING, bce; for regression mse, mae, huber[:DELTA]", defaultNote: "cross_entropy for a classification, mse for a regression", configuration: true).choosing(["cross_entropy", "bce", "mse", "mae", "huber"])
    static let initializer = Flag("init", "INIT", .text, "he-normal, he-uniform, xavier-normal, xavier-uniform, orthogonal, zeros (default: He for ReLU-family layers, Xavier otherwise)", configuration: true).choosing(["he-normal", "he-uniform", "xavier-normal", "xavier-uniform", "orthogonal", "zeros"])
    static let optimizer = Flag("optimizer", "OPT", .text, "sgd, nesterov, adam, adamw", defaultNote: TrainingDefaults.optimizerNote, configuration: true).choosing(["sgd", "nesterov", "adam", "adamw"])
    static let lr = Flag("lr", "X", .number(what: "positive", check: .positive), "learning rate", defaultNote: TrainingDefaults.learningRateNote, configuration: true)
    static let momentum = Flag("momentum", "X", .number(what: "in [0, 1)", check: .belowOne), "SGD momentum (default 0.9; 0 gives plain SGD)", configuration: true)
    static let weightDecay = Flag("weight-decay", "X", .number(what: "zero or positive", check: .nonNegative), "L2 weight decay; decoupled for adamw", defaultNote: TrainingDefaults.weightDecayNote, configuration: true)
    static let beta1 = Flag("beta1", "X", .number(what: "in [0, 1)", check: .belowOne), "Adam β1", default: "0.9", configuration: true)
    static let beta2 = Flag("beta2", "X", .number(what: "in [0, 1)", check: .belowOne), "Adam β2", default: "0.999", configuration: true)
    static let schedule = Flag("schedule", "SCHED", .text, "learning-rate schedule: constant, step[:EVERY[:GAMMA]], cosine", defaultNote: TrainingDefaults.scheduleNote, configuration: true).choosing(["constant", "step", "cosine"])
    static let warmup = Flag("warmup", "N", .integer(0...100_000), "epochs of linear learning-rate warm-up", default: "0", configuration: true)
    static let clipGradNorm = Flag("clip-grad-norm", "X", .number(what: "positive", check: .positive), "clip the global gradient norm to X", configuration: true)
    static let maxNorm = Flag("max-norm", "C", .number(what: "positive", check: .positive), "after every step, scale each dense unit's incoming weights down to L2 norm C when longer (max-norm; a layer's own :maxnorm=C wins)", configuration: true)
    static let epochs = Flag("epochs", "N", .integer(1...100_000), "passes over the training set, exactly N", defaultNote: "5 for images; for a CSV table, \(UntilConverged.rule)", configuration: true)
    static let batchSize = Flag("batch-size", "N", .integer(1...1 << 20), "examples per step", default: "64", configuration: true)
    static let seed = Flag("seed", "N", .integer(0...Int.max), "seed for initialization, shuffling, dropout and the validation split", default: "1", configuration: true)
    static let validationSplit = Flag("validation-split", "F", .number(what: "between 0 and 1 (exclusive)", check: .openUnitInterval), "hold out the last fraction F of the (seeded, shuffled) training set for validation; a CSV classification's keeps each class's share", configuration: true)
    static let earlyStopping = Flag("early-stopping", "PATIENCE", .integer(1...100_000), "stop after PATIENCE epochs without improvement of the monitored metric; keep the best weights", configuration: true)
    static let anneal = Flag("anneal", "EPOCHS", .integer(1...100_000), "with --early-stopping: when it would stop, go back to the best weights and decay the learning rate to 0 over EPOCHS epochs (cosine), then stop with the best weights; a run that reaches its last EPOCHS epochs anneals over them", configuration: true)
    static let monitor = Flag("monitor", "METRIC", .text, "val_loss (default), val_accuracy (classification) or val_r2 (regression), for --early-stopping and --reduce-lr-on-plateau", configuration: true).choosing(["val_loss", "val_accuracy", "val_r2"])
    static let augment = Flag("augment", "SPEC", .text, "distort each training image afresh every epoch (images only; validation and test images never): comma-separated parts shift[:PIXELS] (default 2), rotate[:DEGREES] (15), scale[:F[:FY]] (0.15), shear[:S] (0.3), elastic[:ALPHA[:SIGMA]] (34, 4), e.g. shift:2,rotate:15,elastic:34:4", configuration: true)
    static let reduceLROnPlateau = Flag("reduce-lr-on-plateau", "FACTOR,PATIENCE", .text, "multiply the learning rate by FACTOR after PATIENCE epochs without improvement", configuration: true)

    // MARK: the run
    static let maxSeconds = Flag("max-seconds", "S", .number(what: "positive", check: .positive), "stop cleanly after the epoch that passes S seconds of training")
    static let checkpoint = Flag("checkpoint", "FILE", .text, "write the full training state here after every epoch, atomically (so a regular file or a new path, not - or a pipe)")
    static let resume = Flag("resume", "FILE", .text, "continue the run saved in this checkpoint (its configuration is kept; --epochs, counted from the run's start, may extend it)")
    static let out = Flag("out", "FILE", .text, "where to write the model, or - for standard output (with --resume: the run's own --out, which the checkpoint records)", default: "model.safetensors")
    static let log = Flag("log", "FILE", .text, "write one JSON object per epoch (JSON lines), rewritten atomically each epoch; - or a pipe gets each line as it comes")
    static let logCSV = Flag("log-csv", "FILE", .text, "the same as CSV with a header")
    static let saveSplit = Flag("save-split", "DIR", .text, "write the rows --test-split and --validation-split hold out into DIR (test.csv, validation.csv, or IDX files for images) with their indices, to evaluate them later")
    static let plot = Flag("plot", "FILE.svg", .text, "draw the training curves (loss and accuracy per epoch) as SVG, rewritten each epoch (- or a pipe: once, at the end)")
    static let quiet = Flag.toggle("quiet", "no progress bar or banner: one plain line per epoch (twice: as --silent)").repeating()
    static let silent = Flag.toggle("silent", "nothing on stderr but warnings and errors (for sweeps of many runs)")

    // MARK: evaluate, predict, inspect
    static let evaluationBatchSize = Flag("batch-size", "N", .integer(1...1 << 20), "examples per forward pass", default: "1000")
    static let minAccuracy = Flag("min-accuracy", "X", .number(what: "between 0 and 1", check: .unitInterval), "exit with code 3 when the accuracy is below X (0 to 1)")
    static let minR2 = Flag("min-r2", "X", .number(what: "at most 1", check: .atMostOne), "regression: exit with code 3 when R² is below X")
    static let maxRMSE = Flag("max-rmse", "X", .number(what: "positive", check: .positive), "regression: exit with code 3 when the RMSE (in the target's units) is above X")
    static let misclassified = Flag("misclassified", "N", .integer(1...Int.max), "also list the N most confident mistakes (index, true, predicted, probability)")
    static let limit = Flag("limit", "N", .integer(1...Int.max), "only the first N images")
    static let topK = Flag("top-k", "K", .integer(1...Int.max), "the K most probable classes per image (CSV columns class2,prob2,...; JSON \"top_k\")")
    static let show = Flag.toggle("show", "draw each image in the terminal beside its prediction, instead of CSV")
    static let samples = Flag("samples", "N", .integer(1...Int.max), "how many images, from the first", default: "1000")

    // MARK: export
    static let exportOut = Flag("out", "FILE", .text, "where to write the file, or - for standard output")
    static let noFold = Flag.toggle("no-fold-batchnorm", "keep batch norm as its own node instead of folding it into the dense layer before it")

    // MARK: quantize
    static let int8Out = Flag("out", "FILE", .text, "where to write the INT8 model (safetensors), or - for standard output")

    // MARK: completions
    static let shell = Flag("shell", "SHELL", .text, "the shell: bash or zsh (or give it as the first argument)").choosing(Completions.shells)

    // MARK: shared by several commands
    static let threads = Flag("threads", "N", .integer(1...1024), "threads for the GEMMs and elementwise loops (default: all cores)")
    static let json = Flag.toggle("json", "print one JSON object on stdout")
    static let maxMemory = Flag("max-memory", "BYTES", .bytes, "refuse to start when the data and model need more memory than this (e.g. 512M, 8G; default: MemAvailable from /proc/meminfo)")

    /// The flags of the training configuration, in the order checkpoints list them.
    static let configuration: [Flag] = [target, task, categorical, missing, delimiter, decimal, thousands, testSplit, ignore, features, missingTarget,
                                        hidden, activation, layers, loss, initializer, optimizer, lr, momentum, weightDecay,
                                        beta1, beta2, schedule, warmup, clipGradNorm, maxNorm, epochs, batchSize, seed,
                                        validationSplit, earlyStopping, anneal, monitor, reduceLROnPlateau, augment]
}
