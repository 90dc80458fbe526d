// Training data from CSV files: the training file (and a test file, or a seeded test split of the
// training rows), the target columns and the task, and the encoders learned from the training rows
// that turn both into datasets of standardized, one-hot encoded features.
import Formats
import Model
#if canImport(Glibc)
import Glibc
#endif

enum TabularData {
    /// What `mlp train --data FILE.csv` works from.
    struct Loaded {
        var data: TrainingData
        let encoder: TableEncoder
        let target: TargetEncoder
        /// How the task was decided, for the first line of output.
        let taskReason: String
        /// Warnings and notes about how the files were read, one line each (TableNotes).
        var notes: [String] = []
        let trainPath: String
        let trainRows: Int, columns: Int
        /// The rows of the training file held out by --test-split (0-based, in file order), and
        /// where each row starts in the file (for --save-split).
        var testRows: [Int]? = nil
        var rowLines: CSVRowLines? = nil
    }

    /// Whether `path` is a CSV file rather than IDX data: a regular file whose first bytes (after
    /// gzip, if compressed) are not an IDX header. Told by the content, not the name.
    static func isCSV(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
        return IDXReader.header(path: path) == nil
    }

    /// Threads for reading: the file is split between the cores when it is large enough.
    static func readOptions(_ config: TrainingConfiguration, threads: Int) -> CSVOptions {
        var o = CSVOptions(delimiter: config.delimiter, threads: threads, textColumns: Set(config.categorical))
        o.numbers = config.numbers
        o.missingMarkers = config.missingMarkers
        return o
    }

    static func read(_ path: String, _ options: CSVOptions) throws(CLIError) -> CSVTable {
        do { return try CSVReader.read(path: path, options: options) } catch { throw .data(error) }
    }

    static func read(bytes: [UInt8], name: String, _ options: CSVOptions) throws(CLIError) -> CSVTable {
        do { return try CSVReader.read(bytes: bytes, name: name, options: options) } catch { throw .data(error) }
    }

    /// Reads and encodes the training file and the test file (or split).
    static func load(train path: String, test testPath: String?, config: TrainingConfiguration, threads: Int) throws(CLIError) -> Loaded {
        let options = readOptions(config, threads: threads)
        let table = try read(path, options)
        do { try table.requireRows() } catch { throw .data(error) }
        // The target columns: named, or the last one.
        let targetNames = config.target ?? [table.header.last!]
        var targetIndex: [Int] = []
        let hint = delimiterHint(table)
        for name in targetNames {
            guard let i = table.columnIndex(name) else {
                throw CLIError(.dataError, "\(path): has no column \(CSVText.quote(name)) for --target (its columns: \(table.header.joined(separator: ", ")))\(hint.isEmpty ? NearestName.hint(for: name, in: table.header, show: CSVText.quote) : hint)")
            }
            targetIndex.append(i)
        }
        for name in config.categorical where table.columnIndex(name) == nil {
            throw CLIError(.dataError, "\(path): has no column \(CSVText.quote(name)) for --categorical (its columns: \(table.header.joined(separator: ", ")))\(hint.isEmpty ? NearestName.hint(for: name, in: table.header, show: CSVText.quote) : hint)")
        }
        let features = table.header.indices.filter { !targetIndex.contains($0) }
        guard !features.isEmpty else {
            throw CLIError(.dataError, "\(path): has no column left to learn from once the target (\(targetNames.joined(separator: ", "))) is set aside\(hint)")
        }
        var notes = TableNotes.numberFormats(table, options: options, forcedText: Set(config.categorical))
        // The task: given, or inferred from the one target column.
        let task: Task, reason: String
        if let t = config.task {
            task = t
            reason = "--task \(t.rawValue)"
        } else if targetIndex.count > 1 {
            task = .regression
            reason = "\(targetIndex.count) target columns"
        } else {
            task = Task.infer(table.columns[targetIndex[0]])
            reason = table.columns[targetIndex[0]].isNumeric
                ? (task == .classification ? "whole numbers, at most 20 distinct" : "numbers")
                : "text"
            if let note = TableNotes.taskEdge(table, target: targetIndex[0], inferred: task) { notes.append(note) }
        }

        // The rows to train on, and the test rows: a held-out fraction, or another file.
        var trainRows: [Int]? = nil, testRows: [Int]? = nil
        if let f = config.testSplit, testPath == nil {
            var order = (0..<Int32(table.rowCount)).map { $0 }
            var rng = RandomGenerator(seed: config.seed ^ 0x5445_5354_5350_4C49)
            order.withUnsafeMutableBufferPointer { rng.shuffle($0) }
            let held = Int((Float(table.rowCount) * f).rounded())
            guard held >= 1, held < table.rowCount else {
                throw CLIError(.usage, "--test-split \(f) of \(table.rowCount) rows leaves \(held == 0 ? "no test" : "no training") rows", command: "train")
            }
            // Kept in file order, so that a row's position in the dataset follows the file.
            trainRows = order[0..<(table.rowCount - held)].map { Int($0) }.sorted()
            testRows = order[(table.rowCount - held)...].map { Int($0) }.sorted()
        }
        var encoder = try TableEncoder.fit(table, features: features, rows: trainRows, missing: config.missing)
        encoder.numbers = options.numbers
        encoder.markers = options.missingMarkers
        let target = try TargetEncoder.fit(table, columns: targetIndex, task: task, rows: trainRows)
        let train = try dataset(table, encoder: encoder, featureIndex: features, target: target, targetIndex: targetIndex, rows: trainRows, advice: .flag)
        var test: Dataset?
        if let testPath {
            let testTable = try read(testPath, encoder.readingOptions(readOptions(config, threads: threads), target: target))
            do { try testTable.requireRows() } catch { throw .data(error) }
            if let note = TableEncoder.ignoredNote(testPath, encoder.ignored(in: testTable, allowed: Set(target.columns))) { notes.append(note) }
            test = try encodeLabelled(testTable, encoder: encoder, target: target, advice: .flag)
        } else if testRows != nil {
            test = try dataset(table, encoder: encoder, featureIndex: features, target: target, targetIndex: targetIndex, rows: testRows, advice: .flag)
        }
        var loaded = Loaded(data: TrainingData(train: train, test: test, validation: nil), encoder: encoder, target: target,
                            taskReason: reason, notes: notes, trainPath: path, trainRows: trainRows?.count ?? table.rowCount, columns: table.header.count)
        loaded.testRows = testRows
        loaded.rowLines = table.rowLines
        return loaded
    }

    static func dataset(_ table: CSVTable, encoder: TableEncoder, featureIndex: [Int], target: TargetEncoder, targetIndex: [Int],
                        rows: [Int]?, advice: TableEncoder.MissingAdvice = .retrain) throws(CLIError) -> Dataset {
        let (x, unseen) = try encoder.encode(table, at: featureIndex, rows: rows, advice: advice)
        if let w = unseen.warning(table.path) { Console.err(w) }
        let count = rows?.count ?? table.rowCount
        return Dataset(count: count, features: encoder.width, storage: .floats(x),
                       targets: try target.encode(table, at: targetIndex, rows: rows))
    }

    /// A labelled table (a test file, `evaluate`'s data) as the model's encoders see it: the
    /// model's feature columns and its target columns (other columns are ignored: the caller says so).
    static func encodeLabelled(_ table: CSVTable, encoder: TableEncoder, target: TargetEncoder,
                               advice: TableEncoder.MissingAdvice = .retrain) throws(CLIError) -> Dataset {
        guard let targetIndex = target.locate(in: table) else {
            let missing = target.columns.filter { table.columnIndex($0) == nil }
            throw CLIError(.dataError, "\(table.path): has no target column \(missing.map(CSVText.quote).joined(separator: ", ")), which the model predicts\(delimiterHint(table))")
        }
        let featureIndex = try encoder.locate(in: table, allowed: Set(target.columns))
        return try dataset(table, encoder: encoder, featureIndex: featureIndex, target: target, targetIndex: targetIndex, rows: nil, advice: advice)
    }

    /// Memory to read a CSV file: its bytes (decompressed: a gzip file's trailer says how many, mod
    /// 2^32) and the columns parsed from it (at most two floats per byte: a value and its delimiter
    /// take two), with the encoded copy.
    static func memoryPart(_ path: String) -> [(what: String, bytes: Int)] {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return [] }
        var size = Int(st.st_size)
        if let isize = gzipSize(path), isize > size { size = isize }
        let (b, o) = size.multipliedReportingOverflow(by: 3)
        return [("\(path) (\(MemoryBudget.size(size)) of CSV)", o ? Int.max : b)]
    }

    /// The uncompressed size a gzip file's last four bytes record (mod 2^32); nil when not gzip.
    static func gzipSize(_ path: String) -> Int? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var b = [UInt8](repeating: 0, count: 4)
        guard Glibc.read(fd, &b, 2) == 2, Gzip.isGzip(Array(b.prefix(2))) else { return nil }
        guard lseek(fd, -4, SEEK_END) >= 0, Glibc.read(fd, &b, 4) == 4 else { return nil }
        return Int(b[0]) | Int(b[1]) << 8 | Int(b[2]) << 16 | Int(b[3]) << 24
    }
}
