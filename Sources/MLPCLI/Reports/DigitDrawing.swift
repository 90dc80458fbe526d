// An image drawn in the terminal with shade characters, for `mlp predict --show`: each character
// covers one column and two rows (terminal cells are about twice as tall as wide), so a 28×28
// digit is a 28×14 picture, framed.

import Formats

enum DigitDrawing {
    static let shades: [Character] = [" ", "░", "▒", "▓", "█"]

    /// Framed lines for one image of `rows`×`cols` bytes (0 = background, 255 = ink).
    static func lines(_ pixels: ArraySlice<UInt8>, rows: Int, cols: Int) -> [String] {
        let base = pixels.startIndex
        var out = ["┌" + String(repeating: "─", count: cols) + "┐"]
        var r = 0
        while r < rows {
            var line = "│"
            for c in 0..<cols {
                let upper = Int(pixels[base + r * cols + c])
                let lower = r + 1 < rows ? Int(pixels[base + (r + 1) * cols + c]) : upper
                let level = (upper + lower) * shades.count / 511  // 0…4
                line.append(shades[min(level, shades.count - 1)])
            }
            out.append(line + "│")
            r += 2
        }
        out.append("└" + String(repeating: "─", count: cols) + "┘")
        return out
    }

    /// The picture with `notes` beside it, line by line, two spaces apart.
    static func beside(_ picture: [String], _ notes: [String]) -> String {
        let width = picture.first?.count ?? 0
        var out: [String] = []
        for i in 0..<max(picture.count, notes.count) {
            let left = i < picture.count ? picture[i] : String(repeating: " ", count: width)
            out.append(i < notes.count ? left + "  " + notes[i] : left)
        }
        return out.joined(separator: "\n")
    }
}
