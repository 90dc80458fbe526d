// What training shows on stderr. On a terminal: a bar per epoch that redraws in place (steps
// done/total, elapsed, ETA, running loss and accuracy, samples/s). Elsewhere (pipes, CI logs), or
// with --quiet or NO_COLOR: no carriage returns or escape codes, one plain line per epoch.

final class ProgressDisplay {
    /// Whether the bar redraws in place.
    let live: Bool
    private var lastDraw = 0.0
    private var drawn = false

    init(quiet: Bool) {
        live = !quiet && Console.stderrIsTerminal && Console.env("NO_COLOR") == nil
            && Console.env("TERM") != "dumb"
    }

    /// Redraws the bar, at most ten times a second.
    func step(epoch: Int, epochs: Int, done: Int, total: Int, elapsed: Double, loss: Double, accuracy: Double?, samples: Int) {
        guard live else { return }
        let t = now()
        guard t - lastDraw >= 0.1 || done == total else { return }
        lastDraw = t
        let width = 24
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let rate = elapsed > 0 ? Int((Double(samples) / elapsed).rounded()) : 0
        Console.errRaw("\r\u{1B}[2Kepoch \(epoch)/\(epochs) \(bar) \(done)/\(total)  \(duration(elapsed)) ETA \(duration(eta))  loss \(fixed(loss, 4))\(accuracy.map { "  acc \(fixed($0, 4))" } ?? "")  \(rate) samples/s")
        drawn = true
    }

    /// Replaces the bar (if any) with a finished line.
    func line(_ s: String) {
        if live && drawn { Console.errRaw("\r\u{1B}[2K") }
        drawn = false
        Console.err(s)
    }
}
