// What training shows on stderr. On a terminal: a bar per epoch that redraws in place (steps
// done/total, elapsed, the time left in the epoch and in the run, running loss and accuracy,
// samples/s), fitted to the terminal's width (ProgressLine.swift, TerminalWidth.swift). Elsewhere
// (pipes, CI logs), or with --quiet or NO_COLOR: no carriage returns or escape codes, one plain
// line per epoch. With --silent: nothing but warnings.

import Formats

final class ProgressDisplay {
    /// Whether the bar redraws in place.
    let live: Bool
    private var lastDraw = 0.0
    private var drawn = false
    /// The terminal's width, read again after a SIGWINCH.
    private var width = 80

    init(quiet: Bool) {
        live =
            !quiet && Console.stderrIsTerminal && Console.env("NO_COLOR") == nil
            && Console.env("TERM") != "dumb"
        if live {
            TerminalWidth.watchResizes()
            width = TerminalWidth.read()
        }
    }

    /// Redraws the bar, at most ten times a second (and at the epoch's last step).
    func step(_ figures: @autoclosure () -> ProgressFigures, done: Int, total: Int) {
        guard live else { return }
        let t = now()
        guard t - lastDraw >= 0.1 || done == total else { return }
        lastDraw = t
        if TerminalWidth.takeResize() { width = TerminalWidth.read() }
        Console.errRaw("\r\u{1B}[2K" + ProgressLine.render(figures(), width: width))
        drawn = true
    }

    /// Replaces the bar (if any) with a finished line (not shown with --silent).
    func line(_ s: String) {
        clear()
        Console.info(s)
    }

    /// Replaces the bar (if any) with a line shown even with --silent.
    func warning(_ s: String) {
        clear()
        Console.err(s)
    }

    private func clear() {
        if live && drawn { Console.errRaw("\r\u{1B}[2K") }
        drawn = false
    }
}
