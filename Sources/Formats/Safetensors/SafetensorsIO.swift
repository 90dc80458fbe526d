// Reading and writing safetensors files on disk.

import Glibc

extension Safetensors {
    /// Reads and decodes the safetensors file at `path`.
    public static func read(path: String) throws -> SafetensorsFile {
        try decode(readWholeFile(path), path: path)
    }

    /// Writes `file` to `path` (AtomicFile.write: a regular file atomically, a failure leaving the previous one as it was).
    public static func write(_ file: SafetensorsFile, to path: String) throws {
        try AtomicFile.write(encode(tensors: file.tensors, metadata: file.metadata), to: path)
    }

    /// Writes tensors seen in place (see `encode(views:metadata:)`) to `path` (AtomicFile.write).
    public static func write(views: [SafetensorsView], metadata: [(String, String)], to path: String, requireAtomic: Bool = false) throws {
        try AtomicFile.write(encode(views: views, metadata: metadata), to: path, requireAtomic: requireAtomic)
    }
}

/// The whole contents of the file at `path`, read with open/fstat/read.
/// The size from fstat only reserves memory: reading goes on until end of file.
private func readWholeFile(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
        let code = errno
        switch code {
        case ENOENT: throw FormatError(path, "no such file")
        case EACCES: throw FormatError(path, "permission denied")
        default: throw FormatError(path, "cannot open: \(String(cString: strerror(code)))")
        }
    }
    defer { close(fd) }

    var info = stat()
    guard fstat(fd, &info) == 0 else {
        throw FormatError(path, "cannot stat: \(String(cString: strerror(errno)))")
    }
    if info.st_mode & S_IFMT == S_IFDIR { throw FormatError(path, "is a directory, expected a safetensors file") }

    var bytes: [UInt8] = []
    if info.st_mode & S_IFMT == S_IFREG { bytes.reserveCapacity(Int(info.st_size)) }
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n == 0 { return bytes }
        if n < 0 {
            let code = errno
            if code == EINTR { continue }
            throw FormatError(path, "cannot read at byte \(bytes.count): \(String(cString: strerror(code)))")
        }
        bytes.append(contentsOf: chunk[..<n])
    }
}
