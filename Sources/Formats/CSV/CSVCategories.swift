// The distinct values of one text column in one chunk, as byte strings in first-seen order: an
// open-addressing hash table over an arena of bytes, so a field becomes an Int32 code without a
// String (Strings are made once per category, when the table is finished).

final class CSVCategories {
    /// The bytes of every category, one after another.
    private var arena: UnsafeMutablePointer<UInt8>
    private var arenaCapacity: Int
    private var arenaCount = 0
    /// Per category: where its bytes start in the arena and how many there are.
    private(set) var starts: [Int] = []
    private(set) var lengths: [Int] = []
    /// Per category: the chunk-relative row and physical line where it first appeared.
    private(set) var firstRows: [Int] = []
    private(set) var firstLines: [Int] = []
    /// Slots hold a category code + 1 (0: empty); the table is kept at most half full.
    private var slots: [Int32]
    private var hashes: [UInt64] = []

    var count: Int { starts.count }

    init() {
        arenaCapacity = 1024
        arena = .allocate(capacity: arenaCapacity)
        slots = [Int32](repeating: 0, count: 64)
    }

    deinit { arena.deallocate() }

    /// FNV-1a over the bytes.
    @inline(__always)
    private static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<n { h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3 }
        return h
    }

    /// The code of the category with these bytes, adding it if it is new.
    func code(_ p: UnsafePointer<UInt8>, _ n: Int, row: Int, line: Int) -> Int32 {
        let h = CSVCategories.hash(p, n)
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let slot = Int(slots[i])
            if slot == 0 { break }
            let code = slot - 1
            if hashes[code] == h && lengths[code] == n && memoryEqual(arena + starts[code], p, n) {
                return Int32(code)
            }
            i = (i + 1) & mask
        }
        let code = starts.count
        if arenaCount + n > arenaCapacity {
            let grown = max(arenaCapacity * 2, arenaCount + n)
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
            bigger.update(from: arena, count: arenaCount)
            arena.deallocate()
            arena = bigger
            arenaCapacity = grown
        }
        (arena + arenaCount).update(from: p, count: n)
        starts.append(arenaCount)
        lengths.append(n)
        hashes.append(h)
        firstRows.append(row)
        firstLines.append(line)
        arenaCount += n
        slots[i] = Int32(code + 1)
        if starts.count * 2 > slots.count { rehash() }
        return Int32(code)
    }

    /// The bytes of category `code`.
    func bytes(_ code: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: arena + starts[code], count: lengths[code])
    }

    /// The category as a String (its bytes were checked to be UTF-8 when read).
    func string(_ code: Int) -> String {
        String(decoding: bytes(code), as: UTF8.self)
    }

    private func rehash() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for code in 0..<starts.count {
            var i = Int(truncatingIfNeeded: hashes[code]) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = Int32(code + 1)
        }
    }

    @inline(__always)
    private func memoryEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        for i in 0..<n where a[i] != b[i] { return false }
        return true
    }
}
