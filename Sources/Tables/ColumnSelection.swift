// Which columns of a training table the model reads, and as what: every column but the targets,
// less the ignored ones (or only the listed feature columns); among the text columns, those whose
// every value is an ISO date become date columns; and a text column of IDs or names, which one-hot
// encoding cannot generalize from, stops training instead of becoming hundreds of inputs.
import Formats

public enum ColumnSelection {
    /// A text column (not forced to categories) with at least this many distinct values among the
    /// training rows, and more than `manyCategoriesShare` of the training rows that have a value,
    /// is refused: most of its values occur once or twice, as an ID's or a name's do.
    public static let manyCategoriesMinimum = 20
    public static let manyCategoriesShare = 0.5
    /// The rule as --help and the guide state it.
    public static let manyCategoriesRule =
        "a text column with at least \(manyCategoriesMinimum) distinct values that number more than half of its training rows (an ID, a name) is refused"

    /// The feature columns (indices, in file order) of `table` under `settings`, the targets at
    /// `targets` set aside. Every column the settings name must be in the file; a column is a
    /// target, a feature or ignored, never two of them; a column forced to categories must be a feature.
    public static func features(_ table: CSVTable, targets: [Int], settings: TableSettings, hint: String) throws(TablesError) -> [Int] {
        func index(_ name: String, _ setting: TableSetting) throws(TablesError) -> Int {
            guard let i = table.columnIndex(name) else {
                throw .noSuchColumn(
                    path: table.path, column: name, setting: setting, columns: table.header,
                    hint: hint.isEmpty ? NearestName.hint(for: name, in: table.header, show: CSVText.quote) : hint)
            }
            return i
        }
        let ignored = Set(try settings.ignore.map { (n: String) throws(TablesError) -> Int in try index(n, .ignore) })
        let listed = try settings.features.map { names throws(TablesError) in
            try names.map { (n: String) throws(TablesError) -> Int in try index(n, .features) }
        }
        for t in targets {
            let name = table.header[t]
            if ignored.contains(t) { throw .conflictingColumn(column: name, setting: .ignore, other: .target, excluded: false) }
            if listed?.contains(t) == true { throw .conflictingColumn(column: name, setting: .features, other: .target, excluded: false) }
        }
        let features = table.header.indices.filter { c in
            !targets.contains(c) && !ignored.contains(c) && (listed.map { $0.contains(c) } ?? true)
        }
        for name in settings.categorical {
            let c = try index(name, .categorical)
            if targets.contains(c) || features.contains(c) { continue }
            throw .conflictingColumn(column: name, setting: .categorical, other: ignored.contains(c) ? .ignore : .features, excluded: true)
        }
        return features
    }

    /// The text columns among `features` (not forced to categories, in `forcedText`) whose every
    /// value is an ISO date or date-time.
    public static func dates(_ table: CSVTable, features: [Int], forcedText: Set<String>) -> Set<Int> {
        Set(
            features.filter { c in
                guard !forcedText.contains(table.header[c]), case .text(_, let categories, _) = table.columns[c] else { return false }
                return DateColumn.recognize(categories) != nil
            })
    }

    /// Refuses a text column among `features` (not a date, not forced to categories) whose training
    /// rows (`rows`, all when nil) hold too many distinct values for one-hot encoding
    /// (`manyCategoriesMinimum`, `manyCategoriesShare`).
    public static func checkCategories(_ table: CSVTable, features: [Int], dates: Set<Int>, forcedText: Set<String>, rows: [Int]?)
        throws(TablesError)
    {
        for c in features where !dates.contains(c) && !forcedText.contains(table.header[c]) {
            guard case .text(let codes, let categories, _) = table.columns[c], categories.count >= manyCategoriesMinimum else { continue }
            var seen = [Bool](repeating: false, count: categories.count)
            var distinct = 0
            var present = 0
            func count(_ r: Int) {
                let k = codes[r]
                guard k >= 0 else { return }
                present += 1
                if !seen[Int(k)] {
                    seen[Int(k)] = true
                    distinct += 1
                }
            }
            if let rows { for r in rows { count(r) } } else { for r in 0..<table.rowCount { count(r) } }
            if distinct >= manyCategoriesMinimum && Double(distinct) > manyCategoriesShare * Double(present) {
                throw .tooManyCategories(path: table.path, column: table.header[c], distinct: distinct, rows: present)
            }
        }
    }
}
