// What `mlp train` was asked to do besides the training configuration: the data, the files to write,
// the run's limits and how to report; and the checks that the flags given fit together and fit
// the data (IDX images or a CSV table).
import Formats
import Tables
import Training

#if canImport(Glibc)
    import Glibc
#endif

extension TrainCommand {
    struct Options {
        let dataDir: String?
        /// The file flags given (--train-images ... --validation-labels), by flag name.
        let files: [String: String]
        /// The model file: --out, else (resuming) the checkpoint's, else the default.
        var out: String
        let outGiven: Bool
        let resume: String?
        let checkpoint: String?
        let log: String?, logCSV: String?, plot: String?
        let saveSplit: String?
        let maxSeconds: Float?
        let threads: Int?
        let memoryLimit: Int?
        let json: Bool, quiet: Bool
        /// Configuration flags given, by name (--resume refuses them, except --epochs).
        let configurationGiven: [Flag]
        let epochs: Int?
        let monitorGiven: Bool

        init(_ a: Arguments) throws(CLIError) {
            dataDir = a.string(Flags.data)
            var f: [String: String] = [:]
            for flag in [
                Flags.trainImages, Flags.trainLabels, Flags.testImages, Flags.testLabels, Flags.validationImages,
                Flags.validationLabels, Flags.testData,
            ] {
                if let v = a.string(flag) { f[flag.name] = v }
            }
            files = f
            out = a.string(Flags.out) ?? Flags.out.defaultValue!
            outGiven = a.has(Flags.out)
            resume = a.string(Flags.resume)
            checkpoint = a.string(Flags.checkpoint)
            log = a.string(Flags.log)
            logCSV = a.string(Flags.logCSV)
            plot = a.string(Flags.plot)
            saveSplit = a.string(Flags.saveSplit)
            maxSeconds = try a.float(Flags.maxSeconds)
            threads = try a.int(Flags.threads)
            memoryLimit = try MemoryBudget.flag(a)
            json = a.has(Flags.json)
            quiet = Verbosity(a) >= .quiet
            configurationGiven = Flags.configuration.filter { a.has($0) }
            epochs = a.has(Flags.epochs) ? try a.int(Flags.epochs) : nil
            monitorGiven = a.has(Flags.monitor)
        }

        var hasValidationFiles: Bool { files[Flags.validationImages.name] != nil }

        /// The CSV training file, when --data names a regular file that is not IDX (told by its
        /// content); nil for IDX data, or data that is neither (`check` says what is wrong with it).
        var table: String? {
            guard let dir = dataDir, !dir.isEmpty, access(dir, F_OK) == 0, !TrainCommand.isDirectory(dir), TabularData.isCSV(dir) else {
                return nil
            }
            return dir
        }

        /// The flags fit the configuration and the data: a validation set for the monitors, and
        /// only the flags of the data's kind (CSV or IDX).
        func check(_ config: TrainingConfiguration, command cmd: String) throws(CLIError) {
            try checkValidationSet(config, command: cmd)
            try checkDataKind(config, command: cmd)
        }

        /// Early stopping, reduce-on-plateau and --monitor watch a validation set: one must be given
        /// (a --validation-split in the configuration, or --validation-images/--validation-labels).
        private func checkValidationSet(_ config: TrainingConfiguration, command cmd: String) throws(CLIError) {
            let hasValidation = config.validationSplit != nil || hasValidationFiles
            if !hasValidation && (config.earlyStopping != nil || config.plateau != nil || monitorGiven) {
                let flag = config.earlyStopping != nil ? "--early-stopping" : config.plateau != nil ? "--reduce-lr-on-plateau" : "--monitor"
                throw .usage(
                    "\(flag) watches a validation set: add --validation-split F or --validation-images/--validation-labels", command: cmd)
            }
            if config.annealEpochs != nil && config.earlyStopping == nil {
                throw .usage("--anneal anneals when --early-stopping would stop: add --early-stopping PATIENCE", command: cmd)
            }
            if config.validationSplit != nil && hasValidationFiles {
                throw .usage("--validation-split and --validation-images both name a validation set; give one of them", command: cmd)
            }
            if hasValidationFiles != (files[Flags.validationLabels.name] != nil) {
                throw .usage("--validation-images and --validation-labels go together", command: cmd)
            }
        }

        /// A CSV file takes the CSV flags, IDX data the IDX ones.
        private func checkDataKind(_ config: TrainingConfiguration, command cmd: String) throws(CLIError) {
            if let dir = dataDir, !dir.isEmpty, access(dir, F_OK) != 0, dir.hasSuffix(".csv") || dir.hasSuffix(".csv.gz") {
                throw CLIError(.dataError, "\(dir): no such file")
            }
            guard let dir = dataDir, !dir.isEmpty, access(dir, F_OK) == 0, !TrainCommand.isDirectory(dir) else {
                // IDX: the CSV flags have nothing to act on.
                let csvOnly: [(Bool, Flag)] = [
                    (files[Flags.testData.name] != nil, Flags.testData), (config.target != nil, Flags.target),
                    (config.task != nil, Flags.task), (!config.categorical.isEmpty, Flags.categorical),
                    (config.missing != nil, Flags.missing), (config.testSplit != nil, Flags.testSplit),
                    (!config.ignore.isEmpty, Flags.ignore), (config.features != nil, Flags.features),
                    (config.missingTarget != .skip, Flags.missingTarget),
                    (config.numbers.decimal != CSVNumberFormat.standard.decimal, Flags.decimal),
                    (config.numbers.thousands != nil, Flags.thousands), (config.weightColumn != nil, Flags.weightColumn),
                ]
                if let (_, f) = csvOnly.first(where: { $0.0 }) {
                    throw .usage("--\(f.name) applies to CSV data (--data FILE.csv); IDX data has its own test files", command: cmd)
                }
                return
            }
            guard TabularData.isCSV(dir) else {
                throw CLIError(
                    .dataError,
                    "\(dir): is an IDX file; --data takes a CSV file, or the directory that holds the four MNIST files (or name them with --train-images, --train-labels, --test-images, --test-labels)"
                )
            }
            if config.augment != nil {
                throw .usage("--augment distorts images (IDX files); \(dir) is a CSV table, which has no images to distort", command: cmd)
            }
            let idxOnly = [
                Flags.trainImages, Flags.trainLabels, Flags.testImages, Flags.testLabels, Flags.validationImages, Flags.validationLabels,
            ]
            if let f = idxOnly.first(where: { files[$0.name] != nil }) {
                throw .usage("--\(f.name) names an IDX file; with a CSV file give --test-data (and --validation-split)", command: cmd)
            }
            if config.testSplit != nil && files[Flags.testData.name] != nil {
                throw .usage("--test-split and --test-data both name a test set; give one of them", command: cmd)
            }
        }
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}
