// One-line notes about a table that is probably not read the way its writer meant: text columns
// that are numbers written with a decimal comma or a thousands separator (or numbers with pandas'
// missing-value markers), a target of whole numbers just past the rule that makes a classification,
// columns a test file has that the model does not read, categories it has that the model did not
// learn, and a header that came out as one column because of the delimiter.
import Formats

/// Something worth telling about how a table was read: a warning (the data is probably misread) or
/// a note. Where the remedy is a setting, the caller says how its users spell it, as for TablesError.
public enum TableNote {
    /// Text columns (`columns`, each as "'name' (position)", with its category count) whose values
    /// would all be numbers when read in `format` (nil: the format they were read in) and, when
    /// `missingMarkers`, with pandas' missing markers read as missing. `what` says what they hold,
    /// `examples` values that need the other reading.
    case numbersReadAsText(
        path: String, columns: [String], categories: [Int], what: String, examples: [String],
        format: CSVNumberFormat?, missingMarkers: Bool)
    /// The target `column` of `distinct` whole numbers (`low` to `high`) was inferred to be a
    /// regression only because it holds more than the 20 values a classification is inferred from.
    case regressionAtTheEdge(column: String, distinct: Int, low: String, high: String)
    /// Columns of the file `path` that the model does not read.
    case ignoredColumns(path: String, [String])
    /// Categories of the file `path` that the model did not learn, encoded as all zeros.
    case unseenCategories(path: String, TableEncoder.Unseen)
    /// `rows` of the `of` rows of the file `path` have no value in a target column (`columns`) and
    /// are left out; `lines` are the first of them.
    case missingTargets(path: String, rows: Int, of: Int, columns: [String], lines: [Int])

    /// A warning (the data is probably misread), rather than a note.
    public var isWarning: Bool {
        switch self {
        case .numbersReadAsText, .unseenCategories: return true
        case .regressionAtTheEdge, .ignoredColumns, .missingTargets: return false
        }
    }

    /// The note in one line; `name` spells a setting, `reading` the setting that reads numbers in
    /// another format.
    public func message(naming name: (TableSetting) -> String, reading: (CSVNumberFormat) -> String) -> String {
        switch self {
        case .numbersReadAsText(let path, let columns, let categories, let what, let examples, let format, let markers):
            let one = columns.count == 1
            let names = columns.prefix(5).joined(separator: ", ") + (columns.count > 5 ? ", …" : "")
            let counts = categories.prefix(5).map(String.init).joined(separator: ", ")
            let shown = examples.isEmpty ? "" : " (\(examples.joined(separator: ", ")))"
            let remedy = (format.map { [reading($0)] } ?? []) + (markers ? ["\(name(.missing)) mean|median|most-frequent"] : [])
            return
                "\(path): \(one ? "column" : "columns") \(names) \(one ? "holds" : "hold") \(what)\(shown) but \(one ? "is" : "are") read as text (\(counts) categor\(one && categories[0] == 1 ? "y" : "ies")); \(remedy.joined(separator: " ")) \(one ? "reads it" : "reads them") as numbers"
        case .regressionAtTheEdge(let column, let distinct, let low, let high):
            return
                "target \(CSVText.quote(column)) holds \(distinct) distinct whole numbers (\(low) to \(high)), more than the 20 a classification is inferred from: trained as a regression; \(name(.task)) classification trains \(distinct) classes instead"
        case .ignoredColumns(let path, let ignored):
            let shown = ignored.prefix(8).map(CSVText.quote).joined(separator: ", ") + (ignored.count > 8 ? ", …" : "")
            return "\(path): ignoring \(ignored.count == 1 ? "column" : "\(ignored.count) columns") \(shown), which the model does not read"
        case .unseenCategories(let path, let unseen):
            return unseen.summary(path) ?? "\(path): every category was seen in training"
        case .missingTargets(let path, let rows, let total, let columns, let lines):
            let shown = lines.map(String.init).joined(separator: ", ") + (rows > lines.count ? ", …" : "")
            let target =
                columns.count == 1
                ? "target \(CSVText.quote(columns[0]))" : "a target (\(columns.map(CSVText.quote).joined(separator: ", ")))"
            return
                "\(path): left out \(rows) of \(total) rows, which have no \(target) (line\(rows == 1 ? "" : "s") \(shown)); \(name(.missingTarget)) error refuses them"
        }
    }

    /// The note with the settings' own names.
    public var description: String { message(naming: { $0.rawValue }, reading: { "reading numbers as \($0.description)" }) }
}

public enum TableNotes {
    /// Warnings about the text columns of `table` (those not forced to be categories, in
    /// `forcedText`) whose values would all be numbers read another way: one per remedy, naming
    /// the columns.
    public static func numberFormats(_ table: CSVTable, options: CSVOptions, forcedText: Set<String>) -> [TableNote] {
        var groups:
            [(key: String, format: CSVNumberFormat?, markers: Bool, what: String, columns: [Int], categories: [Int], examples: [String])] =
                []
        for m in misreadNumbers(table, options: options, forcedText: forcedText) {
            // One warning per remedy: the same other format, with or without the markers.
            let key = (m.format?.flags ?? "") + (m.markers ? " +markers" : "")
            if let g = groups.firstIndex(where: { $0.key == key }) {
                groups[g].columns.append(m.column)
                groups[g].categories.append(m.categories)
            } else {
                groups.append((key, m.format, m.markers, m.what, [m.column], [m.categories], m.examples))
            }
        }
        return groups.map { g in
            .numbersReadAsText(
                path: table.path, columns: g.columns.map { "\(CSVText.quote(table.header[$0])) (\($0 + 1))" },
                categories: g.categories, what: g.what, examples: g.examples, format: g.format, missingMarkers: g.markers)
        }
    }

    /// The text columns whose values are numbers in another format or with pandas' missing markers
    /// (numberFormats' columns): they are not IDs, whatever their distinct count.
    public static func misreadNumberColumns(_ table: CSVTable, options: CSVOptions, forcedText: Set<String>) -> Set<Int> {
        Set(misreadNumbers(table, options: options, forcedText: forcedText).map(\.column))
    }

    private static func misreadNumbers(_ table: CSVTable, options: CSVOptions, forcedText: Set<String>)
        -> [(column: Int, format: CSVNumberFormat?, markers: Bool, what: String, categories: Int, examples: [String])]
    {
        var out: [(column: Int, format: CSVNumberFormat?, markers: Bool, what: String, categories: Int, examples: [String])] = []
        for (c, column) in table.columns.enumerated() where !forcedText.contains(table.header[c]) {
            guard let (_, categories) = column.textValues, !categories.isEmpty else { continue }
            // pandas' markers that this reading does not take as missing, and the other values.
            let markers = options.missingMarkers == .basic ? categories.filter { CSVMissingMarkers.pandasOnly.contains($0) } : []
            let values = markers.isEmpty ? categories : categories.filter { !markers.contains($0) }
            guard !values.isEmpty else { continue }
            var format: CSVNumberFormat?
            var what: String
            if !markers.isEmpty && values.allSatisfy({ options.numbers.parse($0)?.isFinite == true }) {
                what = "numbers and \(markers.prefix(3).map(CSVText.quote).joined(separator: ", "))"
            } else if let other = options.numbers.suggestion(for: values, delimiter: options.delimiter) {
                format = other
                what = "numbers written with \(other.description)"
                if !markers.isEmpty { what += " and \(markers.prefix(3).map(CSVText.quote).joined(separator: ", "))" }
            } else {
                continue
            }
            // Examples: values that need the flags (with a mark or separator in them), first seen first.
            let examples = values.filter { options.numbers.parse($0) == nil }.prefix(2).map(CSVText.quote)
            out.append((c, format, !markers.isEmpty, what, categories.count, Array(examples)))
        }
        return out
    }

    /// A note when a target column of whole numbers was inferred to be a regression only because
    /// it holds more than 20 distinct values, all small and non-negative (0–25 for 26 classes): the
    /// edge of Task.rule, where either task may be meant.
    public static func taskEdge(_ table: CSVTable, target c: Int, inferred: Task) -> TableNote? {
        guard inferred == .regression, case .numeric(let values, _) = table.columns[c] else { return nil }
        var distinct = Set<Float>()
        var low = Float.infinity
        var high = -Float.infinity
        for v in values where !v.isNaN {
            guard v == v.rounded(), v >= 0, v <= 1000 else { return nil }
            distinct.insert(v)
            if distinct.count > 100 { return nil }
            low = min(low, v)
            high = max(high, v)
        }
        guard distinct.count > 20 else { return nil }
        return .regressionAtTheEdge(
            column: table.header[c], distinct: distinct.count, low: TargetEncoder.labelText(low),
            high: TargetEncoder.labelText(high))
    }
}

extension TabularData {
    /// "; the header holds ';': give --delimiter ';'" when the header came out as one column that
    /// holds another delimiter, else "": for errors about columns a table lacks.
    public static func delimiterHint(_ table: CSVTable) -> String {
        CSVText.delimiterHint(header: table.header, delimiter: table.delimiter).map { "; \($0)" } ?? ""
    }
}
