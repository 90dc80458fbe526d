// Training data from CSV files: the training file (and a test file, or a seeded test split of the
// training rows), the target columns and the task, and the encoders learned from the training rows
// that turn both into datasets of standardized, one-hot encoded features.
import Formats
import Model
#if canImport(Glibc)
import Glibc
#endif

public enum TabularData {
    /// A training file (and its test rows) read and encoded.
    public struct Loaded {
        public let train: Dataset
        public let test: Dataset?
        public let encoder: TableEncoder
        public let target: TargetEncoder
        /// How the task was decided.
        public let taskReason: TaskReason
        /// What is worth telling about how the files were read (TableNotes).
        public var notes: [TableNote] = []
        public let trainPath: String
        public let trainRows: Int, columns: Int
        /// The rows of the training file held out by the test split (0-based, in file order), and
        /// where each row starts in the file.
        public var testRows: [Int]? = nil
        public var rowLines: CSVRowLines? = nil
    }

    /// How the task of a table was decided.
    public enum TaskReason: Equatable, Sendable {
        /// The settings name it.
        case given(Task)
        /// Several target columns: a regression on each.
        case targetColumns(Int)
        /// Several target columns, each holding two values: a label each.
        case labelColumns(Int)
        /// Inferred from the one target column (Task.rule): whole numbers with few distinct values,
        /// other numbers, or text.
        case wholeNumbers, numbers, text
    }

    /// Whether `path` is a CSV file rather than IDX data: a regular file whose first bytes (after
    /// gzip, if compressed) are not an IDX header. Told by the content, not the name.
    public static func isCSV(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
        return IDXReader.header(path: path) == nil
    }

    public static func read(_ path: String, _ options: CSVOptions) throws(TablesError) -> CSVTable {
        do { return try CSVReader.read(path: path, options: options) } catch { throw .format(error) }
    }

    public static func read(bytes: [UInt8], name: String, _ options: CSVOptions) throws(TablesError) -> CSVTable {
        do { return try CSVReader.read(bytes: bytes, name: name, options: options) } catch { throw .format(error) }
    }

    /// A table that must hold at least one row.
    public static func requireRows(_ table: CSVTable) throws(TablesError) {
        do { try table.requireRows() } catch { throw .format(error) }
    }

    /// Reads and encodes the training file and the test file (or the test split, drawn with `seed`),
    /// reading with `threads` threads (the file is split between them when it is large enough).
    public static func load(train path: String, test testPath: String?, settings: TableSettings, seed: UInt64,
                            threads: Int) throws(TablesError) -> Loaded {
        let config = settings
        let options = config.csvOptions(threads: threads)
        let table = try read(path, options)
        try requireRows(table)
        // The target columns: named, or the last one.
        let targetNames = config.target ?? [table.header.last!]
        var targetIndex: [Int] = []
        let hint = delimiterHint(table)
        for name in targetNames {
            guard let i = table.columnIndex(name) else {
                throw .noSuchColumn(path: path, column: name, setting: .target, columns: table.header,
                                    hint: hint.isEmpty ? NearestName.hint(for: name, in: table.header, show: CSVText.quote) : hint)
            }
            targetIndex.append(i)
        }
        for name in config.categorical where table.columnIndex(name) == nil {
            throw .noSuchColumn(path: path, column: name, setting: .categorical, columns: table.header,
                                hint: hint.isEmpty ? NearestName.hint(for: name, in: table.header, show: CSVText.quote) : hint)
        }
        // The weight column: neither a target nor a feature.
        var weightIndex: Int?
        if let w = config.weightColumn {
            if targetNames.contains(w) { throw .weightColumnIsUsed(column: w, setting: .target) }
            if config.categorical.contains(w) { throw .weightColumnIsUsed(column: w, setting: .categorical) }
            weightIndex = try WeightColumn.locate(w, in: table)
        }
        let features = table.header.indices.filter { !targetIndex.contains($0) && $0 != weightIndex }
        guard !features.isEmpty else { throw .noFeatureColumns(path: path, targets: targetNames, hint: hint) }
        var notes = TableNotes.numberFormats(table, options: options, forcedText: Set(config.categorical))
        // The task: given, or inferred from the one target column.
        let task: Task, reason: TaskReason
        if let t = config.task {
            task = t
            reason = .given(t)
        } else if targetIndex.count > 1 {
            // Two values in every column (among all the rows: the split is drawn later): labels.
            let all = Array(0..<table.rowCount)
            let labels = targetIndex.allSatisfy { TargetEncoder.holdsTwoValues(table.columns[$0], rows: all) }
            task = labels ? .multilabel : .regression
            reason = labels ? .labelColumns(targetIndex.count) : .targetColumns(targetIndex.count)
        } else {
            task = Task.infer(table.columns[targetIndex[0]])
            reason = table.columns[targetIndex[0]].isNumeric ? (task == .classification ? .wholeNumbers : .numbers) : .text
            if let note = TableNotes.taskEdge(table, target: targetIndex[0], inferred: task) { notes.append(note) }
        }

        // The rows to train on, and the test rows: a held-out fraction, or another file.
        var trainRows: [Int]? = nil, testRows: [Int]? = nil
        if let held = config.testRows, testPath == nil {
            var isHeld = [Bool](repeating: false, count: table.rowCount)
            for r in held where r >= 0 && r < table.rowCount { isHeld[r] = true }
            trainRows = (0..<table.rowCount).filter { !isHeld[$0] }
            testRows = held.sorted()
        } else if let f = config.testSplit, testPath == nil {
            guard let (kept, held) = SeededSplit.split(count: table.rowCount, fraction: f, seed: seed, purpose: .test) else {
                throw .testSplitLeavesNothing(fraction: f, rows: table.rowCount,
                                              noTestRows: SeededSplit.heldCount(count: table.rowCount, fraction: f) == 0)
            }
            // Kept in file order, so that a row's position in the dataset follows the file.
            trainRows = kept.map { Int($0) }.sorted()
            testRows = held.map { Int($0) }.sorted()
        }
        var encoder = try TableEncoder.fit(table, features: features, rows: trainRows, missing: config.missing)
        encoder.numbers = options.numbers
        encoder.markers = options.missingMarkers
        let target = try TargetEncoder.fit(table, columns: targetIndex, task: task, rows: trainRows)
        var (train, _) = try dataset(table, encoder: encoder, featureIndex: features, target: target, targetIndex: targetIndex, rows: trainRows, advice: .impute)
        if let c = weightIndex {
            let weights = try WeightColumn.read(table, column: c, rows: trainRows)
            if !weights.contains(where: { $0 > 0 }) { throw .zeroWeights(path: path, column: table.header[c]) }
            train = train.weighted(weights)
        }
        var test: Dataset?, unseen = TableEncoder.Unseen(), testName = path
        if let testPath {
            let testTable = try read(testPath, encoder.readingOptions(config.csvOptions(threads: threads), target: target, weightColumn: config.weightColumn))
            try requireRows(testTable)
            let ignored = encoder.ignored(in: testTable, allowed: Set(target.columns + (config.weightColumn.map { [$0] } ?? [])))
            (test, unseen) = try encodeLabelled(testTable, encoder: encoder, target: target, weightColumn: config.weightColumn, advice: .impute)
            if !ignored.isEmpty { notes.append(.ignoredColumns(path: testPath, ignored)) }
            testName = testPath
        } else if testRows != nil {
            (test, unseen) = try dataset(table, encoder: encoder, featureIndex: features, target: target, targetIndex: targetIndex, rows: testRows, advice: .impute)
            if let c = weightIndex { test = test?.weighted(try WeightColumn.read(table, column: c, rows: testRows)) }
        }
        // Told first, as it was found while the test rows were encoded.
        if unseen.total > 0 { notes.insert(.unseenCategories(path: testName, unseen), at: 0) }
        var loaded = Loaded(train: train, test: test, encoder: encoder, target: target,
                            taskReason: reason, notes: notes, trainPath: path, trainRows: trainRows?.count ?? table.rowCount, columns: table.header.count)
        loaded.testRows = testRows
        loaded.rowLines = table.rowLines
        return loaded
    }

    /// The dataset of `rows` of `table` (all when nil), and the categories its rows hold that the
    /// encoder did not learn.
    static func dataset(_ table: CSVTable, encoder: TableEncoder, featureIndex: [Int], target: TargetEncoder, targetIndex: [Int],
                        rows: [Int]?, advice: TableEncoder.MissingAdvice = .retrain) throws(TablesError) -> (Dataset, TableEncoder.Unseen) {
        let (x, unseen) = try encoder.encode(table, at: featureIndex, rows: rows, advice: advice)
        let count = rows?.count ?? table.rowCount
        return (Dataset(count: count, features: encoder.width, storage: .floats(x),
                        targets: try target.encode(table, at: targetIndex, rows: rows)), unseen)
    }

    /// A labelled table (a test file, `evaluate`'s data) as the model's encoders see it: the
    /// model's feature columns and its target columns (other columns are ignored: the caller says
    /// so), and the categories it holds that the model did not learn. With `weightColumn`, a table
    /// that has that column gives weighted rows (one without it, unweighted ones).
    public static func encodeLabelled(_ table: CSVTable, encoder: TableEncoder, target: TargetEncoder, weightColumn: String? = nil,
                                      advice: TableEncoder.MissingAdvice = .retrain) throws(TablesError) -> (Dataset, TableEncoder.Unseen) {
        guard let targetIndex = target.locate(in: table) else {
            let missing = target.columns.filter { table.columnIndex($0) == nil }
            throw .noTargetColumn(path: table.path, columns: missing, hint: delimiterHint(table))
        }
        let featureIndex = try encoder.locate(in: table, allowed: Set(target.columns))
        var (data, unseen) = try dataset(table, encoder: encoder, featureIndex: featureIndex, target: target, targetIndex: targetIndex, rows: nil, advice: advice)
        if let w = weightColumn, let c = table.columnIndex(w) { data = data.weighted(try WeightColumn.read(table, column: c, rows: nil)) }
        return (data, unseen)
    }
}
