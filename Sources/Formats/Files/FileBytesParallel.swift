// Reading a large regular file with several threads at once (pread of equal parts) into memory that
// is not zeroed first and is backed by huge pages where the system allows: for the CSV reader, where
// reading a large file with one thread into a zeroed buffer is a large share of the load time.
// Anything unusual (not a regular file,
// small, too large, a short read, a file that changed size) goes to FileBytes.read, which also words
// every error.

import Glibc

extension FileBytes {
    /// The whole contents of the file at `path`, read by up to `threads` threads.
    public static func read(_ path: String, maxBytes: Int = 1 << 31, threads: Int) throws -> [UInt8] {
        let parts = max(1, threads)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return try read(path, maxBytes: maxBytes) }
        defer { close(fd) }
        var info = stat()
        guard parts > 1, fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            return try read(path, maxBytes: maxBytes)
        }
        let size = Int(info.st_size)
        guard size >= parts << 20, size <= maxBytes, size < Int.max else { return try read(path, maxBytes: maxBytes) }

        let complete = UnsafeMutableBufferPointer<Bool>.allocate(capacity: parts)
        complete.initialize(repeating: false)
        defer { complete.deallocate() }
        let bytes = [UInt8](unsafeUninitializedCapacity: size + 1) { buffer, count in
            let base = buffer.baseAddress!
            HugePages.advise(base, bytes: size)
            SpawnedLoop.run(chunks: parts) { k in
                var at = size / parts * k
                let to = k == parts - 1 ? size : size / parts * (k + 1)
                while at < to {
                    let got = pread(fd, base + at, to - at, off_t(at))
                    if got < 0 && errno == EINTR { continue }
                    if got <= 0 { return }
                    at += got
                }
                complete[k] = true
            }
            // The byte after st_size must be the end of the file, or it grew while being read.
            var extra = pread(fd, base + size, 1, off_t(size))
            while extra < 0 && errno == EINTR { extra = pread(fd, base + size, 1, off_t(size)) }
            count = complete.allSatisfy { $0 } && extra == 0 ? size : 0
        }
        return bytes.count == size ? bytes : try read(path, maxBytes: maxBytes)
    }
}
