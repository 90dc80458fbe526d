// Reading a whole file into memory with plain POSIX calls (no Foundation: start-up time matters).
// Every failure becomes a FormatError naming the path and what went wrong.

import Glibc

public enum FileBytes {
    /// The whole contents of the file at `path`; refuses files larger than `maxBytes`.
    public static func read(_ path: String, maxBytes: Int = 1 << 31) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw openError(path, errno) }
        defer { close(fd) }

        var info = stat()
        if fstat(fd, &info) != 0 { throw FormatError(path, "cannot be read: \(errnoText(errno))") }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw FormatError(path, "is a directory, expected a file") }
        let size = Int(info.st_size)
        if size > maxBytes { throw FormatError(path, "file is \(size) bytes, larger than the \(maxBytes)-byte limit") }
        let cap = maxBytes < Int.max ? maxBytes + 1 : Int.max  // one byte past the limit detects "too large"

        // st_size is only a hint (pipes report 0, files may grow): read to end of file, capped.
        // One spare byte lets the end-of-file read of a regular file land without regrowing.
        var bytes = [UInt8](repeating: 0, count: size > 0 ? min(size, Int.max - 1) + 1 : 4096)
        var filled = 0
        while true {
            if filled == bytes.count {
                if filled > maxBytes { throw tooLarge(path, maxBytes) }
                bytes.append(contentsOf: repeatElement(0, count: min(max(filled, 4096), cap - filled)))
            }
            let got = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return Glibc.read(fd, base + filled, buffer.count - filled)
            }
            if got == 0 { break }
            if got < 0 {
                if errno == EINTR { continue }
                throw FormatError(path, "cannot be read at byte \(filled): \(errnoText(errno))")
            }
            filled += got
        }
        if filled > maxBytes { throw tooLarge(path, maxBytes) }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }

    private static func openError(_ path: String, _ code: Int32) -> FormatError {
        switch code {
        case ENOENT: return FormatError(path, "no such file")
        case EACCES: return FormatError(path, "cannot be read: permission denied")
        case EISDIR: return FormatError(path, "is a directory, expected a file")
        default: return FormatError(path, "cannot be opened: \(errnoText(code))")
        }
    }

    private static func tooLarge(_ path: String, _ limit: Int) -> FormatError {
        FormatError(path, "file is larger than the \(limit)-byte limit")
    }

    private static func errnoText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
