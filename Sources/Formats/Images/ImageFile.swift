// Reading images in whichever format a file holds, told apart by magic bytes, not the name:
// "P2"/"P5" is PGM, 89 50 4E 47 is PNG, 1F 8B is gzip (IDX inside), 00 00 is IDX.

public enum ImageFile {
    public static func read(path: String) throws -> IDXImages {
        try read(bytes: FileBytes.read(path), path: path)
    }

    /// The same for bytes already read (standard input); `path` is how messages name them.
    public static func read(bytes: [UInt8], path: String) throws -> IDXImages {
        if PGMReader.recognizes(bytes) { return try PGMReader.parse(bytes, path: path) }
        if PNGReader.recognizes(bytes) { return try PNGReader.parse(bytes, path: path) }
        if bytes.count >= 2, !Gzip.isGzip(bytes), bytes[0] != 0 || bytes[1] != 0 {
            let shown = bytes.prefix(4).map(IDXType.hexDigits).joined(separator: " ")
            throw FormatError(path, "starts with \(shown): not an IDX (00 00), gzip, PGM (P2/P5) or PNG (89 50 4E 47) image file")
        }
        return try IDXReader.images(IDXReader.parse(bytes, path: path), path: path)
    }
}
