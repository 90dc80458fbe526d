// The data `mlp train` trains on, read as the flags say: the IDX files (images) or a CSV file and
// its test file or split (a table), each checked against the memory limit first, with what the
// model file will record about its input and output.
import Formats
import Model
import Tables
import Training

extension TrainCommand {
    /// The training data and what the model file will record about it.
    struct TrainingInput {
        let data: TrainingData
        let input: ModelInput
        let output: ModelOutput
        /// The table read (CSV data) and its test file, for the banner.
        var table: (loaded: TabularData.Loaded, testPath: String?)? = nil
        /// Warnings and notes about how the data was read, printed even with --quiet.
        var notes: [TableNote] = []
        /// Warning lines about the data beyond a table's notes (labels that leave most classes empty).
        var warnings: [String] = []
        /// Where the rows come from, for --save-split.
        var splitSource: SavedSplit.Source? = nil
        /// Seconds spent reading it.
        var seconds = 0.0
    }

    /// The data of the run: the CSV file `table`, or the IDX files.
    static func load(table: String?, config: TrainingConfiguration, options: Options, command: String) throws(CLIError) -> TrainingInput {
        let start = now()
        var input =
            if let table { try loadTable(table, config: config, options: options) } else {
                try loadImages(config: config, options: options, command: command)
            }
        input.seconds = now() - start
        return input
    }

    /// IDX data: the four files (and validation files), checked against the memory limit with the network.
    static func loadImages(config: TrainingConfiguration, options: Options, command: String) throws(CLIError) -> TrainingInput {
        let files = try DataFiles.trainingFiles(dir: options.dataDir, files: options.files, command: command)
        try library { try MemoryBudget.check(options.memoryLimit, MemoryBudget.dataParts(files.all)) }
        let classes = try library { try ImageFiles.classCount(labels: files.trainLabels) }
        try library { try MemoryBudget.checkTraining(options.memoryLimit, config, files: files, outputs: config.outputs ?? classes) }
        let data = try library { try ImageFiles.loadTraining(files) }
        let image = data.train.image!
        if config.augment != nil && (image.rows < 2 || image.cols < 2 || (image.rows + 3) * (image.cols + 3) > ImageAugmenter.maxPixels) {
            let why =
                image.rows < 2 || image.cols < 2
                ? "a row or a column of values, not an image" : "more pixels than --augment handles (about 2045×2045)"
            throw CLIError(
                .dataError,
                "\(files.trainImages): images are \(image.rows)×\(image.cols), \(why); --augment distorts two-dimensional images")
        }
        guard case .bytes(_, let scale) = data.train.storage else { preconditionFailure("IDX data is stored as bytes") }
        var input = TrainingInput(
            data: data, input: .pixels(scale: scale, rows: image.rows, cols: image.cols),
            output: .classIndices(config.outputs ?? classes))
        input.splitSource = .images(data.train)
        if config.outputs == nil, let w = QuietFailures.emptyClasses(path: files.trainLabels, classCounts: data.train.classCounts) {
            input.warnings.append(w)
        }
        return input
    }

    /// A CSV file: read, encoded with what its training rows teach, and the network checked against
    /// the memory limit once the encoded width is known.
    static func loadTable(_ path: String, config: TrainingConfiguration, options: Options) throws(CLIError) -> TrainingInput {
        let testPath = options.files[Flags.testData.name]
        let parts = MemoryBudget.csvPart(path) + (testPath.map(MemoryBudget.csvPart) ?? [])
        try library { try MemoryBudget.check(options.memoryLimit, parts) }
        let loaded = try library {
            try TabularData.load(
                train: path, test: testPath, settings: config.tableSettings, seed: config.seed, threads: options.threads ?? BLAS.processors)
        }
        var data = TrainingData(train: loaded.train, test: loaded.test, task: loaded.target.task)
        if case .values(_, _, let std) = loaded.target { data.targetScale = std }
        if case .classes(_, let labels) = loaded.target { data.classNames = labels }
        let specs = config.network.specs(assuming: loaded.target.outputs)
        let need = MemoryBudget.trainingBytes(
            inputs: loaded.encoder.width, specs: specs, batch: config.batchSize, optimizerSlots: config.optimizerSlots)
        try library { try MemoryBudget.check(options.memoryLimit, [("the network \(Architecture.string(specs))", need ?? Int.max)]) }
        var input = TrainingInput(
            data: data, input: .table(loaded.encoder, delimiter: config.delimiter), output: .table(loaded.target),
            table: (loaded, testPath), notes: loaded.notes)
        if let lines = loaded.rowLines {
            input.splitSource = .table(
                path: path, testRows: loaded.testRows, trainRows: loaded.trainRowList, train: loaded.train,
                task: loaded.target.task, lines: lines)
        }
        return input
    }
}
