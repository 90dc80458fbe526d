// libFuzzer target: the CSV reader on arbitrary bytes, then the table encoders on what it returns, as
// `mlp train` and `mlp predict` use them. The first two bytes choose the reading options (the rest is
// the file):
//   byte 0  bits 0-1 delimiter , ; tab |   bit 2 decimal comma   bits 3-5 thousands separator (none , .
//           ' space _; skipped when it is the decimal mark)   bit 6 pandas' missing markers
//           bit 7 two threads, split into chunks of a few bytes (the result must not change)
//   byte 1  bits 0-1 missing-value policy (none, mean, median, most frequent)   bits 2-3 task
//           (inferred, classification, regression)   bits 4-7 the target column (15: the last)
// Then: the table's invariants; TableEncoder and TargetEncoder fitted on it and both encodings; the
// encoders' JSON read back equal (as a model file stores them); and the same bytes read again the
// way predict reads a table for the model, encoded as a labelled table. Any trap is a finding; a
// thrown error is the expected outcome for bad input, and must be one line. Built by Scripts/fuzz.sh,
// not SwiftPM.
import Formats
import Tables

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    guard bytes.count >= 2 else { return 0 }
    let (a, b) = (bytes[0], bytes[1])
    let data = Array(bytes[2...])

    var options = CSVOptions(delimiter: CSVOptions.delimiters[Int(a & 3)])
    options.maxBytes = 16 << 20  // a gzip bomb is refused, not an out-of-memory
    options.numbers.decimal = a & 4 != 0 ? UInt8(ascii: ",") : UInt8(ascii: ".")
    let separator = Int(a >> 3 & 7)
    if separator < CSVNumberFormat.separators.count, CSVNumberFormat.separators[separator] != options.numbers.decimal {
        options.numbers.thousands = CSVNumberFormat.separators[separator]
    }
    if a & 64 != 0 { options.missingMarkers = .pandas }
    let missing: MissingPolicy? = [nil, .mean, .median, .mostFrequent][Int(b & 3)]
    let task: Task? = [nil, .classification, .regression, nil][Int(b >> 2 & 3)]

    let table: CSVTable
    do { table = try CSVReader.read(bytes: data, name: "fuzz", options: options) } catch {
        oneLine(error.description)
        return 0
    }
    check(table)
    if a & 128 != 0 {
        // The reader promises the same table whatever the number of threads.
        var split = options
        split.threads = 2
        split.minBytesPerThread = 8
        do {
            let again = try CSVReader.read(bytes: data, name: "fuzz", options: split)
            precondition(same(table, again), "two threads read a different table")
        } catch { preconditionFailure("two threads refuse what one thread read: \(error)") }
    }
    guard table.rowCount > 0, table.header.count >= 2 else { return 0 }

    // As train: the target column, the task, the encoders fitted on every row.
    let targetColumn = b >> 4 == 15 ? table.header.count - 1 : Int(b >> 4) % table.header.count
    let features = table.header.indices.filter { $0 != targetColumn }
    let taskUsed = task ?? Task.infer(table.columns[targetColumn])
    _ = TableNotes.numberFormats(table, options: options, forcedText: [])
    _ = TableNotes.taskEdge(table, target: targetColumn, inferred: taskUsed)
    var encoder: TableEncoder
    var target: TargetEncoder
    do {
        encoder = try TableEncoder.fit(table, features: features, rows: nil, missing: missing)
        encoder.numbers = options.numbers
        encoder.markers = options.missingMarkers
        target = try TargetEncoder.fit(table, columns: [targetColumn], task: taskUsed, rows: nil)
    } catch {
        oneLine(error.description)
        return 0
    }
    do {
        let (x, _) = try encoder.encode(table, at: features, rows: nil, advice: .impute)
        precondition(x.count == table.rowCount * encoder.width, "the encoded features have the wrong size")
        _ = try target.encode(table, at: [targetColumn], rows: nil)
    } catch {
        oneLine(error.description)
    }

    // As a model file stores the encoders and reads them back.
    struct Bad: Error { let message: String }
    do {
        let (readEncoder, delimiter) = try TableEncoder.read(encoder.json(delimiter: options.delimiter)) { Bad(message: $0) }
        precondition(readEncoder == encoder && delimiter == options.delimiter, "the table encoder's JSON reads back different")
        let readTarget = try TargetEncoder.read(target.json) { Bad(message: $0) }
        precondition(readTarget == target, "the target encoder's JSON reads back different")
    } catch {
        preconditionFailure("the encoders' JSON is refused: \(error)")
    }

    // As predict and evaluate read a table for the model: typed by the encoders.
    do {
        let reading = encoder.readingOptions(options, target: target)
        let labelled = try CSVReader.read(bytes: data, name: "fuzz", options: reading)
        check(labelled)
        _ = try TabularData.encodeLabelled(labelled, encoder: encoder, target: target)
    } catch let error as FormatError {
        oneLine(error.description)
    } catch let error as TablesError {
        oneLine(error.description)
    } catch {
        oneLine("\(error)")
    }
    return 0
}

/// An error is one line.
private func oneLine(_ message: String) {
    precondition(!message.isEmpty && !message.contains("\n"), "an error is not one line: \(message)")
}

/// The table's own invariants: one column per header name, each with a value per row, codes within
/// the categories, missing counts that match.
private func check(_ table: CSVTable) {
    precondition(table.columns.count == table.header.count, "columns and header disagree")
    precondition(Set(table.header).count == table.header.count, "a header name twice")
    for column in table.columns {
        switch column {
        case .numeric(let values, let missing):
            precondition(values.count == table.rowCount, "a numeric column has the wrong length")
            precondition(values.filter(\.isNaN).count == missing, "a numeric column miscounts its missing values")
            precondition(values.allSatisfy { $0.isNaN || $0.isFinite }, "a numeric column holds an infinity")
        case .text(let codes, let categories, let missing):
            precondition(codes.count == table.rowCount, "a text column has the wrong length")
            precondition(codes.allSatisfy { $0 >= -1 && $0 < categories.count }, "a code outside the categories")
            precondition(codes.filter { $0 < 0 }.count == missing, "a text column miscounts its missing values")
            precondition(Set(categories).count == categories.count, "a category twice")
        }
    }
    if table.rowCount > 0 {
        for r in [0, table.rowCount - 1] { _ = table.line(ofRow: r) }
    }
}

/// The same header, rows and values (NaN equal to NaN).
private func same(_ x: CSVTable, _ y: CSVTable) -> Bool {
    guard x.header == y.header, x.rowCount == y.rowCount, x.columns.count == y.columns.count else { return false }
    for (p, q) in zip(x.columns, y.columns) {
        switch (p, q) {
        case (.numeric(let u, let m), .numeric(let v, let n)):
            guard m == n, u.map(\.bitPattern) == v.map(\.bitPattern) else { return false }
        case (.text, .text):
            guard p == q else { return false }
        default:
            return false
        }
    }
    return true
}
