// The header of an IDX file, read without reading the data: for gzip files only the first
// kilobyte of output is inflated. Commands use it to refuse, before allocating anything, a file
// whose declared size would not fit in memory.

import Glibc

public struct IDXHeader: Equatable, Sendable {
    /// The IDX type code and the dimension sizes, as the header declares them.
    public let type: UInt8
    public let dims: [Int]
    /// The size of the file on disk.
    public let fileSize: Int
    /// Whether the file is gzip-compressed (recognised by its magic bytes).
    public let compressed: Bool

    /// Bytes of data the header declares (product of the dimensions times the element size),
    /// nil when that overflows.
    public var dataBytes: Int? {
        guard let size = IDXType.elementSize(type) else { return nil }
        return IDXReader.byteCount(dims, elementSize: size)
    }

    /// Bytes of memory reading the file takes at its peak. A raw file is read into one buffer that
    /// becomes the data (the header is cut off in place). A gzip file is held while it is
    /// decompressed, and the decompressed copy can grow only as far as the real data (and the
    /// reader's 2 GiB cap), whatever the header claims. nil on overflow.
    public var bytesToRead: Int? {
        guard compressed else { return fileSize }
        guard let data = dataBytes else { return nil }
        let decompressed = min(data, 1 << 31) + 4 + 4 * dims.count
        let (b, o) = fileSize.addingReportingOverflow(decompressed)
        return o ? nil : b
    }
}

extension IDXReader {
    /// The header of the IDX file at `path`, reading at most 64 KiB of it. nil when there is no
    /// valid header to read (missing, unreadable, malformed): reading the whole file reports why.
    public static func header(path: String) -> IDXHeader? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        var head = [UInt8](repeating: 0, count: 1 << 16)
        var filled = 0
        while filled < head.count {
            let n = head.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            filled += n
        }
        head.removeLast(head.count - filled)
        return header(of: head, fileSize: Int(info.st_size))
    }

    /// The header at the start of `head` (the first bytes of a file of `fileSize` bytes, raw or
    /// gzip), or nil when they do not begin with a complete, valid IDX header.
    public static func header(of head: [UInt8], fileSize: Int) -> IDXHeader? {
        let compressed = Gzip.isGzip(head)
        // The largest header: 4 bytes and 255 dimensions of 4 bytes.
        let raw = compressed ? Gzip.prefix(head, count: 4 + 4 * 255) : head
        guard raw.count >= 4, raw[0] == 0, raw[1] == 0, IDXType.elementSize(raw[2]) != nil, raw[3] > 0 else { return nil }
        let ndims = Int(raw[3])
        guard raw.count >= 4 + 4 * ndims else { return nil }
        return IDXHeader(type: raw[2], dims: IDXReader.dimensions(raw, count: ndims), fileSize: fileSize, compressed: compressed)
    }
}
