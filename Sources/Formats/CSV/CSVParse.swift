// One run of the CSV reader over the bytes: layout, chunks on threads, the split check, the column
// types, the re-reading of columns a chunk guessed wrong, and the merged categories. What it keeps
// needs no file bytes, so the reader frees them before `table` copies the columns out.

struct CSVParse {
    /// The decided type of a column: numeric, or text with its categories in file order and, per
    /// chunk, the map from the chunk's codes to those.
    enum Decision {
        case numeric
        case text(categories: [String], remaps: [[Int32]])
    }

    var layout: CSVLayout
    var chunks: [CSVChunkParser]
    var decisions: [Decision]
    var resplit: Bool
    var rules: CSVValueRules

    static func run(
        _ base: UnsafePointer<UInt8>, count: Int, options: CSVOptions,
        messages: inout CSVMessages
    ) throws(FormatError) -> CSVParse {
        var layout = try CSVLayout.read(base, count: count, messages: messages)
        layout.firstLine += options.lineOffset
        messages.header = layout.header
        let columns = layout.header.count
        guard options.numbers.isValid else {
            throw messages.error(
                "the decimal mark \(CSVText.byte(options.numbers.decimal)) and the thousands separator \(options.numbers.thousands.map(CSVText.byte) ?? "(none)") are not a pair this reader knows"
            )
        }
        let rules = options.valueRules

        var textColumns = [Bool](repeating: false, count: columns)
        var numericColumns = [Bool](repeating: false, count: columns)
        var verbatimColumns = [Bool](repeating: false, count: columns)
        for (names, what, isNumeric) in [
            (options.textColumns, "to read as text", false),
            (options.numericColumns, "that must be numeric", true),
            (options.verbatimColumns, "to read as written", false),
        ] {
            for name in names.sorted() {
                guard let c = layout.header.firstIndex(of: name) else {
                    if !options.namedColumnsMustExist { continue }
                    let shown = layout.header.prefix(20).map { CSVText.quote($0) }.joined(separator: ", ")
                    throw messages.error(
                        "no column named \(CSVText.quote(name)) \(what) (the header has \(shown)\(layout.header.count > 20 ? ", …" : ""))\(NearestName.hint(for: name, in: layout.header, show: CSVText.quote))"
                    )
                }
                if isNumeric { numericColumns[c] = true } else { textColumns[c] = true }
            }
        }
        for name in options.verbatimColumns { if let c = layout.header.firstIndex(of: name) { verbatimColumns[c] = true } }
        if let typed = options.typedColumns {
            for c in 0..<columns where !typed.contains(layout.header[c]) && !numericColumns[c] { textColumns[c] = true }
        }
        for c in 0..<columns where textColumns[c] && numericColumns[c] {
            throw messages.error("\(messages.column(c)) is asked to be both text and numeric")
        }

        // Chunks: one per thread, at least minBytesPerThread each.
        let dataBytes = layout.dataEnd - layout.dataStart
        let parts = max(1, min(options.threads, dataBytes / max(options.minBytesPerThread, 1)))
        func parseChunks(_ cuts: [Int]) -> [CSVChunkParser] {
            let chunks = (0..<cuts.count - 1).map { k in
                CSVChunkParser(
                    base: base, start: base + cuts[k], end: base + cuts[k + 1], columnCount: columns,
                    delimiter: options.delimiter, numbers: options.numbers, markers: options.missingMarkers,
                    textColumns: textColumns, numericColumns: numericColumns, verbatimColumns: verbatimColumns,
                    capacity: CSVSplit.estimateRows(
                        base, start: layout.dataStart, end: layout.dataEnd,
                        bytes: cuts[k + 1] - cuts[k]))
            }
            SpawnedLoop.run(chunks: chunks.count) { chunks[$0].parse() }
            return chunks
        }
        // A chunk before the last that ends inside quotes means the cut was inside a quoted field.
        func splitWasWrong(_ chunks: [CSVChunkParser]) -> Bool {
            for chunk in chunks.dropLast() {
                guard let error = chunk.error else { continue }
                if case .syntax(.unterminatedQuote) = error.kind { return true }
                return false  // an earlier error: the true first error of the file
            }
            return false
        }
        var chunks = parseChunks(CSVSplit.guess(base, start: layout.dataStart, end: layout.dataEnd, parts: parts))
        var resplit = false
        if splitWasWrong(chunks) {
            resplit = true
            chunks = parseChunks(CSVSplit.exact(base, start: layout.dataStart, end: layout.dataEnd, parts: parts))
            if splitWasWrong(chunks) {  // a quote left open earlier by mistake: one chunk settles it
                chunks = parseChunks([layout.dataStart, layout.dataEnd])
            }
        }

        // Syntax errors: the first chunk's with one (every chunk before it ended cleanly).
        var chunkFirstLines: [Int] = []
        var line = layout.firstLine
        for chunk in chunks {
            chunkFirstLines.append(line)
            if let error = chunk.error { throw message(error, firstLine: line, messages: messages) }
            line += chunk.lines
        }

        // Column types, and the errors they imply: the one on the earliest line wins.
        var decided: [Bool] = []  // true: text
        var typeErrors: [(line: Int, column: Int, error: FormatError)] = []
        for c in 0..<columns {
            let census = CSVColumnCensus(chunks: chunks, column: c, firstLines: chunkFirstLines, rules: rules)
            if textColumns[c] {
                decided.append(true)
            } else if census.texts == 0 {
                decided.append(false)
                if let site = census.firstForbidden {
                    typeErrors.append((site.line, c, messages.forbidden(line: site.line, column: c, value: site.value)))
                }
            } else {
                let site = census.firstText!
                if let refused = census.firstForbidden, refused.line < site.line, numericColumns[c] || census.numbers > census.texts {
                    // Both are errors: the earlier one is named.
                    typeErrors.append((refused.line, c, messages.forbidden(line: refused.line, column: c, value: refused.value)))
                } else if numericColumns[c] {
                    typeErrors.append((site.line, c, messages.mustBeNumeric(line: site.line, column: c, value: site.value)))
                } else if census.numbers > census.texts {
                    typeErrors.append(
                        (
                            site.line, c,
                            messages.notANumber(
                                line: site.line, column: c, value: site.value,
                                numbers: census.numbers, texts: census.texts)
                        ))
                }
                decided.append(true)
            }
        }
        if let first = typeErrors.min(by: { ($0.line, $0.column) < ($1.line, $1.column) }) { throw first.error }

        // Chunks that parsed a text column as numbers read it again.
        let reread = chunks.map { chunk in (0..<columns).filter { decided[$0] && !chunk.isText($0) } }
        SpawnedLoop.run(chunks: chunks.count) { k in
            if !reread[k].isEmpty { chunks[k].convertToText(reread[k]) }
        }

        // Categories in order of first appearance: chunk 0's, then each later chunk's new ones.
        var decisions: [Decision] = []
        for c in 0..<columns {
            guard decided[c] else {
                decisions.append(.numeric)
                continue
            }
            var categories: [String] = []
            var index: [String: Int32] = [:]
            var remaps: [[Int32]] = []
            for chunk in chunks {
                let local = chunk.categories[c]!
                var remap = [Int32](repeating: 0, count: local.count)
                for code in 0..<local.count {
                    let name = local.string(code)
                    if let known = index[name] {
                        remap[code] = known
                    } else {
                        remap[code] = Int32(categories.count)
                        index[name] = Int32(categories.count)
                        categories.append(name)
                    }
                }
                remaps.append(remap)
            }
            decisions.append(.text(categories: categories, remaps: remaps))
        }
        return CSVParse(layout: layout, chunks: chunks, decisions: decisions, resplit: resplit, rules: rules)
    }

    /// A chunk's syntax error as the one-line message, its line made absolute.
    private static func message(_ error: CSVChunkError, firstLine: Int, messages: CSVMessages) -> FormatError {
        let line = firstLine + error.line
        switch error.kind {
        case .fieldCount(let fields):
            return messages.fieldCount(line: line, fields: fields)
        case .blankLine:
            return messages.blankLine(line: line)
        case .syntax(let syntax):
            return messages.syntax(syntax, at: "line \(line), \(messages.column(error.column ?? 0))")
        }
    }

    /// The table: every column copied out of the chunks (each chunk's storage freed once copied),
    /// columns shared among the threads.
    func table(path: String, threads: Int) -> CSVTable {
        let rowCount = chunks.reduce(0) { $0 + $1.rows }
        let columnCount = layout.header.count
        var columns = [CSVColumn?](repeating: nil, count: columnCount)
        let workers = max(1, min(threads, chunks.count, columnCount))
        columns.withUnsafeMutableBufferPointer { out in
            SpawnedLoop.run(chunks: workers) { worker in
                for c in stride(from: worker, to: columnCount, by: workers) {
                    out[c] = column(c, rows: rowCount)
                }
            }
        }

        // Line breaks inside quotes, from chunk-relative to table-relative.
        var jumps: [(row: Int, extra: Int)] = []
        var rowBase = 0
        var extraBase = 0
        for chunk in chunks {
            for jump in chunk.jumps { jumps.append((rowBase + jump.row, extraBase + jump.extra)) }
            rowBase += chunk.rows
            extraBase += chunk.lines - chunk.rows
        }
        return CSVTable(
            path: path, header: layout.header, rowCount: rowCount, columns: columns.map { $0! },
            firstLine: layout.firstLine, jumps: jumps, chunks: chunks.count, resplit: resplit)
    }

    /// Column `c` in one array, from every chunk's storage.
    private func column(_ c: Int, rows: Int) -> CSVColumn {
        let missing = chunks.reduce(0) { $0 + $1.stats[c].missing }
        switch decisions[c] {
        case .numeric:
            let values = [Float](unsafeUninitializedCapacity: rows) { buffer, initialized in
                if let base = buffer.baseAddress { HugePages.advise(base, bytes: rows * 4) }
                var at = 0
                for chunk in chunks {
                    let n = chunk.rows
                    if chunk.isText(c) {
                        // Every category is a number here (the column was decided numeric).
                        let local = chunk.categories[c]!
                        let numbers = (0..<local.count).map { code -> Float in
                            let bytes = local.bytes(code)
                            if case .number(let v) = rules.classify(bytes.baseAddress!, bytes.count) { return v }
                            return .nan
                        }
                        let codes = chunk.codes[c]
                        for i in 0..<n { buffer[at + i] = codes[i] < 0 ? .nan : numbers[Int(codes[i])] }
                    } else if n > 0 {
                        (buffer.baseAddress! + at).update(from: chunk.floats[c], count: n)
                    }
                    chunk.releaseStorage(c)
                    at += n
                }
                initialized = rows
            }
            return .numeric(values: values, missing: missing)
        case .text(let categories, let remaps):
            let codes = [Int32](unsafeUninitializedCapacity: rows) { buffer, initialized in
                if let base = buffer.baseAddress { HugePages.advise(base, bytes: rows * 4) }
                var at = 0
                for (k, chunk) in chunks.enumerated() {
                    let n = chunk.rows
                    let local = chunk.codes[c]
                    remaps[k].withUnsafeBufferPointer { remap in
                        for i in 0..<n { buffer[at + i] = local[i] < 0 ? -1 : remap[Int(local[i])] }
                    }
                    chunk.releaseStorage(c)
                    at += n
                }
                initialized = rows
            }
            return .text(codes: codes, categories: categories, missing: missing)
        }
    }
}
