// Refusing, before anything is allocated, a dataset or model that would not fit in memory.
//
// The estimate is computed from what the files declare (IDX headers, model file sizes) and the
// network's shape, and compared with the memory limit when one is given (--max-memory on the
// command line), else with MemAvailable from /proc/meminfo. Without either (not Linux) there is no
// check. The estimate is deliberately a little generous: it counts the file as read, the
// decompressed copy and the data kept.
import Formats
import Model

#if canImport(Glibc)
    import Glibc
#endif

public enum MemoryBudget {
    /// A byte count: "1000000", "512K", "512M", "8G", "1T" (binary multiples; "MB", "MiB" also read).
    public static func parse(_ text: String) -> Int? {
        var digits = Substring(text)
        var unit = 1
        let units: [(String, Int)] = [("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)]
        for suffix in ["IB", "B"] where digits.uppercased().hasSuffix(suffix) && digits.count > suffix.count {
            digits = digits.dropLast(suffix.count)
            break
        }
        if let (_, m) = units.first(where: { digits.uppercased().hasSuffix($0.0) }) {
            unit = m
            digits = digits.dropLast()
        }
        guard let n = Int(digits), n > 0 else { return nil }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: unit)
        return overflow ? nil : bytes
    }

    /// The limit and whether it was given, or nil when there is none to check against.
    public static func limit(_ given: Int?) -> (bytes: Int, given: Bool)? {
        given.map { ($0, true) } ?? availableMemory().map { ($0, false) }
    }

    /// MemAvailable from /proc/meminfo, in bytes.
    public static func availableMemory() -> Int? {
        guard let text = try? FileBytes.read("/proc/meminfo", maxBytes: 1 << 20) else { return nil }
        for line in String(decoding: text, as: UTF8.self).split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let kb = Int(fields[1]) else { return nil }
            return kb * 1024
        }
        return nil
    }

    /// Memory to read one IDX file, from its header; nil when the header cannot be read (the
    /// reader then says what is wrong) and Int.max when the declared size overflows.
    public static func idxPart(_ path: String) -> (what: String, bytes: Int)? {
        guard let h = IDXReader.header(path: path) else { return nil }
        return ("\(path), declared \(h.dims.map(String.init).joined(separator: "×"))", h.bytesToRead ?? Int.max)
    }

    /// Bytes the training of `specs` takes: parameters, gradients, optimizer state, and the
    /// activations of the widest batch (training or evaluation). nil on overflow.
    public static func trainingBytes(inputs: Int, specs: [LayerSpec], batch: Int, optimizerSlots: Int) -> Int? {
        Architecture.trainingBytes(inputs: inputs, specs: specs, rows: max(batch, 1000), optimizerSlots: optimizerSlots)
    }

    /// Throws when `parts` (what needs memory, and how much) add up to more than the limit: `given`,
    /// else the memory available.
    public static func check(_ given: Int?, _ parts: [(what: String, bytes: Int)]) throws(TrainingError) {
        guard let (limit, fromGiven) = limit(given) else { return }
        var total = 0
        for p in parts { total = total.addingReportingOverflow(p.bytes).overflow ? Int.max : total + p.bytes }
        guard total > limit else { return }
        let biggest = parts.max { $0.bytes < $1.bytes }!
        throw .notEnoughMemory(
            needed: total, what: biggest.what, biggest: parts.count == 1 ? nil : biggest.bytes, limit: limit, limitGiven: fromGiven)
    }

    /// Memory for the data files a command reads, by path.
    public static func dataParts(_ paths: [String]) -> [(what: String, bytes: Int)] {
        paths.compactMap(idxPart)
    }

    /// Memory to read a CSV file: its bytes (decompressed: a gzip file's trailer says how many, mod
    /// 2^32) and the columns parsed from it (at most two floats per byte: a value and its delimiter
    /// take two), with the encoded copy.
    public static func csvPart(_ path: String) -> [(what: String, bytes: Int)] {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return [] }
        var size = Int(st.st_size)
        if let isize = gzipSize(path), isize > size { size = isize }
        let (b, o) = size.multipliedReportingOverflow(by: 3)
        return [("\(path) (\(MemoryBudget.size(size)) of CSV)", o ? Int.max : b)]
    }

    /// The uncompressed size a gzip file's last four bytes record (mod 2^32); nil when not gzip.
    public static func gzipSize(_ path: String) -> Int? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var b = [UInt8](repeating: 0, count: 4)
        guard Glibc.read(fd, &b, 2) == 2, Gzip.isGzip(Array(b.prefix(2))) else { return nil }
        guard lseek(fd, -4, SEEK_END) >= 0, Glibc.read(fd, &b, 4) == 4 else { return nil }
        return Int(b[0]) | Int(b[1]) << 8 | Int(b[2]) << 16 | Int(b[3]) << 24
    }

    /// Memory to load a model file: the bytes read, the decoded values, and the network's
    /// parameters and gradients: about four times the file.
    public static func modelPart(_ path: String) -> [(what: String, bytes: Int)] {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return [] }
        let (b, o) = Int(st.st_size).multipliedReportingOverflow(by: 4)
        return [(path, o ? Int.max : b)]
    }

    /// `mlp train`: the data files and the network `config` describes (from the flags, or a resumed
    /// checkpoint's) with `outputs` outputs, on the training images' size.
    public static func checkTraining(
        _ given: Int?, _ config: TrainingConfiguration, files: ImageFiles.TrainingFiles,
        outputs: Int
    ) throws(TrainingError) {
        guard limit(given) != nil else { return }
        var parts = dataParts(files.all)
        // The network's input width comes from the images' header, when it is one the reader
        // will accept (a raw file's size must match it); otherwise the reader reports the file.
        if let h = IDXReader.header(path: files.trainImages), h.dims.count == 3, let data = h.dataBytes,
            h.compressed || h.fileSize == 16 + data
        {
            let (features, o) = h.dims[1].multipliedReportingOverflow(by: h.dims[2])
            let specs = config.network.specs(assuming: outputs)
            let need =
                o ? nil : trainingBytes(inputs: features, specs: specs, batch: config.batchSize, optimizerSlots: config.optimizerSlots)
            parts.append(("the network \(Architecture.string(specs))", need ?? Int.max))
        }
        try check(given, parts)
    }

    /// "1.5 GiB", "300.0 MiB", "12.0 KiB", "100 bytes".
    public static func size(_ bytes: Int) -> String {
        if bytes == Int.max { return "more than 8 EiB" }
        let units: [(String, Double)] = [("TiB", 1_099_511_627_776), ("GiB", 1_073_741_824), ("MiB", 1_048_576), ("KiB", 1024)]
        for (name, scale) in units where Double(bytes) >= scale {
            return fixed(Double(bytes) / scale, 1) + " " + name
        }
        return "\(bytes) bytes"
    }
}
