// The progress bar's line, fitted to the terminal's width. Its fields by how much they matter:
// the epoch, the steps done, the time left in the run, the running loss and accuracy, the bar,
// the time left in the epoch, the epoch's elapsed time, and samples per second. The most useful
// are placed first while they fit, then the bar widens into what is left (10 to 24 cells); the
// line never takes the terminal's last column, so no terminal wraps it and each redraw stays on
// its line.

/// The figures of one redraw.
import Formats

struct ProgressFigures: Equatable {
    var epoch: Int, epochs: Int
    /// Steps done in the epoch, and the epoch's steps.
    var done: Int, total: Int
    /// The epoch's training time so far, in seconds.
    var elapsed: Double
    /// Seconds left in the epoch and in the run (nil: not known yet).
    var epochLeft: Double?, runLeft: Double?
    var loss: Double
    var accuracy: Double?
    var samplesPerSecond: Double
}

enum ProgressLine {
    /// The bar's width in cells: at least the first (else it is left out), at most the second.
    static let barCells = (least: 10, most: 24)

    /// A field of the line, in the order shown; `rank` 0 is kept longest.
    struct Field {
        var text: String
        var rank: Int
        var isBar = false
    }

    /// The fields of a redraw, in the order shown (the bar at its least width).
    static func fields(_ f: ProgressFigures) -> [Field] {
        var out = [
            Field(text: "epoch \(f.epoch)/\(f.epochs)", rank: 0),
            Field(text: String(repeating: " ", count: barCells.least), rank: 5, isBar: true),
            Field(text: "\(f.done)/\(f.total)", rank: 1),
            Field(text: duration(f.elapsed), rank: 7),
        ]
        // In the last epoch the time left in it is the run's (but for the last evaluation).
        if let e = f.epochLeft, f.epoch < f.epochs { out.append(Field(text: "epoch ETA \(duration(e))", rank: 6)) }
        if let r = f.runLeft { out.append(Field(text: "run ETA \(duration(r))", rank: 2)) }
        out.append(Field(text: "loss \(fixed(f.loss, 4))", rank: 3))
        if let a = f.accuracy { out.append(Field(text: "acc \(fixed(a, 4))", rank: 4)) }
        out.append(Field(text: "\(Int(f.samplesPerSecond.rounded())) samples/s", rank: 8))
        return out
    }

    /// The line for a terminal `width` columns wide: at most width − 1 characters (one at least).
    static func render(_ f: ProgressFigures, width: Int) -> String {
        let limit = max(width - 1, 1)
        let all = fields(f)
        var kept = [Bool](repeating: false, count: all.count)
        for i in all.indices.sorted(by: { all[$0].rank < all[$1].rank }) {
            kept[i] = true
            // The epoch stays, cut below if the terminal is narrower still.
            if length(all, kept) > limit && all[i].rank > 0 { kept[i] = false }
        }
        // The bar (when kept) widens into the room the fields leave.
        let barWidth = min(barCells.most, barCells.least + limit - length(all, kept))
        var line = ""
        var previousIsBar = false
        for (i, field) in all.enumerated() where kept[i] {
            if !line.isEmpty { line += previousIsBar || field.isBar ? " " : "  " }
            line += field.isBar ? bar(done: f.done, total: f.total, cells: barWidth) : field.text
            previousIsBar = field.isBar
        }
        // Only a terminal narrower than the epoch field itself gets a cut line.
        return line.count > limit ? String(line.prefix(limit)) : line
    }

    /// The length of the kept fields with their separators (one space beside the bar, two elsewhere).
    static func length(_ fields: [Field], _ kept: [Bool]) -> Int {
        var n = 0
        var previous: Field?
        for (i, f) in fields.enumerated() where kept[i] {
            if let p = previous { n += p.isBar || f.isBar ? 1 : 2 }
            n += f.text.count
            previous = f
        }
        return n
    }

    /// `cells` cells, the done share of them filled.
    static func bar(done: Int, total: Int, cells: Int) -> String {
        let filled = total > 0 ? min(cells, cells * done / total) : cells
        return String(repeating: "█", count: filled) + String(repeating: "·", count: cells - filled)
    }
}
