// What `mlp cv` and `mlp search` show on stderr while their sessions run. On a terminal: a line
// per finished fold or trial rung, and under them one status line redrawn in place (done, running,
// the best so far, elapsed and estimated time left), fitted to the terminal's width. Elsewhere (a
// pipe, a CI log) or with --quiet: the finished lines alone, plain. With --silent: nothing.
import Experiments
import Formats
import Training

final class ExperimentProgress {
    let live: Bool
    private let unit: String
    private let total: Int
    private let start = now()
    private var running: Set<Int> = []
    private(set) var done = 0
    /// The best value of the objective so far, and what reached it.
    private(set) var best: (value: Double, label: String)?
    private let objective: String?
    private let higherIsBetter: Bool
    /// Work done and to do, in the caller's units (epochs), for the time left; nil: by count.
    var work: () -> (done: Double, total: Double)? = { nil }
    private var drawn = false
    private var width = 80

    /// `total` units (folds, trials) of which `unit` names one; `objective` the figure "best" watches.
    init(total: Int, unit: String, quiet: Bool, objective: String?) {
        self.total = total
        self.unit = unit
        self.objective = objective
        higherIsBetter = objective.map(EvaluationFigures.higherIsBetter) ?? true
        live = !quiet && !Console.silent && Console.stderrIsTerminal && Console.env("NO_COLOR") == nil && Console.env("TERM") != "dumb"
        if live {
            TerminalWidth.watchResizes()
            width = TerminalWidth.read()
        }
    }

    func started(_ id: Int) {
        running.insert(id)
        redraw()
    }

    /// A unit's job ended: its line (`label`, the figure `value`), and the best so far.
    func finished(
        _ id: Int, outcome: JobOutcome, label: String, value: (name: String, value: Double)?, countsAsDone: Bool = true,
        bestLabel: String? = nil
    ) {
        running.remove(id)
        if countsAsDone && outcome.status != .cutOff { done += 1 }
        var line = "mlp: \(label): "
        switch outcome.status {
        case .finished:
            if let value {
                line += "\(value.name) \(ExperimentSetup.figure(value.value))"
                let better = best.map { higherIsBetter ? value.value > $0.value : value.value < $0.value } ?? true
                if value.name == (objective ?? value.name), better, value.value.isFinite { best = (value.value, bestLabel ?? label) }
            } else {
                line += "done"
            }
            line += " after \(outcome.epochs) epoch\(outcome.epochs == 1 ? "" : "s")\(outcome.stoppedEarly ? " (stopped early)" : "")"
        case .diverged: line += "diverged"
        case .cutOff: line += "cut off after \(outcome.epochs) epochs (runs again when the command is run again)"
        case .failed: line += "failed: \(outcome.message ?? "")"
        }
        line += " in \(duration(outcome.seconds))" + (outcome.rank > 0 ? " on rank \(outcome.rank)" : "")
        clear()
        Console.info(line)
        redraw(force: true)
    }

    /// The status line, redrawn at most ten times a second.
    private var lastDraw = 0.0
    func redraw(force: Bool = false) {
        guard live else { return }
        let t = now()
        guard force || t - lastDraw >= 0.1 else { return }
        lastDraw = t
        if TerminalWidth.takeResize() { width = TerminalWidth.read() }
        var parts = ["\(done)/\(total) \(unit)s done", "\(running.count) running"]
        if let best, let objective { parts.append("best \(objective) \(ExperimentSetup.figure(best.value)) (\(best.label))") }
        let elapsed = t - start
        parts.append("\(duration(elapsed)) elapsed")
        if let left = timeLeft(elapsed) { parts.append("~\(duration(left)) left") }
        // Too wide: the least useful parts go first (running, then the best's trial), never the times.
        var text = parts.joined(separator: " · ")
        for drop in [1, 1] where text.count > width - 1 && parts.count > 3 {
            parts.remove(at: drop)
            text = parts.joined(separator: " · ")
        }
        if text.count > width - 1 { text = String(text.prefix(max(width - 2, 10))) + "…" }
        Console.errRaw("\r\u{1B}[2K" + text)
        drawn = true
    }

    /// The time left, from the work done so far at the pace so far.
    func timeLeft(_ elapsed: Double) -> Double? {
        let (d, t) = work() ?? (Double(done), Double(total))
        guard d > 0, t >= d else { return nil }
        return elapsed * (t - d) / d
    }

    /// Clears the status line for good.
    func end() { clear() }

    private func clear() {
        if live && drawn { Console.errRaw("\r\u{1B}[2K") }
        drawn = false
    }
}
