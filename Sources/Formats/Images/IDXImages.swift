// Images read from an IDX file, checked to be unsigned bytes in (count, rows, cols).

/// A stack of unsigned-byte images, row-major, image after image.
public struct IDXImages: Equatable, Sendable {
    public let count: Int
    public let rows: Int
    public let cols: Int
    /// count × rows × cols pixel values.
    public let pixels: [UInt8]

    public init(count: Int, rows: Int, cols: Int, pixels: [UInt8]) {
        self.count = count
        self.rows = rows
        self.cols = cols
        self.pixels = pixels
    }
}
