// Counting a column over all chunks, for deciding its type: how many numbers, text values and
// refused numbers (nan, inf, out of range) it holds, and where the first text value and the first
// refused number are. A chunk that read the column as numbers kept these counts as it went; for a
// chunk that read it as text, each category is classified once and counted by its rows.

/// What all chunks saw of one column: counts of numbers, text values and refused numbers, and the
/// first text value and first refused number in the file, with absolute lines.
struct CSVColumnCensus {
    var numbers = 0
    var texts = 0
    var forbidden = 0
    var firstText: CSVValueSite?
    var firstForbidden: CSVValueSite?

    init(chunks: [CSVChunkParser], column c: Int, firstLines: [Int], rules: CSVValueRules) {
        for (k, chunk) in chunks.enumerated() {
            var text: CSVValueSite?
            var refused: CSVValueSite?
            if chunk.isText(c) {
                // Count each category's rows, then sort the categories into numbers, refused and text.
                let local = chunk.categories[c]!
                var counts = [Int](repeating: 0, count: local.count)
                let codes = chunk.codes[c]
                for i in 0..<chunk.rows where codes[i] >= 0 { counts[Int(codes[i])] += 1 }
                for code in 0..<local.count {
                    let bytes = local.bytes(code)
                    let site = CSVValueSite(
                        row: local.firstRows[code], line: local.firstLines[code],
                        value: Array(bytes.prefix(256)))
                    switch rules.classify(bytes.baseAddress!, bytes.count) {
                    case .number: numbers += counts[code]
                    case .forbidden:
                        forbidden += counts[code]
                        if refused == nil || site.row < refused!.row { refused = site }
                    case .text, .missing:
                        texts += counts[code]
                        if text == nil || site.row < text!.row { text = site }
                    }
                }
            } else {
                let stats = chunk.stats[c]
                texts += stats.texts
                forbidden += stats.forbidden
                numbers += chunk.rows - stats.missing - stats.texts - stats.forbidden
                text = stats.firstText
                refused = stats.firstForbidden
            }
            if firstText == nil, var site = text {
                site.line += firstLines[k]
                firstText = site
            }
            if firstForbidden == nil, var site = refused {
                site.line += firstLines[k]
                firstForbidden = site
            }
        }
    }
}
