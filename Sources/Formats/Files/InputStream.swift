// Bytes from a file or from standard input ("-"), as they arrive, gunzipped on the way when the
// first two bytes are gzip's magic (1f 8b; several members are read one after the other). For
// `mlp predict`, which streams its answers: it reads a block, answers it, and reads on, so a pipe
// gets each row's prediction soon after the row and a file of any length needs one block of memory.
import CZlib

#if canImport(Glibc)
    import Glibc
#endif

public final class InputStream {
    /// The name messages give the input: the path, or "standard input".
    public let name: String
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var raw = [UInt8](repeating: 0, count: 1 << 16)
    private var pending: [UInt8] = []  // read but not yet classified (the first bytes)
    private var gzip: UnsafeMutablePointer<z_stream>?
    private var rawConsumed = 0, rawFilled = 0
    private var inputEnded = false
    private var decided = false

    /// Opens `path`, or standard input for "-".
    public init(path: String) throws(FormatError) {
        if path == "-" {
            fd = 0
            name = "standard input"
            ownsDescriptor = false
        } else {
            let d = open(path, O_RDONLY | O_CLOEXEC)
            guard d >= 0 else {
                let code = errno
                throw FormatError(path, code == ENOENT ? "no such file" : "cannot be opened: \(String(cString: strerror(code)))")
            }
            var st = stat()
            if fstat(d, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
                close(d)
                throw FormatError(path, "is a directory, expected a file")
            }
            fd = d
            name = path
            ownsDescriptor = true
        }
    }

    deinit {
        if let gzip {
            inflateEnd(gzip)
            gzip.deinitialize(count: 1)
            gzip.deallocate()
        }
        if ownsDescriptor { close(fd) }
    }

    /// Reads what the source has now (blocking until something arrives) into `out`, appending;
    /// returns the number of bytes added, 0 at the end.
    public func read(into out: inout [UInt8]) throws(FormatError) -> Int {
        if !decided {
            // Two bytes decide whether this is gzip.
            while pending.count < 2 && !inputEnded { try fill(&pending) }
            decided = true
            if pending.count >= 2 && pending[0] == 0x1f && pending[1] == 0x8b { try startInflate() }
            if gzip == nil {
                let n = pending.count
                out += pending
                pending = []
                if n > 0 { return n }
            } else {
                raw = pending + [UInt8](repeating: 0, count: max(1 << 16 - pending.count, 0))
                rawFilled = pending.count
                pending = []
            }
        }
        if gzip == nil {
            let before = out.count
            while out.count == before && !inputEnded { try fill(&out) }
            return out.count - before
        }
        return try inflateSome(&out)
    }

    /// Reads everything that is left.
    public func readAll(maxBytes: Int = 1 << 31) throws(FormatError) -> [UInt8] {
        var out: [UInt8] = []
        while try read(into: &out) > 0 {
            if out.count > maxBytes { throw FormatError(name, "is larger than \(maxBytes) bytes, the most this mlp reads") }
        }
        return out
    }

    /// One read(2) of at most 64 KiB, appended to `buffer`.
    private func fill(_ buffer: inout [UInt8]) throws(FormatError) {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw FormatError(name, "cannot be read: \(String(cString: strerror(errno)))") }
            if n == 0 { inputEnded = true } else { buffer += chunk[0..<n] }
            return
        }
    }

    private func startInflate() throws(FormatError) {
        let s = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        s.initialize(to: z_stream())
        guard inflateInit2_(s, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            s.deallocate()
            throw FormatError(name, "cannot start gzip decompression: zlib initialisation failed")
        }
        gzip = s
    }

    /// Inflates at least one byte (reading more input as needed), or returns 0 at the end.
    private func inflateSome(_ out: inout [UInt8]) throws(FormatError) -> Int {
        guard let s = gzip else { return 0 }
        var produced = [UInt8](repeating: 0, count: 1 << 17)
        while true {
            if rawConsumed == rawFilled {
                if inputEnded { return 0 }
                var more: [UInt8] = []
                try fill(&more)
                if more.isEmpty { continue }
                raw = more
                rawConsumed = 0
                rawFilled = more.count
            }
            var status: Int32 = Z_OK
            var made = 0
            var used = 0
            raw.withUnsafeMutableBufferPointer { input in
                produced.withUnsafeMutableBufferPointer { output in
                    s.pointee.next_in = input.baseAddress! + rawConsumed
                    s.pointee.avail_in = UInt32(rawFilled - rawConsumed)
                    s.pointee.next_out = output.baseAddress!
                    s.pointee.avail_out = UInt32(output.count)
                    status = inflate(s, Z_NO_FLUSH)
                    used = rawFilled - rawConsumed - Int(s.pointee.avail_in)
                    made = output.count - Int(s.pointee.avail_out)
                    s.pointee.next_in = nil
                    s.pointee.next_out = nil
                }
            }
            rawConsumed += used
            if made > 0 { out += produced[0..<made] }
            switch status {
            case Z_OK,
                Z_BUF_ERROR where made > 0 || used > 0:
                if made > 0 { return made }
            case Z_STREAM_END:
                // Another member may follow.
                inflateReset(s)
                if made > 0 { return made }
                if rawConsumed == rawFilled && inputEnded { return 0 }
            case Z_BUF_ERROR:
                if inputEnded && rawConsumed == rawFilled {
                    throw FormatError(name, "gzip data ends early: truncated or damaged")
                }
            default:
                let text = s.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                throw FormatError(name, "corrupt gzip data: \(text)")
            }
        }
    }
}
