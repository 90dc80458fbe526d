// Replacing a file so that a crash or a full disk leaves either the old file or the new one, never half.

import Glibc

public enum AtomicFile {
    /// Writes `bytes` to a temporary file next to `path`, syncs it, renames it over `path`, then syncs
    /// the directory. On failure the temporary file is removed and the previous file is left as it was.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let (directory, name) = split(path)
        guard !name.isEmpty else { throw FormatError(path, "is a directory path, expected a file name") }

        var info = stat()
        if stat(directory, &info) != 0 {
            let code = errno
            if code == ENOENT { throw FormatError(path, "directory \(directory) does not exist") }
            throw FormatError(path, "cannot access directory \(directory): \(describe(code))")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw FormatError(path, "\(directory) is not a directory") }
        guard access(directory, W_OK) == 0 else { throw FormatError(path, "directory \(directory) is not writable") }

        var previous = stat()
        let existed = stat(path, &previous) == 0
        if existed && previous.st_mode & S_IFMT == S_IFDIR {
            throw FormatError(path, "is a directory, cannot replace it with a file")
        }
        let unchanged = existed ? "the previous file is unchanged" : "no file was created"

        removeStaleTemporaries(directory: directory, name: name)
        let suffix = String(UInt32.random(in: .min ... .max), radix: 16)
        let temporary = directory + "/." + name + ".tmp-\(getpid())-" + suffix
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
        if rename(temporary, path) != 0 { throw fail("rename the temporary file over it", errno) }

        // Make the rename itself durable. Filesystems that cannot sync directories report EINVAL.
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            let code = retryingEINTR({ fsync(dirFD) })
            close(dirFD)
            if let code, code != EINVAL {
                throw FormatError(path, "was written, but syncing directory \(directory) failed: \(describe(code)) (a crash could still lose the new file)")
            }
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
                  rest[1].allSatisfy({ $0.isHexDigit && ($0.isNumber || $0.isLowercase) }) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { stale.append(entryName) }
        }
        for entryName in stale { unlink(directory + "/" + entryName) }
    }

    /// Directory and file name; a bare name lives in ".".
    private static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let name = String(path[path.index(after: slash)...])
        let directory = slash == path.startIndex ? "/" : String(path[..<slash])
        return (directory, name)
    }

    /// Writes everything, continuing after short writes and EINTR. Returns errno on failure.
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
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

    private static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
