// gzip through zlib: bounded decompression of (possibly multi-member) gzip files,
// and compression for tests and the fuzz seed corpus.

import CDeflate
import CZlib

public enum Gzip {
    /// The largest chunk handed to zlib at once (its counters are 32-bit).
    private static let chunk = 1 << 30

    /// True when `bytes` starts with the gzip magic 1f 8b.
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// Decompresses gzip data; every member is inflated and concatenated.
    /// Fails, without allocating more, once the output would exceed `maxOutput` bytes.
    public static func decompress(_ bytes: [UInt8], path: String, maxOutput: Int = 1 << 31) throws -> [UInt8] {
        if bytes.isEmpty { throw FormatError(path, "gzip data truncated at byte 0: expected more compressed data") }
        if let fast = wholeFile(bytes, maxOutput: maxOutput) { return fast }
        let limit = max(maxOutput, 0)
        let cap = limit < Int.max ? limit + 1 : Int.max  // one byte past the limit detects a bomb
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        // 15 + 16: the largest window, gzip wrapper only.
        guard inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw FormatError(path, "cannot start gzip decompression: zlib initialisation failed")
        }
        defer { inflateEnd(stream) }

        var out = [UInt8](repeating: 0, count: min(initialGuess(bytes), cap))
        var consumed = 0
        var produced = 0
        while true {
            if produced == out.count {
                if produced > limit { throw bomb(path, limit) }
                out.append(contentsOf: repeatElement(0, count: min(max(produced, 1 << 16), cap - produced)))
            }
            let inCount = min(bytes.count - consumed, chunk)
            let outCount = min(out.count - produced, chunk)
            let status: Int32 = bytes.withUnsafeBufferPointer { input in
                out.withUnsafeMutableBufferPointer { output in
                    guard let inBase = input.baseAddress, let outBase = output.baseAddress else { return Z_BUF_ERROR }
                    stream.pointee.next_in = UnsafeMutablePointer(mutating: inBase + consumed)
                    stream.pointee.avail_in = UInt32(inCount)
                    stream.pointee.next_out = outBase + produced
                    stream.pointee.avail_out = UInt32(outCount)
                    let status = inflate(stream, Z_NO_FLUSH)
                    stream.pointee.next_in = nil  // never keep pointers past the closure
                    stream.pointee.next_out = nil
                    return status
                }
            }
            consumed += inCount - Int(stream.pointee.avail_in)
            produced += outCount - Int(stream.pointee.avail_out)
            if produced > limit { throw bomb(path, limit) }

            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                if consumed == bytes.count {
                    out.removeLast(out.count - produced)
                    return out
                }
                // Another member may follow; anything else is trailing garbage.
                if consumed + 1 < bytes.count && bytes[consumed] == 0x1f && bytes[consumed + 1] == 0x8b {
                    guard inflateReset(stream) == Z_OK else {
                        throw FormatError(path, "cannot restart gzip decompression at byte \(consumed)")
                    }
                    continue
                }
                throw FormatError(
                    path,
                    "\(bytes.count - consumed) bytes of trailing data after the gzip stream at byte \(consumed), expected another gzip member (1f 8b) or the end of the file"
                )
            case Z_BUF_ERROR:
                // No progress possible: either the output is full (grow it) or the input ran out.
                if produced == out.count { continue }
                throw FormatError(path, "gzip data truncated at byte \(bytes.count): expected more compressed data")
            case Z_MEM_ERROR:
                throw FormatError(path, "out of memory while decompressing gzip data at byte \(consumed)")
            default:
                throw FormatError(path, "corrupt gzip data near byte \(consumed): \(zlibMessage(stream))")
            }
        }
    }

    /// The first `count` bytes `bytes` decompresses to, or fewer when the data ends or is corrupt
    /// before that: enough to read a header without inflating the whole file. Like `decompress`,
    /// it goes on into the next gzip member when one ends (a member may even be empty).
    public static func prefix(_ bytes: [UInt8], count: Int) -> [UInt8] {
        guard !bytes.isEmpty, count > 0 else { return [] }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        guard inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
        defer { inflateEnd(stream) }
        var out = [UInt8](repeating: 0, count: min(count, chunk))
        var consumed = 0
        var produced = 0
        while produced < out.count && consumed < bytes.count {
            let inCount = min(bytes.count - consumed, chunk)
            let outCount = out.count - produced
            let status: Int32 = bytes.withUnsafeBufferPointer { input in
                out.withUnsafeMutableBufferPointer { output in
                    stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + consumed)
                    stream.pointee.avail_in = UInt32(inCount)
                    stream.pointee.next_out = output.baseAddress! + produced
                    stream.pointee.avail_out = UInt32(outCount)
                    let status = inflate(stream, Z_SYNC_FLUSH)
                    stream.pointee.next_in = nil
                    stream.pointee.next_out = nil
                    return status
                }
            }
            consumed += inCount - Int(stream.pointee.avail_in)
            produced += outCount - Int(stream.pointee.avail_out)
            guard status == Z_STREAM_END || status == Z_OK else { break }
            if status == Z_STREAM_END {
                guard consumed + 1 < bytes.count, bytes[consumed] == 0x1f, bytes[consumed + 1] == 0x8b,
                    inflateReset(stream) == Z_OK
                else { break }
            } else if stream.pointee.avail_in > 0 && stream.pointee.avail_out > 0 {
                break  // no progress is possible
            }
        }
        out.removeLast(out.count - produced)
        return out
    }

    /// libdeflate's one-call decompression, for the usual file of one member: the trailer's size
    /// field (the output size mod 2^32) sizes the buffer. nil when it does not apply (several members,
    /// a size beyond the limit, damaged data), and the streaming zlib path then decides, and words
    /// any error.
    static func wholeFile(_ bytes: [UInt8], maxOutput: Int) -> [UInt8]? {
        guard bytes.count >= 18, isGzip(bytes) else { return nil }
        let n = bytes.count
        let size = Int(bytes[n - 4]) | Int(bytes[n - 3]) << 8 | Int(bytes[n - 2]) << 16 | Int(bytes[n - 1]) << 24
        guard size <= maxOutput, let d = libdeflate_alloc_decompressor() else { return nil }
        defer { libdeflate_free_decompressor(d) }
        var inUsed = 0
        var outMade = 0
        var status = LIBDEFLATE_BAD_DATA
        let out = [UInt8](unsafeUninitializedCapacity: max(size, 1)) { buffer, count in
            bytes.withUnsafeBufferPointer { input in
                status = libdeflate_gzip_decompress_ex(d, input.baseAddress, input.count, buffer.baseAddress, size, &inUsed, &outMade)
            }
            count = status == LIBDEFLATE_SUCCESS ? outMade : 0
        }
        // One member that fills exactly what its trailer says; anything else goes the zlib way.
        guard status == LIBDEFLATE_SUCCESS, inUsed == n, outMade == size else { return nil }
        return out
    }

    /// gzip-compresses `bytes` as one member (level 0...9, or -1 for zlib's default).
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        let clamped = min(max(level, -1), 9)
        let status = deflateInit2_(
            stream, clamped, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
            zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        // Only fails when memory runs out: the arguments are valid by construction.
        precondition(status == Z_OK, "zlib deflateInit2 failed with status \(status)")
        defer { deflateEnd(stream) }

        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var consumed = 0
        var finished = false
        while !finished {
            let inCount = min(bytes.count - consumed, chunk)
            let flush = consumed + inCount == bytes.count ? Z_FINISH : Z_NO_FLUSH
            var written = 0
            let status: Int32 = bytes.withUnsafeBufferPointer { input in
                buffer.withUnsafeMutableBufferPointer { output in
                    stream.pointee.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: $0 + consumed) }
                    stream.pointee.avail_in = UInt32(inCount)
                    stream.pointee.next_out = output.baseAddress
                    stream.pointee.avail_out = UInt32(output.count)
                    let status = deflate(stream, flush)
                    written = output.count - Int(stream.pointee.avail_out)
                    stream.pointee.next_in = nil
                    stream.pointee.next_out = nil
                    return status
                }
            }
            consumed += inCount - Int(stream.pointee.avail_in)
            out.append(contentsOf: buffer[..<written])
            precondition(
                status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR,
                "zlib deflate failed with status \(status)")
            finished = status == Z_STREAM_END
        }
        return out
    }

    /// A first output size: the gzip trailer's length (mod 2^32) of the last member,
    /// bounded by deflate's best ratio (about 1032:1), so a lying trailer cannot force a huge allocation.
    private static func initialGuess(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        guard n >= 18 else { return 1 << 12 }
        let isize = Int(bytes[n - 4]) | Int(bytes[n - 3]) << 8 | Int(bytes[n - 2]) << 16 | Int(bytes[n - 1]) << 24
        let (bound, overflow) = n.multipliedReportingOverflow(by: 1032)
        return max(min(isize, overflow ? Int.max : bound), 1 << 12)
    }

    private static func bomb(_ path: String, _ limit: Int) -> FormatError {
        FormatError(path, "gzip data decompresses to more than the \(limit)-byte limit (a decompression bomb or a file too large)")
    }

    private static func zlibMessage(_ stream: UnsafeMutablePointer<z_stream>) -> String {
        guard let message = stream.pointee.msg else { return "zlib reports an error" }
        return String(cString: message)
    }
}
