// Where the bytes written to an output path go, decided before anything is written:
//
// - a new path or a regular file: a temporary file beside it, renamed over it (AtomicFile);
// - a symbolic link: followed link by link (relative links from the link's own directory, a dangling
//   link to the name it gives) to the file at the end of the chain, which is replaced in its own
//   directory, so the link stays a link and the file it names gets the bytes;
// - a character device (/dev/null, a terminal), a FIFO or a socket: written through as it is, never
//   replaced, so /dev/null stays a device and a pipe's reader gets the bytes;
// - "-", or a name for the pipe, socket or file that is this process's own standard output or
//   standard error (/dev/stdout, /proc/self/fd/1, the file the shell redirected stdout to): that
//   descriptor, after what is buffered for it.
// A directory and a block device are refused.

import Glibc

public enum OutputTarget: Equatable, Sendable {
    /// A regular file, or no file yet: replaced atomically. The name is the path given, or the name
    /// at the end of its chain of symbolic links.
    case file(String)
    /// A character device, FIFO or socket: opened by the path given and written through.
    case stream(Stream)
    /// Standard output: "-", or a name for this process's stdout.
    case standardOutput
    /// A name for this process's standard error (/dev/stderr).
    case standardError

    public enum Stream: String, Sendable {
        case characterDevice = "a character device"
        case fifo = "a FIFO (named pipe)"
        case socket = "a socket"
    }

    /// Whether the bytes can be replaced all at once (a regular file or a new one), so that a reader
    /// finds either the previous contents or the new ones.
    public var isAtomic: Bool {
        if case .file = self { return true }
        return false
    }

    /// What the target is, for messages ("a FIFO (named pipe)", "standard output").
    public var description: String {
        switch self {
        case .file: return "a regular file"
        case .stream(let s): return s.rawValue
        case .standardOutput: return "standard output"
        case .standardError: return "standard error"
        }
    }

    /// The most symbolic links followed in a chain, as the kernel's own limit (MAXSYMLINKS).
    static let maxLinks = 40

    /// Where writing to `path` goes. Throws for an empty name, a name ending in "/", a directory, a
    /// block device, a chain of links that loops, and a path that cannot be looked at.
    public static func resolve(_ path: String) throws -> OutputTarget {
        if path == "-" { return .standardOutput }
        guard !path.isEmpty else { throw FormatError(path, "is an empty file name") }
        guard !path.hasSuffix("/") else { throw FormatError(path, "is a directory path, expected a file name") }

        var info = stat()
        if stat(path, &info) == 0 {
            // What the path leads to exists; links are followed by stat itself. A device is written
            // through whoever else has it open (/dev/null, a terminal); any other file that is this
            // process's stdout or stderr is written through that descriptor.
            if info.st_mode & S_IFMT != S_IFCHR, let fd = standardDescriptor(sameAs: info) {
                return fd == 1 ? .standardOutput : .standardError
            }
            switch info.st_mode & S_IFMT {
            case S_IFREG: return .file(try finalName(path))
            case S_IFDIR: throw FormatError(path, "is a directory, cannot replace it with a file")
            case S_IFCHR: return .stream(.characterDevice)
            case S_IFIFO: return .stream(.fifo)
            case S_IFSOCK: return .stream(.socket)
            case S_IFBLK: throw FormatError(path, "is a block device; mlp writes regular files, character devices, FIFOs and sockets")
            default: throw FormatError(path, "is neither a regular file nor a device, FIFO or socket")
            }
        }
        let code = errno
        switch code {
        case ENOENT, ENOTDIR:
            // No file yet, a dangling link, or a missing or non-directory parent (the writer's
            // checks name which).
            return .file(try finalName(path))
        case ELOOP:
            throw FormatError(path, "is a chain of symbolic links that loops (or is longer than \(maxLinks))")
        default:
            throw FormatError(path, "cannot be looked at: \(String(cString: strerror(code)))")
        }
    }

    /// The name at the end of the chain of symbolic links that starts at `path` (`path` itself when
    /// it is not a link). A relative link is read from the directory that holds it; the kernel
    /// resolves "dir/../x" by the real parent of dir, as it does the link itself.
    static func finalName(_ path: String) throws -> String {
        var current = path
        for _ in 0...maxLinks {
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
            guard let text = readLink(current) else {
                throw FormatError(path, "the symbolic link \(current) cannot be read: \(String(cString: strerror(errno)))")
            }
            guard !text.isEmpty else { throw FormatError(path, "the symbolic link \(current) is empty") }
            if text.hasPrefix("/") {
                current = text
            } else {
                let (directory, _) = AtomicFile.split(current)
                current = directory == "." ? text : (directory == "/" ? "/" : directory + "/") + text
            }
        }
        throw FormatError(path, "is a chain of symbolic links that loops (or is longer than \(maxLinks))")
    }

    /// The text of the symbolic link at `path`.
    static func readLink(_ path: String) -> String? {
        var size = 256
        while true {
            var buffer = [UInt8](repeating: 0, count: size)
            let n = buffer.withUnsafeMutableBufferPointer { b in
                b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: size) { readlink(path, $0, size) }
            }
            if n < 0 { return nil }
            if n < size { return String(decoding: buffer[..<n], as: UTF8.self) }
            size *= 2
        }
    }

    /// 1 or 2 when `info` is the file that this process's stdout or stderr is open on.
    static func standardDescriptor(sameAs info: stat) -> Int32? {
        for fd: Int32 in [1, 2] {
            var open = stat()
            if fstat(fd, &open) == 0 && open.st_dev == info.st_dev && open.st_ino == info.st_ino { return fd }
        }
        return nil
    }
}
