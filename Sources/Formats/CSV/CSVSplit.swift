// Where to split a CSV file's data between threads: at row starts, which are the bytes after a line
// feed that is not inside quotes.
//
// First guess (free): the first line feed after each 1/n mark, assuming it is not inside quotes. The
// reader checks the guess: every chunk but the last must end with its last row complete (a chunk that
// ends inside a quoted field reports an unterminated quote). Chunk 0 starts at the true start, so if it
// ends cleanly the byte after is a true row start, and so on by induction. When a guess was wrong the
// reader splits again exactly: counting quotes from the start (with memchr, fast when there are few)
// gives each position's quote parity, and a line feed after an even number of quotes is a row end in
// any file where quotes appear only around fields (any file that parses; one with a stray quote fails
// in the chunk before the split, with the error a single thread would report).

import Glibc

enum CSVSplit {
    /// Offsets [start, b1, ..., end] cutting [start, end) into at most `parts` chunks.
    static func guess(_ base: UnsafePointer<UInt8>, start: Int, end: Int, parts: Int) -> [Int] {
        var cuts = [start]
        for i in 1..<max(parts, 1) {
            let target = max(start + (end - start) / parts * i, cuts.last!)
            guard let lf = find(0x0A, base, from: target, to: end) else { break }
            if lf + 1 < end && lf + 1 > cuts.last! { cuts.append(lf + 1) }
        }
        cuts.append(end)
        return cuts
    }

    /// Like `guess`, but each cut follows a line feed preceded by an even number of quotes.
    static func exact(_ base: UnsafePointer<UInt8>, start: Int, end: Int, parts: Int) -> [Int] {
        var cuts = [start]
        var inside = false
        var p = start
        for i in 1..<max(parts, 1) {
            let target = start + (end - start) / parts * i
            if target > p {
                while let q = find(0x22, base, from: p, to: target) {
                    inside.toggle()
                    p = q + 1
                }
                p = target
            }
            while p < end {
                let b = base[p]
                p += 1
                if b == 0x22 { inside.toggle() } else if b == 0x0A && !inside { break }
            }
            if p < end && p > cuts.last! { cuts.append(p) }
        }
        cuts.append(end)
        return cuts
    }

    /// The rows a chunk of `bytes` bytes probably holds, from the line length of the first 64 KB of
    /// data, with a little room; storage grows when it is not enough.
    static func estimateRows(_ base: UnsafePointer<UInt8>, start: Int, end: Int, bytes: Int) -> Int {
        let sample = min(end - start, 1 << 16)
        var lines = 0
        var p = start
        while let lf = find(0x0A, base, from: p, to: start + sample) {
            lines += 1
            p = lf + 1
        }
        if lines == 0 { return 64 }
        return Int(Double(bytes) * Double(lines) / Double(sample) * 1.05) + 64
    }

    /// The offset of the first `byte` in [from, to), by memchr.
    @inline(__always)
    static func find(_ byte: UInt8, _ base: UnsafePointer<UInt8>, from: Int, to: Int) -> Int? {
        guard from < to, let hit = memchr(base + from, Int32(byte), to - from) else { return nil }
        return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
    }
}
