// "Did you mean ...?": the names a mistyped one most likely stands for, for the errors about
// unknown commands, flags and CSV columns. In order of evidence: the same name but for case
// (`Species` for `species`); names it is the start of (`min-acc` for `min-accuracy`); names within
// two edits of it (`--image` for `--images`).

public enum NearestName {
    /// The candidates `name` most likely means, best first: every name equal to it ignoring case;
    /// else the names it is a prefix of (ignoring case), when there are at most three; else, with
    /// `typos`, the nearest name within two edits (ignoring case), when it is closer than the name
    /// is long.
    public static func candidates(for name: String, in names: [String], typos: Bool = true) -> [String] {
        guard !name.isEmpty else { return [] }
        let lower = name.lowercased()
        let sameButCase = names.filter { $0 != name && $0.lowercased() == lower }
        if !sameButCase.isEmpty { return sameButCase }
        let extending = names.filter { $0.count > name.count && $0.lowercased().hasPrefix(lower) }
        if !extending.isEmpty { return extending.count <= 3 ? extending : [] }
        guard typos else { return [] }
        var best: (name: String, distance: Int)?
        for candidate in names where candidate != name {
            let d = editDistance(lower, candidate.lowercased())
            if d <= 2, d < name.count, best == nil || d < best!.distance { best = (candidate, d) }
        }
        return best.map { [$0.name] } ?? []
    }

    /// "; did you mean X?" or "; did you mean X or Y?" with each candidate shown by `show`, or ""
    /// when nothing is close.
    public static func hint(for name: String, in names: [String], typos: Bool = true, show: (String) -> String) -> String {
        let c = candidates(for: name, in: names, typos: typos)
        guard !c.isEmpty else { return "" }
        let shown = c.map(show)
        let list = shown.count == 1 ? shown[0] : shown.dropLast().joined(separator: ", ") + " or " + shown.last!
        return "; did you mean \(list)?"
    }

    /// Levenshtein distance (insertions, deletions and substitutions of one character).
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
