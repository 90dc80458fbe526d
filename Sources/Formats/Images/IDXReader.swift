// Reading IDX files (the MNIST format), raw or gzip-compressed, with every length checked
// against the real file size before anything is trusted or allocated.
//
// Layout: 00 00 <type> <ndims>, then ndims big-endian UInt32 sizes, then the elements.

public enum IDXReader {
    /// Parses a whole IDX file held in memory; gzip is recognised by its magic bytes, not the name.
    /// `maxDecompressed` caps what gzip data may expand to (a fuzz target sets it well below its memory limit).
    public static func parse(_ bytes: [UInt8], path: String, maxDecompressed: Int = 1 << 31) throws -> IDXArray {
        var owned = bytes
        return try parse(consuming: &owned, path: path, maxDecompressed: maxDecompressed)
    }

    /// Reads and parses the IDX file at `path`.
    public static func read(path: String) throws -> IDXArray {
        var bytes = try FileBytes.read(path)
        return try parse(consuming: &bytes, path: path)
    }

    /// Parses bytes the caller gives up: the header is cut off in place, so the data is never
    /// copied (MNIST's training images would otherwise cost a second 47 MB at load time).
    static func parse(consuming bytes: inout [UInt8], path: String, maxDecompressed: Int = 1 << 31) throws -> IDXArray {
        if Gzip.isGzip(bytes) {
            var raw = try Gzip.decompress(bytes, path: path, maxOutput: maxDecompressed)
            bytes = []  // the compressed copy is no longer needed
            return try parseRaw(&raw, path: path, file: "decompressed file")
        }
        return try parseRaw(&bytes, path: path, file: "file")
    }

    /// Reads an image file: unsigned bytes in 3 dimensions (count, rows, cols).
    public static func readImages(path: String) throws -> IDXImages {
        try images(read(path: path), path: path)
    }

    /// Reads a label file: unsigned bytes in 1 dimension, each below `classCount`.
    public static func readLabels(path: String, classCount: Int = 10) throws -> [UInt8] {
        try labels(read(path: path), path: path, classCount: classCount)
    }

    /// Checks a parsed array is an image stack (type 0x08, 3 dimensions, non-empty images).
    public static func images(_ array: IDXArray, path: String) throws -> IDXImages {
        try requireUnsignedBytes(array, path: path, what: "images")
        guard array.dims.count == 3 else {
            throw FormatError(path, "images must have 3 dimensions (count, rows, cols), the header at offset 3 says \(array.dims.count)")
        }
        let (count, rows, cols) = (array.dims[0], array.dims[1], array.dims[2])
        guard rows > 0 && cols > 0 else {
            throw FormatError(path, "images must have at least one row and one column, the header at offset 8 says \(rows)×\(cols)")
        }
        return IDXImages(count: count, rows: rows, cols: cols, pixels: array.data)
    }

    /// Checks a parsed array is a label vector (type 0x08, 1 dimension, every label below `classCount`).
    public static func labels(_ array: IDXArray, path: String, classCount: Int = 10) throws -> [UInt8] {
        try requireUnsignedBytes(array, path: path, what: "labels")
        guard array.dims.count == 1 else {
            throw FormatError(path, "labels must have 1 dimension (count), the header at offset 3 says \(array.dims.count)")
        }
        for (index, label) in array.data.enumerated() where Int(label) >= classCount {
            throw FormatError(path, "label \(label) at index \(index) is not below the class count \(classCount)")
        }
        return array.data
    }

    /// Checks there is exactly one label per image; the error names the label file.
    public static func checkPair(images: IDXImages, imagesPath: String, labels: [UInt8], labelsPath: String) throws {
        guard labels.count == images.count else {
            throw FormatError(labelsPath, "\(labels.count) labels but \(images.count) images in \(imagesPath)")
        }
    }

    // MARK: - The header and the whole-file length check

    private static func parseRaw(_ bytes: inout [UInt8], path: String, file: String) throws -> IDXArray {
        guard !bytes.isEmpty else {
            throw FormatError(
                path,
                file == "file"
                    ? "empty file, expected an IDX header"
                    : "\(file) is empty, expected an IDX header")
        }
        guard bytes.count >= 4 else {
            throw FormatError(path, "\(file) is \(bytes.count) byte\(bytes.count == 1 ? "" : "s"), shorter than the 4-byte IDX magic")
        }
        guard bytes[0] == 0 && bytes[1] == 0 else {
            let shown = bytes[0..<4].map(IDXType.hexDigits).joined(separator: " ")
            throw FormatError(path, "bad magic bytes \(shown) at offset 0, expected 00 00 <type> <ndims> (is this an IDX file?)")
        }
        let type = bytes[2]
        guard let elementSize = IDXType.elementSize(type) else {
            throw FormatError(
                path, "unsupported IDX type code \(IDXType.hex(type)) at offset 2, expected one of 0x08 0x09 0x0B 0x0C 0x0D 0x0E")
        }
        let ndims = Int(bytes[3])
        guard ndims > 0 else {
            throw FormatError(path, "the header at offset 3 declares 0 dimensions, expected at least 1")
        }
        let headerSize = 4 + 4 * ndims  // at most 1024: ndims is one byte
        guard bytes.count >= headerSize else {
            throw FormatError(
                path,
                "truncated in the header: \(file) is \(bytes.count) bytes but \(ndims) dimension\(ndims == 1 ? "" : "s") need a \(headerSize)-byte header"
            )
        }
        let dims = dimensions(bytes, count: ndims)

        let shape = dims.map(String.init).joined(separator: "×")
        let declared = elementSize == 1 ? shape : "\(shape) elements of \(elementSize) bytes"
        guard let expected = byteCount(dims, elementSize: elementSize) else {
            throw FormatError(path, "dimension sizes \(shape) overflow")
        }
        let present = bytes.count - headerSize
        if present < expected {
            throw FormatError(
                path, "truncated in the data: \(file) has \(present) bytes of data but the header declares \(expected) (\(declared))")
        }
        if present > expected {
            throw FormatError(
                path,
                "\(present - expected) bytes of trailing data after the \(expected) bytes of data the header declares (\(declared)), starting at offset \(headerSize + expected)"
            )
        }
        bytes.removeSubrange(0..<headerSize)  // in place: the buffer is uniquely owned here
        return IDXArray(type: type, dims: dims, data: bytes)
    }

    /// The product of the dimensions times the element size, or nil on overflow.
    /// The `count` big-endian UInt32 dimension sizes after the 4-byte magic (the caller checked
    /// that `bytes` holds them).
    static func dimensions(_ bytes: [UInt8], count: Int) -> [Int] {
        (0..<count).map { i in
            let at = 4 + 4 * i
            return Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
        }
    }

    /// Bytes of data `dims` elements of `elementSize` bytes take; nil when that overflows.
    static func byteCount(_ dims: [Int], elementSize: Int) -> Int? {
        if dims.contains(0) { return 0 }
        var total = elementSize
        for size in dims {
            let (next, overflow) = total.multipliedReportingOverflow(by: size)
            if overflow { return nil }
            total = next
        }
        return total
    }

    private static func requireUnsignedBytes(_ array: IDXArray, path: String, what: String) throws {
        guard array.type == 0x08 else {
            throw FormatError(
                path, "\(what) must be unsigned bytes (type 0x08), the header at offset 2 says \(IDXType.describe(array.type))")
        }
    }
}
