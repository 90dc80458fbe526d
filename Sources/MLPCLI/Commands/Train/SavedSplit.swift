// --save-split DIR: the rows that --test-split and --validation-split hold out, written before training
// so that they can be evaluated later (`mlp evaluate --model M --data DIR/test.csv` gives the figures
// train reported for its test split).
//
// A CSV file: DIR/test.csv and DIR/validation.csv hold the held-out rows as they are in the training
// file (its header, delimiter, quoting and values, byte for byte), in file order; DIR/test-indices.txt
// and DIR/validation-indices.txt give their 0-based positions among the file's data rows (the header
// is not a row), one per line. IDX images: DIR/validation-images-idx3-ubyte and
// DIR/validation-labels-idx1-ubyte, in the order of the training files, and
// DIR/validation-indices.txt. The directory is made when it does not exist; every file is written as
// every output is (AtomicFile).
import Formats
import Model
import Tables
import Training

#if canImport(Glibc)
    import Glibc
#endif

enum SavedSplit {
    /// What the training data knows about its rows, to find the held-out ones again.
    enum Source {
        /// A CSV file: its rows held out by --test-split (0-based, file order; nil: none), the rows of
        /// the training set (in its order) and the training set, and where each row starts.
        case table(path: String, testRows: [Int]?, trainRows: [Int], train: Dataset, task: Task, lines: CSVRowLines)
        /// IDX images: the training set as read.
        case images(Dataset)
    }

    /// Before any work: something is held out, and DIR is a writable directory or can be made.
    static func check(_ dir: String, config: TrainingConfiguration, command: String) throws(CLIError) {
        let flag = "--\(Flags.saveSplit.name)"
        guard !dir.isEmpty, dir != "-" else { throw .usage("\(flag) needs a directory for the held-out rows", command: command) }
        guard config.testSplit != nil || config.validationSplit != nil else {
            throw .usage("\(flag) writes the rows that --test-split and --validation-split hold out; give one of them", command: command)
        }
        var st = stat()
        if stat(dir, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFDIR else {
                throw CLIError(.dataError, "\(dir): is not a directory; \(flag) needs one (it is made when missing)")
            }
            guard access(dir, W_OK) == 0 else { throw CLIError(.dataError, "\(dir): directory is not writable") }
            return
        }
        let trimmed = dir.hasSuffix("/") && dir.count > 1 ? String(dir.dropLast()) : dir
        let parent = trimmed.lastIndex(of: "/").map { $0 == trimmed.startIndex ? "/" : String(trimmed[..<$0]) } ?? "."
        guard stat(parent, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else {
            throw CLIError(.dataError, "\(dir): directory \(parent) does not exist, so \(flag) cannot make \(dir) in it")
        }
        guard access(parent, W_OK) == 0 else {
            throw CLIError(.dataError, "\(dir): directory \(parent) is not writable, so \(flag) cannot make \(dir) in it")
        }
    }

    /// Writes the held-out rows into `dir`; returns what was written, for a line on stderr.
    static func write(_ dir: String, source: Source, config: TrainingConfiguration) throws(CLIError) -> String {
        if mkdir(dir, 0o777) != 0 && errno != EEXIST {
            throw CLIError(.dataError, "\(dir): cannot make the directory: \(String(cString: strerror(errno)))")
        }
        func path(_ name: String) -> String { (dir.hasSuffix("/") ? dir : dir + "/") + name }
        var written: [String] = []
        switch source {
        case .table(let file, let testRows, let trainRows, let train, let task, let lines):
            var sets: [(name: String, rows: [Int])] = []
            if let testRows { sets.append(("test", testRows)) }
            if let f = config.validationSplit {
                // The validation split is drawn from the training rows, as the session draws it.
                let held = try library({
                    try TrainingSession.splitOrder(of: train, fraction: f, seed: config.seed, stratified: config.stratifies(task))
                }).held
                sets.append(("validation", held.map { trainRows[Int($0)] }.sorted()))
            }
            let texts = try rowsAsCSV(file, sets.map(\.rows), lines: lines)
            for (set, text) in zip(sets, texts) {
                try save(text, to: path(set.name + ".csv"))
                try save(indices(set.rows), to: path(set.name + "-indices.txt"))
                written.append("\(set.name).csv (\(set.rows.count) row\(set.rows.count == 1 ? "" : "s"))")
            }
        case .images(let train):
            guard let f = config.validationSplit, let image = train.image, case .bytes(let pixels, _) = train.storage else { return "" }
            let held = try library {
                try TrainingSession.splitOrder(of: train, fraction: f, seed: config.seed, stratified: config.stratifies(.classification))
                    .held.sorted()
            }
            let features = image.rows * image.cols
            var bytes: [UInt8] = []
            var labels: [UInt8] = []
            bytes.reserveCapacity(held.count * features)
            for i in held {
                let s = Int(i) * features
                bytes.append(contentsOf: pixels[s..<(s + features)])
                labels.append(UInt8(clamping: train.labels[Int(i)]))
            }
            try save(IDXWriter.encode(dims: [held.count, image.rows, image.cols], data: bytes), to: path("validation-images-idx3-ubyte"))
            try save(IDXWriter.encode(dims: [held.count], data: labels), to: path("validation-labels-idx1-ubyte"))
            try save(indices(held.map { Int($0) }), to: path("validation-indices.txt"))
            written.append("validation-images-idx3-ubyte and validation-labels-idx1-ubyte (\(held.count) images)")
        }
        return "held-out rows written to \(dir): \(written.joined(separator: ", ")), with their indices"
    }

    /// For each set of rows (0-based, ascending), the CSV text of the file's header and those rows,
    /// copied from the file as they are.
    static func rowsAsCSV(_ file: String, _ sets: [[Int]], lines: CSVRowLines) throws(CLIError) -> [[UInt8]] {
        var bytes: [UInt8]
        do {
            bytes = try FileBytes.read(file)
            if Gzip.isGzip(bytes) { bytes = try Gzip.decompress(bytes, path: file) }
        } catch let e as FormatError { throw .data(e) } catch { throw CLIError(.dataError, "\(file): \(error)") }
        // Which set each wanted row's first line belongs to.
        var wanted: [Int: Int] = [:]
        for (s, rows) in sets.enumerated() { for r in rows { wanted[lines.line(ofRow: r)] = s } }
        var header: ArraySlice<UInt8>?
        var texts = [[UInt8]](repeating: [], count: sets.count)
        var found = 0
        CSVRecords.forEach(bytes) { line, record in
            if header == nil {
                header = record
            } else if let s = wanted[line] {
                texts[s] += record
                if record.last != 0x0A { texts[s].append(0x0A) }
                found += 1
            }
            return found < wanted.count
        }
        guard var head = header, found == wanted.count else {
            throw CLIError(
                .dataError, "\(file): changed since it was read: \(wanted.count - found) held-out rows are no longer where they were")
        }
        if head.last != 0x0A { head.append(0x0A) }
        return texts.map { Array(head) + $0 }
    }

    static func indices(_ rows: [Int]) -> [UInt8] { Array(rows.map { "\($0)\n" }.joined().utf8) }

    static func save(_ bytes: [UInt8], to path: String) throws(CLIError) {
        do { try AtomicFile.write(bytes, to: path) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(path): \(error)")
        }
    }
}
