// The decoded contents of an IDX file: element type, dimension sizes, and the raw big-endian data.

public struct IDXArray: Equatable, Sendable {
    /// The IDX type code (0x08 ubyte, 0x09 sbyte, 0x0B short, 0x0C int, 0x0D float, 0x0E double).
    public let type: UInt8
    /// The dimension sizes, outermost first.
    public let dims: [Int]
    /// The element bytes exactly as stored (big-endian for multi-byte types).
    public let data: [UInt8]

    public init(type: UInt8, dims: [Int], data: [UInt8]) {
        self.type = type
        self.dims = dims
        self.data = data
    }
}
