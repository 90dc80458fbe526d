// Decimal numbers from bytes to Float, correctly rounded, without making a String.
//
// Grammar: [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?   (no hex, no inf/nan, no spaces)
//
// Math: the number is m · 10^e with m its first 18 significant digits (m < 10^18 < 2^63; later digits
// move the value by less than 10^-17 relatively). d = Double(m) × Double(10^e) is within 3 units in
// the last place (ulp) of the exact value x: three roundings of at most 2^-53 relatively each (m to
// Double, 10^e to Double, the product), 3 · 2^-53 · |d| ≤ 3 ulp(d), plus under 0.05 ulp for the
// dropped digits. Float(d) is the correctly rounded Float of x unless a Float rounding boundary (a midpoint between two Floats) lies between x and d;
// in d's bits a midpoint is where the 29 bits below Float's 24-bit significand read 1000…0, so when d
// is more than 8 ulps away from that pattern the answer is exact. Otherwise (a 17-in-2^29 chance for
// arbitrary digits, but every input that is itself close to a midpoint lands here), and when the value
// is outside Float's normal range, the slow path asks the C library (Float(String) is strtof_l in the
// C locale) on a copy of the bytes.

enum DecimalParser {
    /// Powers of ten 10^-64 ... 10^64 as Double (index 64 + k holds 10^k), each correctly rounded
    /// (by strtod), in memory that lives as long as the process so hot loops can hold a plain pointer.
    static let powerTable: UnsafePointer<Double> = {
        let table = UnsafeMutablePointer<Double>.allocate(capacity: 129)
        for k in -64...64 { table[64 + k] = Double("1e\(k)")! }
        return UnsafePointer(table)
    }()

    /// Parses the number that starts at `start` and stops at the first byte that cannot continue it.
    /// Returns where it stopped and sets `value`, or nil when the bytes do not start a number (the
    /// caller must still check what follows the stop). An out-of-range value comes back as ±infinity.
    /// `powers` is `powerTable`, passed in so that hot loops load it once.
    @_transparent
    static func parse(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, _ value: inout Float,
                      _ powers: UnsafePointer<Double>) -> UnsafePointer<UInt8>? {
        var p = start
        var negative = false
        if p < end && (p.pointee == 0x2D || p.pointee == 0x2B) {  // - +
            negative = p.pointee == 0x2D
            p += 1
        }
        // m holds at most 18 significant digits (< 10^18 < 2^63); later ones only scale (integer part)
        // or are dropped (fraction): a relative change below 10^-17, inside the error bound above.
        var m: UInt64 = 0
        var e = 0
        let digitsStart = p
        while p < end {
            let d = p.pointee &- 0x30
            if d > 9 { break }
            if m < 100_000_000_000_000_000 { m = m &* 10 &+ UInt64(d) } else { e &+= 1 }
            p += 1
        }
        var digits = p != digitsStart
        if p < end && p.pointee == 0x2E {  // .
            p += 1
            let fractionStart = p
            while p < end {
                let d = p.pointee &- 0x30
                if d > 9 { break }
                if m < 100_000_000_000_000_000 { m = m &* 10 &+ UInt64(d); e &-= 1 }
                p += 1
            }
            digits = digits || p != fractionStart
        }
        if !digits { return nil }
        if p < end && (p.pointee | 0x20) == 0x65 {  // e E
            p += 1
            var negativeExponent = false
            if p < end && (p.pointee == 0x2D || p.pointee == 0x2B) {
                negativeExponent = p.pointee == 0x2D
                p += 1
            }
            let exponentStart = p
            var exponent = 0
            while p < end {
                let d = p.pointee &- 0x30
                if d > 9 { break }
                if exponent < 100_000 { exponent = exponent &* 10 &+ Int(d) }  // far past any Float
                p += 1
            }
            if p == exponentStart { return nil }
            e &+= negativeExponent ? -exponent : exponent
        }

        if m == 0 {
            value = negative ? -0.0 : 0.0
            return p
        }
        if e >= -64 && e <= 64 {
            // powers[64 + e] = 10^e: one multiplication (a division would be exact for |e| ≤ 22 but
            // several times slower, and the bound does not need it).
            let d = Double(Int64(bitPattern: m)) * powers[64 &+ e]
            // Float's normal range, with room for the error bound (the limits are only approached).
            if d >= 1.2e-38 && d <= 3.4e38 {
                let low = Int(truncatingIfNeeded: d.bitPattern & 0x1FFF_FFFF) &- 0x1000_0000
                if low > 8 || low < -8 {
                    let f = Float(d)
                    value = negative ? -f : f
                    return p
                }
            }
        }
        value = slow(start, p)
        return p
    }

    /// The C library's correctly rounded conversion, on a copy of the bytes.
    @inline(never)
    static func slow(_ start: UnsafePointer<UInt8>, _ stop: UnsafePointer<UInt8>) -> Float {
        let text = String(decoding: UnsafeBufferPointer(start: start, count: stop - start), as: UTF8.self)
        return Float(text) ?? .nan  // the grammar above is a subset of strtof's: nil cannot happen
    }

    /// The Float that all of `bytes` spell (nil if they are not exactly one number in the grammar;
    /// ±infinity when it is out of Float's range).
    static func parse(_ bytes: [UInt8]) -> Float? {
        bytes.withUnsafeBufferPointer { buffer -> Float? in
            guard let base = buffer.baseAddress else { return nil }
            var value: Float = 0
            let stop = parse(base, base + buffer.count, &value, powerTable)
            return stop == base + buffer.count ? value : nil
        }
    }
}
