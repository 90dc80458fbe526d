// Numbers as text for logs, tables and terminals: a fixed number of decimals, or four significant
// digits, without Foundation.

/// x with exactly `digits` decimals ("0.9781", "12.30").
public func fixed(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return x.isNaN ? "nan" : (x < 0 ? "-inf" : "inf") }
    var p = 1.0
    for _ in 0..<digits { p *= 10 }
    let scaled = (abs(x) * p).rounded()
    guard scaled < 9e18 else { return x.description }
    let n = UInt64(scaled)
    let intPart = n / UInt64(p)
    let frac = n % UInt64(p)
    var f = String(frac)
    while f.count < digits { f = "0" + f }
    let sign = x < 0 && n != 0 ? "-" : ""
    return digits == 0 ? "\(sign)\(intPart)" : "\(sign)\(intPart).\(f)"
}

public func fixed(_ x: Float, _ digits: Int) -> String { fixed(Double(x), digits) }

/// x with four significant digits, for figures in a target's own units ("552.1", "0.02341", "18230").
public func significant(_ x: Double) -> String {
    guard x.isFinite, x != 0 else { return fixed(x, 4) }
    var digits = 3
    var m = abs(x)
    while m >= 10 && digits > 0 {
        m /= 10
        digits -= 1
    }
    while m < 1 && digits < 12 {
        m *= 10
        digits += 1
    }
    return fixed(x, digits)
}
