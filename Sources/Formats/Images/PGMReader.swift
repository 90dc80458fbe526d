// Netpbm graymaps: P2 (ASCII) and P5 (binary), maxval 1 to 255, one image per file.
// Pixels are rescaled to 0–255 so that a maxval-15 drawing reads like an MNIST digit.

public enum PGMReader {
    /// True when `bytes` start with a PGM magic number ("P2" or "P5") followed by whitespace.
    public static func recognizes(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 3 && bytes[0] == UInt8(ascii: "P") && (bytes[1] == UInt8(ascii: "2") || bytes[1] == UInt8(ascii: "5"))
            && isSpace(bytes[2])
    }

    /// The image in `bytes` as a stack of one; `path` names the file in errors.
    public static func parse(_ bytes: [UInt8], path: String) throws -> IDXImages {
        guard recognizes(bytes) else { throw FormatError(path, "not a PGM file: expected P2 or P5 at byte 0") }
        let binary = bytes[1] == UInt8(ascii: "5")
        var scanner = Scanner(bytes: bytes, path: path, position: 2)
        let width = try scanner.number("width", max: 1 << 14)
        let height = try scanner.number("height", max: 1 << 14)
        let maxval = try scanner.number("maxval", max: 65535)
        guard width > 0, height > 0 else { throw FormatError(path, "image is \(width)×\(height), expected at least 1×1") }
        guard maxval >= 1, maxval <= 255 else {
            throw FormatError(path, "maxval is \(maxval), expected 1 to 255 (16-bit PGM is not supported)")
        }
        let count = width * height
        var pixels = [UInt8](repeating: 0, count: count)
        if binary {
            // Exactly one whitespace byte separates maxval from the pixel bytes.
            let start = scanner.position + 1
            guard start <= bytes.count, bytes.count - start >= count else {
                throw FormatError(path, "pixel data ends after \(max(bytes.count - start, 0)) of \(count) bytes (\(width)×\(height))")
            }
            guard bytes.count - start == count else {
                throw FormatError(
                    path, "\(bytes.count - start - count) bytes after the \(width)×\(height) image; expected one image per file")
            }
            for i in 0..<count {
                let v = Int(bytes[start + i])
                guard v <= maxval else { throw FormatError(path, "pixel \(i) is \(v), above maxval \(maxval)") }
                pixels[i] = scaled(v, maxval)
            }
        } else {
            for i in 0..<count {
                guard let v = try scanner.optionalNumber("pixel \(i)", max: 65535) else {
                    throw FormatError(path, "pixel data ends after \(i) of \(count) values (\(width)×\(height))")
                }
                guard v <= maxval else { throw FormatError(path, "pixel \(i) is \(v), above maxval \(maxval)") }
                pixels[i] = scaled(v, maxval)
            }
            if try scanner.optionalNumber("trailing value", max: Int.max / 10) != nil {
                throw FormatError(path, "more than \(count) pixel values (\(width)×\(height)); expected one image per file")
            }
        }
        return IDXImages(count: 1, rows: height, cols: width, pixels: pixels)
    }

    /// v of 0…maxval as 0…255, rounded.
    static func scaled(_ v: Int, _ maxval: Int) -> UInt8 { UInt8((v * 255 + maxval / 2) / maxval) }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C }

    /// Reads whitespace-separated decimal header fields, skipping `#` comments.
    struct Scanner {
        let bytes: [UInt8]
        let path: String
        var position: Int

        /// The next number, or nil at the end of the file.
        mutating func optionalNumber(_ what: String, max: Int) throws -> Int? {
            while position < bytes.count {
                if isSpace(bytes[position]) {
                    position += 1
                } else if bytes[position] == UInt8(ascii: "#") {
                    while position < bytes.count, bytes[position] != 0x0A, bytes[position] != 0x0D { position += 1 }
                } else {
                    break
                }
            }
            guard position < bytes.count else { return nil }
            let start = position
            var value = 0
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                value = value * 10 + Int(bytes[position] - UInt8(ascii: "0"))
                guard value <= max else { throw FormatError(path, "\(what) at byte \(start) is larger than \(max)") }
                position += 1
            }
            guard position > start, position == bytes.count || isSpace(bytes[position]) || bytes[position] == UInt8(ascii: "#") else {
                throw FormatError(path, "\(what) at byte \(start) is not a decimal number")
            }
            return value
        }

        mutating func number(_ what: String, max: Int) throws -> Int {
            guard let n = try optionalNumber(what, max: max) else {
                throw FormatError(path, "header ends before the \(what) (expected P2/P5 width height maxval)")
            }
            return n
        }
    }
}
