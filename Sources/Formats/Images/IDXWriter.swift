// Encoding IDX files: for tests and the fuzz seed corpus.

public enum IDXWriter {
    /// The IDX bytes for `data` with the given type code and dimensions.
    /// The data is written as given, unchecked against the dimensions, so malformed files can be built too.
    /// Requires at most 255 dimensions, each in 0...UInt32.max.
    public static func encode(type: UInt8 = 0x08, dims: [Int], data: [UInt8]) -> [UInt8] {
        precondition(dims.count <= 255, "IDX holds at most 255 dimensions, got \(dims.count)")
        var bytes: [UInt8] = [0, 0, type, UInt8(dims.count)]
        bytes.reserveCapacity(4 + 4 * dims.count + data.count)
        for size in dims {
            precondition(size >= 0 && size <= Int(UInt32.max), "IDX dimension \(size) does not fit in 32 bits")
            let value = UInt32(size)
            bytes += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        }
        bytes += data
        return bytes
    }
}
