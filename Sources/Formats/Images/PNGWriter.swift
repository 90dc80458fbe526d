// 8-bit gray PNG images through libpng's simplified API (png_image_write_to_memory), which reports
// errors in png_image.message instead of longjmp, as PNGReader's reading does.
import CPNG

public enum PNGWriter {
    /// The PNG file of a `width` × `height` gray image, row after row, one byte per pixel; `path`
    /// names the file in errors.
    public static func gray(_ pixels: [UInt8], width: Int, height: Int, path: String) throws -> [UInt8] {
        precondition(pixels.count == width * height, "the image has width × height pixels")
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw FormatError(path, "an image of \(width)×\(height) pixels cannot be written")
        }
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = png_uint_32(PNG_FORMAT_GRAY)
        // The first call measures, the second writes.
        var size: png_alloc_size_t = 0
        let measured = pixels.withUnsafeBytes {
            png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, png_int_32(width), nil)
        }
        guard measured != 0, size > 0 else {
            defer { png_image_free(&image) }
            throw FormatError(path, "libpng could not encode the image: \(PNGReader.message(image))")
        }
        var out = [UInt8](repeating: 0, count: Int(size))
        let written = out.withUnsafeMutableBytes { o in
            pixels.withUnsafeBytes { png_image_write_to_memory(&image, o.baseAddress, &size, 0, $0.baseAddress, png_int_32(width), nil) }
        }
        defer { png_image_free(&image) }
        guard written != 0 else { throw FormatError(path, "libpng could not encode the image: \(PNGReader.message(image))") }
        return Array(out.prefix(Int(size)))
    }
}
