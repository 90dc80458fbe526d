// PNG images through libpng's simplified API, converted to 8-bit gray by libpng itself (RGB by its
// luminance; transparent pixels are composited onto black, the MNIST background). The simplified
// API reports errors in png_image.message instead of longjmp, which Swift cannot survive.
import CPNG

public enum PNGReader {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    /// Larger images are refused before any pixel memory is allocated.
    public static let maxPixels = 1 << 24

    /// True when `bytes` start with the PNG signature's first four bytes (89 50 4E 47).
    public static func recognizes(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && Array(bytes[0..<4]) == Array(signature[0..<4])
    }

    /// The image in `bytes` as a stack of one, in gray; `path` names the file in errors.
    public static func parse(_ bytes: [UInt8], path: String) throws -> IDXImages {
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else {
            throw FormatError(path, "not a PNG file: the 8-byte signature is wrong or cut short")
        }
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        let began = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard began != 0 else { throw FormatError(path, "malformed PNG: \(message(image))") }
        let width = Int(image.width)
        let height = Int(image.height)
        guard width > 0, height > 0, width * height <= maxPixels else {
            png_image_free(&image)
            throw FormatError(path, "image is \(width)×\(height), more than the \(maxPixels)-pixel limit")
        }
        image.format = png_uint_32(PNG_FORMAT_GRAY)
        var pixels = [UInt8](repeating: 0, count: width * height)
        let finished = pixels.withUnsafeMutableBytes {
            png_image_finish_read(&image, nil, $0.baseAddress, png_int_32(width), nil)
        }
        defer { png_image_free(&image) }
        guard finished != 0 else { throw FormatError(path, "malformed PNG: \(message(image))") }
        return IDXImages(count: 1, rows: height, cols: width, pixels: pixels)
    }

    /// libpng's message, kept to one line.
    static func message(_ image: png_image) -> String {
        var m = image.message
        let text = withUnsafeBytes(of: &m) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        let line = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")
        return line.isEmpty ? "libpng could not decode it" : line
    }
}
