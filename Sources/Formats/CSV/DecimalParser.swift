// Decimal numbers from bytes to Float, correctly rounded, without making a String.
//
// Grammar: [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?   (no hex, no inf/nan, no spaces)
// The decimal mark may be another byte than '.' (a decimal comma), and the integer part may group its
// digits with a thousands separator: 1 to 3 digits, then groups of exactly 3 after each separator
// (1,234,567 but not 1,2345 or 12,34; 1.2.3 with '.' between thousands is not a number). Separators
// only drop out: the digits, and so the rounding below, are those of the plain number.
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
    /// How numbers are written: the decimal mark and the thousands separator, each a byte or
    /// `none` (0x100, which no byte equals: no thousands separator, or, where the field delimiter
    /// is the mark, no decimal mark outside quotes).
    struct Syntax: Equatable {
        let decimal: UInt16
        let thousands: UInt16
        static let none: UInt16 = 0x100
        static let standard = Syntax(decimal: 0x2E, thousands: none)
    }

    /// Powers of ten for the hot loops, in memory that lives as long as the process so that a loop
    /// can hold plain pointers: `powers[64 + k]` = 10^k as Double for -64 ≤ k ≤ 64 (each correctly
    /// rounded, by strtod), `integers[k]` = 10^k as UInt64 for 0 ≤ k ≤ 18.
    struct Tables {
        let powers: UnsafePointer<Double>
        let integers: UnsafePointer<UInt64>
    }

    static let tables: Tables = {
        let powers = UnsafeMutablePointer<Double>.allocate(capacity: 129)
        for k in -64...64 { powers[64 + k] = Double("1e\(k)")! }
        let integers = UnsafeMutablePointer<UInt64>.allocate(capacity: 19)
        integers[0] = 1
        for k in 1...18 { integers[k] = integers[k - 1] * 10 }
        return Tables(powers: UnsafePointer(powers), integers: UnsafePointer(integers))
    }()

    /// Appends the digits at `p` to `m` (and to the exponent `e`: digits of the integer part that do
    /// not fit in m raise it, digits of the fraction that fit lower it), returning the first byte
    /// after them. Eight bytes at a time while that many are left and m has room for them (the
    /// bytes are tested and converted with a few 64-bit operations), then byte by byte.
    @_transparent
    static func digitRun(
        _ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, _ m: inout UInt64,
        _ e: inout Int, fraction: Bool, _ integers: UnsafePointer<UInt64>
    ) -> UnsafePointer<UInt8> {
        var p = start
        while end - p >= 8 {
            // a: each byte minus '0' (digits become 0...9). A byte is not a digit when a ≥ 10, which
            // sets its top bit in (a + 0x76) | a; a carry out of such a byte only reaches later bytes,
            // so the lowest flagged byte is the first non-digit.
            let a = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self) ^ 0x3030_3030_3030_3030
            let flags = ((a &+ 0x7676_7676_7676_7676) | a) & 0x8080_8080_8080_8080
            let n = flags == 0 ? 8 : flags.trailingZeroBitCount >> 3
            if n == 0 { return p }
            if m >= integers[18 &- n] { break }  // m · 10^n + digits would not stay below 10^18
            // The n digits as a number: move them to the top bytes (zeros in front), then combine
            // pairs, quads and halves (byte 0 is the first digit).
            var v = n == 8 ? a : a << UInt64(64 &- 8 &* n)
            v = (v &* 10) &+ (v >> 8)
            v =
                (((v & 0x0000_00FF_0000_00FF) &* 0x000F_4240_0000_0064)
                    &+ (((v >> 16) & 0x0000_00FF_0000_00FF) &* 0x0000_2710_0000_0001)) >> 32
            m = m &* integers[n] &+ (v & 0xFFFF_FFFF)
            if fraction { e &-= n }
            p += n
            if n < 8 { return p }
        }
        while p < end {
            let d = p.pointee &- 0x30
            if d > 9 { break }
            if m < 100_000_000_000_000_000 {
                m = m &* 10 &+ UInt64(d)
                if fraction { e &-= 1 }
            } else if !fraction {
                e &+= 1
            }
            p += 1
        }
        return p
    }

    /// Parses the number that starts at `start` and stops at the first byte that cannot continue it.
    /// Returns where it stopped and sets `value`, or nil when the bytes do not start a number (the
    /// caller must still check what follows the stop). An out-of-range value comes back as ±infinity.
    /// `tables` is `DecimalParser.tables`, passed in so that hot loops load it once; `syntax` says
    /// which bytes are the decimal mark and the thousands separator. A number whose digit groups
    /// are malformed (1,2345 with ',' between thousands) is not a number: nil.
    @_transparent
    static func parse(
        _ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, _ value: inout Float,
        _ tables: Tables, _ syntax: Syntax = .standard
    ) -> UnsafePointer<UInt8>? {
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
        p = digitRun(p, end, &m, &e, fraction: false, tables.integers)
        var digits = p != digitsStart
        if p < end && UInt16(p.pointee) == syntax.thousands {
            // 1 to 3 digits before the first separator, exactly 3 after each.
            if !digits || p - digitsStart > 3 { return nil }
            repeat {
                let groupStart = p + 1
                p = digitRun(groupStart, end, &m, &e, fraction: false, tables.integers)
                if p - groupStart != 3 { return nil }
            } while p < end && UInt16(p.pointee) == syntax.thousands
        }
        if p < end && UInt16(p.pointee) == syntax.decimal {
            p += 1
            let fractionStart = p
            p = digitRun(p, end, &m, &e, fraction: true, tables.integers)
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
            let d = Double(Int64(bitPattern: m)) * tables.powers[64 &+ e]
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
        value = slow(start, p, syntax)
        return p
    }

    /// The C library's correctly rounded conversion, on a copy of the bytes (written the C way:
    /// without thousands separators, with '.' for the decimal mark).
    @inline(never)
    static func slow(_ start: UnsafePointer<UInt8>, _ stop: UnsafePointer<UInt8>, _ syntax: Syntax) -> Float {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(stop - start)
        var p = start
        while p < stop {
            let b = UInt16(p.pointee)
            if b == syntax.decimal { bytes.append(0x2E) } else if b != syntax.thousands { bytes.append(p.pointee) }
            p += 1
        }
        return Float(String(decoding: bytes, as: UTF8.self)) ?? .nan  // the grammar is a subset of strtof's: nil cannot happen
    }

    /// The Float that all of `bytes` spell (nil if they are not exactly one number in the grammar;
    /// ±infinity when it is out of Float's range).
    static func parse(_ bytes: [UInt8], _ syntax: Syntax = .standard) -> Float? {
        bytes.withUnsafeBufferPointer { buffer -> Float? in
            guard let base = buffer.baseAddress else { return nil }
            var value: Float = 0
            let stop = parse(base, base + buffer.count, &value, tables, syntax)
            return stop == base + buffer.count ? value : nil
        }
    }
}
