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
        /// The rows of the training file in the training set, in its order (0-based, file order):
        /// all but the test split's and those without a target.
        public var trainRowList: [Int] = []
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
    public static func load(
        train path: String, test testPath: String?, settings: TableSettings, seed: UInt64,
        threads: Int
    ) throws(TablesError) -> Loaded {
        let config = settings
        var options = config.csvOptions(threads: threads)
        // Ignored columns are read as written: nothing in them can be an error.
        options.verbatimColumns.formUnion(config.ignore)
        // A name the header lacks is then found by the checks below, which name the setting at
        // fault (--ignore, --categorical, …) rather than the reader's own list of columns.
        if !config.ignore.isEmpty { options.namedColumnsMustExist = false }
        if let features = config.features, let target = config.target { options.typedColumns = Set(features + target) }
        let table = try read(path, options)
        try requireRows(table)
        // The target columns: named, or the last one.
        let targetNames = config.target ?? [table.header.last!]
        var targetIndex: [Int] = []
        let hint = delimiterHint(table)
        for name in targetNames {
            guard let i = table.columnIndex(name) else {
                throw .noSuchColumn(
                    path: path, column: name, setting: .target, columns: table.header,
                    hint: hint.isEmpty ? NearestName.hint(for: name, in: table.header, show: CSVText.quote) : hint)
            }
            targetIndex.append(i)
        }
        // The weight column: neither a target nor a feature.
        var weightIndex: Int?
        if let w = config.weightColumn {
            if targetNames.contains(w) { throw .weightColumnIsUsed(column: w, setting: .target) }
            if config.categorical.contains(w) { throw .weightColumnIsUsed(column: w, setting: .categorical) }
            if config.features?.contains(w) == true { throw .weightColumnIsUsed(column: w, setting: .features) }
            weightIndex = try WeightColumn.locate(w, in: table)
        }
        let features = try ColumnSelection.features(table, targets: targetIndex, settings: config, hint: hint).filter { $0 != weightIndex }
        guard !features.isEmpty else { throw .noFeatureColumns(path: path, targets: targetNames, hint: hint) }
        let forcedText = Set(config.categorical)
        // Columns the model does not read need no warning about how their numbers are written.
        let used = Set(features + targetIndex)
        let unread = table.header.indices.filter { !used.contains($0) }.map { table.header[$0] }
        var notes = TableNotes.numberFormats(table, options: options, forcedText: forcedText.union(unread))
        // The task: given, or inferred from the one target column.
        let task: Task
        let reason: TaskReason
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

        // The rows with a target: the others are left out (or refused).
        let unlabelled = unlabelledRows(table, targets: targetIndex)
        var withTarget: [Int]? = nil
        if let first = unlabelled.first {
            guard config.missingTarget == .skip else {
                let c = targetIndex.first { TargetEncoder.isMissing(table.columns[$0], first) }!
                throw .missingTarget(position: "\(path): \(table.position(row: first, column: c))", training: true)
            }
            let gone = Set(unlabelled)
            withTarget = (0..<table.rowCount).filter { !gone.contains($0) }
            notes.append(
                .missingTargets(
                    path: path, rows: unlabelled.count, of: table.rowCount, columns: targetNames,
                    lines: unlabelled.prefix(3).map { table.line(ofRow: $0) }))
        }
        // The rows to train on, and the test rows: a held-out fraction, or another file.
        var trainRows = withTarget
        var testRows: [Int]? = nil
        if let held = config.testRows, testPath == nil {
            // A cross-validation fold: its rows (those with a target) are the test rows.
            var isHeld = [Bool](repeating: false, count: table.rowCount)
            for r in held where r >= 0 && r < table.rowCount { isHeld[r] = true }
            let universe = withTarget ?? Array(0..<table.rowCount)
            trainRows = universe.filter { !isHeld[$0] }
            testRows = universe.filter { isHeld[$0] }
        } else if let f = config.testSplit, testPath == nil {
            let universe = withTarget ?? Array(0..<table.rowCount)
            let split =
                config.stratify && task == .classification
                ? StratifiedSplit.split(
                    labels: classCodes(table, column: targetIndex[0], rows: universe), fraction: f, seed: seed, purpose: .test)
                : SeededSplit.split(count: universe.count, fraction: f, seed: seed, purpose: .test)
            guard let (kept, held) = split else {
                throw .testSplitLeavesNothing(
                    fraction: f, rows: universe.count,
                    noTestRows: SeededSplit.heldCount(count: universe.count, fraction: f) == 0)
            }
            // Kept in file order, so that a row's position in the dataset follows the file.
            trainRows = kept.map { universe[Int($0)] }.sorted()
            testRows = held.map { universe[Int($0)] }.sorted()
        }
        let dates = ColumnSelection.dates(table, features: features, forcedText: forcedText)
        // Numbers written in another format are read as text, with a warning that names the flag;
        // they are not refused as IDs.
        let misread = TableNotes.misreadNumberColumns(table, options: options, forcedText: forcedText).map { table.header[$0] }
        try ColumnSelection.checkCategories(table, features: features, dates: dates, forcedText: forcedText.union(misread), rows: trainRows)
        var encoder = try TableEncoder.fit(table, features: features, rows: trainRows, missing: config.missing, dates: dates)
        encoder.numbers = options.numbers
        encoder.markers = options.missingMarkers
        let target = try TargetEncoder.fit(table, columns: targetIndex, task: task, rows: trainRows)
        var (train, _) = try dataset(
            table, encoder: encoder, featureIndex: features, target: target, targetIndex: targetIndex, rows: trainRows, advice: .impute)
        if let c = weightIndex {
            let weights = try WeightColumn.read(table, column: c, rows: trainRows)
            if !weights.contains(where: { $0 > 0 }) { throw .zeroWeights(path: path, column: table.header[c]) }
            train = train.weighted(weights)
        }
        var test: Dataset?
        var unseen = TableEncoder.Unseen()
        var testName = path
        if let testPath {
            let testTable = try read(
                testPath, encoder.readingOptions(config.csvOptions(threads: threads), target: target, weightColumn: config.weightColumn))
            try requireRows(testTable)
            let ignored = encoder.ignored(in: testTable, allowed: Set(target.columns + (config.weightColumn.map { [$0] } ?? [])))
            let l = try labelled(
                testTable, encoder: encoder, target: target, weightColumn: config.weightColumn, advice: .impute,
                missingTarget: config.missingTarget)
            (test, unseen) = (l.data, l.unseen)
            if let note = l.note { notes.append(note) }
            if !ignored.isEmpty { notes.append(.ignoredColumns(path: testPath, ignored)) }
            testName = testPath
        } else if testRows != nil {
            (test, unseen) = try dataset(
                table, encoder: encoder, featureIndex: features, target: target, targetIndex: targetIndex, rows: testRows, advice: .impute)
            if let c = weightIndex { test = test?.weighted(try WeightColumn.read(table, column: c, rows: testRows)) }
        }
        // Told first, as it was found while the test rows were encoded.
        if unseen.total > 0 { notes.insert(.unseenCategories(path: testName, unseen), at: 0) }
        var loaded = Loaded(
            train: train, test: test, encoder: encoder, target: target,
            taskReason: reason, notes: notes, trainPath: path, trainRows: trainRows?.count ?? table.rowCount, columns: table.header.count)
        loaded.testRows = testRows
        loaded.rowLines = table.rowLines
        loaded.trainRowList = trainRows ?? Array(0..<table.rowCount)
        return loaded
    }

    /// The rows of `table` with a target column missing, in file order.
    static func unlabelledRows(_ table: CSVTable, targets: [Int]) -> [Int] {
        var out: [Int] = []
        for c in targets where table.columns[c].missing > 0 {
            for r in 0..<table.rowCount where TargetEncoder.isMissing(table.columns[c], r) { out.append(r) }
        }
        return targets.count > 1 ? Array(Set(out)).sorted() : out
    }

    /// A number per class for `rows` of a classification's target column (any numbering: only
    /// equality counts), for a stratified split.
    static func classCodes(_ table: CSVTable, column c: Int, rows: [Int]) -> [Int32] {
        switch table.columns[c] {
        case .text(let codes, _, _):
            return rows.map { codes[$0] }
        case .numeric(let values, _):
            var number: [Float: Int32] = [:]
            return rows.map { r in
                if let k = number[values[r]] { return k }
                let k = Int32(number.count)
                number[values[r]] = k
                return k
            }
        }
    }

    /// The dataset of `rows` of `table` (all when nil), and the categories its rows hold that the
    /// encoder did not learn.
    static func dataset(
        _ table: CSVTable, encoder: TableEncoder, featureIndex: [Int], target: TargetEncoder, targetIndex: [Int],
        rows: [Int]?, advice: TableEncoder.MissingAdvice = .retrain
    ) throws(TablesError) -> (Dataset, TableEncoder.Unseen) {
        let (x, unseen) = try encoder.encode(table, at: featureIndex, rows: rows, advice: advice)
        let count = rows?.count ?? table.rowCount
        return (
            Dataset(
                count: count, features: encoder.width, storage: .floats(x),
                targets: try target.encode(table, at: targetIndex, rows: rows)), unseen
        )
    }

    /// A labelled table (a test file, `evaluate`'s data) as the model's encoders see it: the
    /// model's feature columns and its target columns (other columns are ignored: the caller says
    /// so), and the categories it holds that the model did not learn. Every row must have a target
    /// (`labelled` can leave those without one out). With `weightColumn`, a table that has that
    /// column gives weighted rows (one without it, unweighted ones).
    public static func encodeLabelled(
        _ table: CSVTable, encoder: TableEncoder, target: TargetEncoder, weightColumn: String? = nil,
        advice: TableEncoder.MissingAdvice = .retrain
    ) throws(TablesError) -> (Dataset, TableEncoder.Unseen) {
        let l = try labelled(table, encoder: encoder, target: target, weightColumn: weightColumn, advice: advice, missingTarget: .error)
        return (l.data, l.unseen)
    }

    /// A labelled table's dataset, and what became of its rows.
    public struct Labelled {
        public let data: Dataset
        /// The categories its rows hold that the model did not learn.
        public let unseen: TableEncoder.Unseen
        /// The table's rows in the dataset, in order (nil: all of them).
        public let rows: [Int]?
        /// Rows left out for want of a target, as a note (nil: none were).
        public let note: TableNote?

        /// The table row (0-based) of the dataset's example `i`.
        public func row(_ i: Int) -> Int { rows?[i] ?? i }
    }

    /// A labelled table as the model's encoders see it (as `encodeLabelled`), its rows without a
    /// target left out with a note (`.skip`) or refused (`.error`).
    public static func labelled(
        _ table: CSVTable, encoder: TableEncoder, target: TargetEncoder, weightColumn: String? = nil,
        advice: TableEncoder.MissingAdvice = .retrain, missingTarget: MissingTargetPolicy
    ) throws(TablesError) -> Labelled {
        guard let targetIndex = target.locate(in: table) else {
            let missing = target.columns.filter { table.columnIndex($0) == nil }
            throw .noTargetColumn(path: table.path, columns: missing, hint: delimiterHint(table))
        }
        let featureIndex = try encoder.locate(in: table, allowed: Set(target.columns + (weightColumn.map { [$0] } ?? [])))
        var rows: [Int]?
        var note: TableNote?
        let unlabelled = missingTarget == .skip ? unlabelledRows(table, targets: targetIndex) : []
        if !unlabelled.isEmpty {
            let gone = Set(unlabelled)
            rows = (0..<table.rowCount).filter { !gone.contains($0) }
            note = .missingTargets(
                path: table.path, rows: unlabelled.count, of: table.rowCount, columns: target.columns,
                lines: unlabelled.prefix(3).map { table.line(ofRow: $0) })
        }
        var (data, unseen) = try dataset(
            table, encoder: encoder, featureIndex: featureIndex, target: target, targetIndex: targetIndex,
            rows: rows, advice: advice)
        if let w = weightColumn, let c = table.columnIndex(w) { data = data.weighted(try WeightColumn.read(table, column: c, rows: rows)) }
        return Labelled(data: data, unseen: unseen, rows: rows, note: note)
    }
}
