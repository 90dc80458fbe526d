// One-line notes about a training table that is probably not read the way its writer meant: text
// columns that are numbers written with a decimal comma or a thousands separator (or numbers with
// pandas' missing-value markers), a target of whole numbers just past the rule that makes a
// classification, and a header that came out as one column because of the delimiter.
import Formats

enum TableNotes {
    /// Warnings about the text columns of `table` (those not forced by --categorical, in
    /// `forcedText`) whose values would all be numbers with other reading flags: one line per set of
    /// flags, naming the columns and the flags.
    static func numberFormats(_ table: CSVTable, options: CSVOptions, forcedText: Set<String>) -> [String] {
        let missingFlag = "--missing mean|median|most-frequent"
        var groups: [(flags: String, what: String, columns: [Int], categories: [Int], examples: [String])] = []
        for (c, column) in table.columns.enumerated() where !forcedText.contains(table.header[c]) {
            guard let (_, categories) = column.textValues, !categories.isEmpty else { continue }
            // pandas' markers that this reading does not take as missing, and the other values.
            let markers = options.missingMarkers == .basic ? categories.filter { CSVMissingMarkers.pandasOnly.contains($0) } : []
            let values = markers.isEmpty ? categories : categories.filter { !markers.contains($0) }
            guard !values.isEmpty else { continue }
            var flags: [String] = [], what: String
            if !markers.isEmpty && values.allSatisfy({ options.numbers.parse($0)?.isFinite == true }) {
                what = "numbers and \(markers.prefix(3).map(CSVText.quote).joined(separator: ", "))"
            } else if let other = options.numbers.suggestion(for: values, delimiter: options.delimiter) {
                flags.append(other.flags)
                what = "numbers written with \(other.description)"
                if !markers.isEmpty { what += " and \(markers.prefix(3).map(CSVText.quote).joined(separator: ", "))" }
            } else {
                continue
            }
            if !markers.isEmpty { flags.append(missingFlag) }
            let key = flags.joined(separator: " ")
            // Examples: values that need the flags (with a mark or separator in them), first seen first.
            let examples = values.filter { options.numbers.parse($0) == nil }.prefix(2).map(CSVText.quote)
            if let g = groups.firstIndex(where: { $0.flags == key }) {
                groups[g].columns.append(c)
                groups[g].categories.append(categories.count)
            } else {
                groups.append((key, what, [c], [categories.count], Array(examples)))
            }
        }
        return groups.map { g in
            let one = g.columns.count == 1
            let names = g.columns.prefix(5).map { "\(CSVText.quote(table.header[$0])) (\($0 + 1))" }.joined(separator: ", ") + (g.columns.count > 5 ? ", …" : "")
            let counts = g.categories.prefix(5).map(String.init).joined(separator: ", ")
            let examples = g.examples.isEmpty ? "" : " (\(g.examples.joined(separator: ", ")))"
            return "mlp: warning: \(table.path): \(one ? "column" : "columns") \(names) \(one ? "holds" : "hold") \(g.what)\(examples) but \(one ? "is" : "are") read as text (\(counts) categor\(one && g.categories[0] == 1 ? "y" : "ies")); \(g.flags) \(one ? "reads it" : "reads them") as numbers"
        }
    }

    /// A note when a target column of whole numbers was inferred to be a regression only because
    /// it holds more than 20 distinct values, all small and non-negative (0–25 for 26 classes): the
    /// edge of Task.rule, where either task may be meant.
    static func taskEdge(_ table: CSVTable, target c: Int, inferred: Task) -> String? {
        guard inferred == .regression, case .numeric(let values, _) = table.columns[c] else { return nil }
        var distinct = Set<Float>()
        var low = Float.infinity, high = -Float.infinity
        for v in values where !v.isNaN {
            guard v == v.rounded(), v >= 0, v <= 1000 else { return nil }
            distinct.insert(v)
            if distinct.count > 100 { return nil }
            low = min(low, v); high = max(high, v)
        }
        guard distinct.count > 20 else { return nil }
        return "mlp: note: target \(CSVText.quote(table.header[c])) holds \(distinct.count) distinct whole numbers (\(TargetEncoder.labelText(low)) to \(TargetEncoder.labelText(high))), more than the 20 a classification is inferred from: trained as a regression; --task classification trains \(distinct.count) classes instead"
    }
}

extension TabularData {
    /// "; the header holds ';': give --delimiter ';'" when the header came out as one column that
    /// holds another delimiter, else "": for errors about columns a table lacks.
    static func delimiterHint(_ table: CSVTable) -> String {
        CSVText.delimiterHint(header: table.header, delimiter: table.delimiter).map { "; \($0)" } ?? ""
    }
}
