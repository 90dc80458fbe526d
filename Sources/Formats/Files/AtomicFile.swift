// Writing an output file: a regular file is replaced so that a crash or a full disk leaves either the
// old file or the new one, never half; a device or pipe at the path is written through and a symbolic
// link is followed, never replaced (OutputTarget.swift says where the bytes go).

import Glibc

public enum AtomicFile {
    /// Writes `bytes` to `path`, as what stands there allows (OutputTarget.swift):
    /// - a new path or a regular file, directly or at the end of a chain of symbolic links: to a
    ///   temporary file beside it, synced, renamed over it, then the directory synced. On failure
    ///   the temporary file is removed and the previous file is left as it was; the permissions of
    ///   the file replaced are kept, and a symbolic link stays a link to the new file;
    /// - a character device, FIFO or socket: written through (opening a FIFO waits for its reader,
    ///   as a shell redirection does);
    /// - "-" or another name for this process's stdout or stderr: that descriptor.
    /// `requireAtomic` refuses all but the first with a one-line error, for files that must never
    /// be seen half-written (a checkpoint).
    public static func write(_ bytes: [UInt8], to path: String, requireAtomic: Bool = false) throws {
        switch try check(path, requireAtomic: requireAtomic) {
        case .file(let name): try replace(bytes, at: name, as: path)
        case .stream(let kind): try writeThrough(bytes, to: path, kind)
        case .standardOutput: try write(bytes, toDescriptor: 1, path: path)
        case .standardError: try write(bytes, toDescriptor: 2, path: path)
        }
    }

    /// Where writing to `path` would go, after checking everything that can be checked without
    /// writing: a file's directory exists, is a directory and is writable; a device, FIFO or socket
    /// is writable; and, with `requireAtomic`, that the target can be replaced atomically. Commands
    /// call it before their work, so that an hour of training is never lost to a bad output path.
    public static func check(_ path: String, requireAtomic: Bool = false) throws -> OutputTarget {
        let target = try OutputTarget.resolve(path)
        if requireAtomic && !target.isAtomic {
            throw FormatError(path, "is \(target.description), which cannot be replaced atomically; give the name of a regular file")
        }
        switch target {
        case .file(let name):
            let (directory, fileName) = split(name)
            guard !fileName.isEmpty else { throw FormatError(path, "is a directory path, expected a file name") }
            // The messages for a plain path; through a link they also name where the link leads.
            func failure(_ plain: String, _ linked: String) -> FormatError {
                FormatError(path, name == path ? plain : "is a symbolic link to \(name), \(linked)")
            }
            var info = stat()
            if stat(directory, &info) != 0 {
                let code = errno
                if code == ENOENT { throw failure("directory \(directory) does not exist", "whose directory \(directory) does not exist") }
                throw failure(
                    "cannot access directory \(directory): \(describe(code))",
                    "whose directory \(directory) cannot be accessed: \(describe(code))")
            }
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw failure("\(directory) is not a directory", "but \(directory) is not a directory")
            }
            guard access(directory, W_OK) == 0 else {
                throw failure("directory \(directory) is not writable", "whose directory \(directory) is not writable")
            }
        case .stream:
            guard access(path, W_OK) == 0 else {
                throw FormatError(path, "is \(target.description) that is not writable: \(describe(errno))")
            }
        case .standardOutput, .standardError:
            break
        }
        return target
    }

    /// Replaces the regular file (or creates the file) `name`; messages call it `path`, as the user did.
    private static func replace(_ bytes: [UInt8], at name: String, as path: String) throws {
        let (directory, fileName) = split(name)
        var previous = stat()
        let existed = stat(name, &previous) == 0
        let unchanged = existed ? "the previous file is unchanged" : "no file was created"

        removeStaleTemporaries(directory: directory, name: fileName)
        let suffix = String(UInt32.random(in: .min ... .max), radix: 16)
        let temporary = directory + "/." + fileName + ".tmp-\(getpid())-" + suffix
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            throw FormatError(path, "cannot create a temporary file in \(directory): \(describe(errno)) (\(unchanged))")
        }

        // Each step names what failed; any failure removes the temporary file.
        func fail(_ what: String, _ code: Int32) -> FormatError {
            unlink(temporary)
            return FormatError(path, "cannot \(what): \(describe(code)) (\(unchanged))")
        }
        // Keep the permissions of the file being replaced.
        if existed && fchmod(fd, previous.st_mode & 0o7777) != 0 {
            let code = errno
            close(fd)
            throw fail("copy the permissions of the previous file", code)
        }
        if let code = writeAll(fd, bytes) {
            close(fd)
            throw fail("write", code)
        }
        if let code = retryingEINTR({ fsync(fd) }) {
            close(fd)
            throw fail("sync to disk", code)
        }
        // On Linux the descriptor is released even when close fails with EINTR: never retry it.
        if close(fd) != 0 && errno != EINTR { throw fail("close", errno) }
        if rename(temporary, name) != 0 { throw fail("rename the temporary file over it", errno) }

        // Make the rename itself durable. Filesystems that cannot sync directories report EINVAL.
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            let code = retryingEINTR({ fsync(dirFD) })
            close(dirFD)
            if let code, code != EINVAL {
                throw FormatError(
                    path,
                    "was written, but syncing directory \(directory) failed: \(describe(code)) (a crash could still lose the new file)")
            }
        }
    }

    /// Writes through a character device, FIFO or socket, opened by `path`.
    private static func writeThrough(_ bytes: [UInt8], to path: String, _ kind: OutputTarget.Stream) throws {
        let fd = try openStream(path, kind)
        defer { close(fd) }
        if let code = writeAll(fd, bytes) { throw FormatError(path, "cannot write to \(kind.rawValue): \(describe(code))") }
    }

    /// A descriptor open for writing on the device, FIFO or socket at `path`. What this process has
    /// buffered for stdout goes out first, in case the two are the same.
    static func openStream(_ path: String, _ kind: OutputTarget.Stream) throws -> Int32 {
        fflush(stdout)
        if kind == .socket { return try connectSocket(path) }
        while true {
            // No O_CREAT: if the device or FIFO went away meanwhile, no regular file takes its place.
            let fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY)
            if fd >= 0 { return fd }
            if errno != EINTR { throw FormatError(path, "cannot open \(kind.rawValue) for writing: \(describe(errno))") }
        }
    }

    /// A stream socket at `path`, connected.
    private static func connectSocket(_ path: String) throws -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let name = Array(path.utf8)
        guard name.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw FormatError(
                path, "is a socket whose path is too long to connect to (at most \(MemoryLayout.size(ofValue: address.sun_path) - 1) bytes)"
            )
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: name)
            raw[name.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw FormatError(path, "is a socket, and no socket can be made to connect to it: \(describe(errno))") }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw FormatError(path, "is a socket that cannot be connected to: \(describe(code))")
        }
        return fd
    }

    /// Writes to stdout (1) or stderr (2), after what stdio holds for them.
    static func write(_ bytes: [UInt8], toDescriptor fd: Int32, path: String) throws {
        fflush(stdout)
        fflush(stderr)
        if let code = writeAll(fd, bytes) {
            throw FormatError(path, "cannot write to \(fd == 1 ? "standard output" : "standard error"): \(describe(code))")
        }
    }

    /// A process killed while writing (SIGKILL, power loss) leaves its temporary file
    /// `.NAME.tmp-PID-HEX` behind. Before writing NAME again, remove those whose process is gone,
    /// so they cannot pile up or fill the disk. Only names of exactly that form are touched, and
    /// only when `kill(PID, 0)` says no such process exists (ESRCH): a live writer, this process
    /// included, keeps its file. (A writer in another PID namespace sharing the directory would
    /// look dead; its rename would then fail and leave its previous file in place, never a torn one.)
    static func removeStaleTemporaries(directory: String, name: String) {
        guard let dir = opendir(directory) else { return }
        defer { closedir(dir) }
        let prefix = "." + name + ".tmp-"
        var stale: [String] = []
        while let entry = readdir(dir) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard entryName.hasPrefix(prefix) else { continue }
            let rest = entryName.dropFirst(prefix.count).split(separator: "-", omittingEmptySubsequences: false)
            guard rest.count == 2, let pid = Int32(rest[0]), pid > 0,
                !rest[1].isEmpty, rest[1].count <= 8, UInt32(rest[1], radix: 16) != nil,
                rest[1].allSatisfy({ $0.isHexDigit && ($0.isNumber || $0.isLowercase) })
            else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { stale.append(entryName) }
        }
        for entryName in stale { unlink(directory + "/" + entryName) }
    }

    /// Directory and file name; a bare name lives in ".".
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let name = String(path[path.index(after: slash)...])
        let directory = slash == path.startIndex ? "/" : String(path[..<slash])
        return (directory, name)
    }

    /// Writes everything, continuing after short writes and EINTR. Returns errno on failure.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
        bytes.withUnsafeBytes { buffer -> Int32? in
            var done = 0
            while done < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + done, buffer.count - done)
                if n > 0 {
                    done += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    return n < 0 ? errno : EIO  // a write of 0 bytes to a regular file means it cannot grow
                }
            }
            return nil
        }
    }

    /// Runs a call that returns -1 and sets errno, retrying on EINTR. Returns errno on failure.
    private static func retryingEINTR(_ call: () -> Int32) -> Int32? {
        while call() != 0 {
            if errno != EINTR { return errno }
        }
        return nil
    }

    static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
