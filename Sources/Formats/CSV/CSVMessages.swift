// The CSV reader's one-line error messages, in one place so their wording stays consistent:
// "<file>: line 12, column 'age' (3): <what is wrong>".

struct CSVMessages {
    let path: String
    let delimiter: UInt8
    /// Byte offsets count decompressed bytes when the file was gzip.
    let compressed: Bool
    var header: [String] = []
    /// How the reading writes numbers and which values it reads as missing, for advice in messages.
    var numbers = CSVNumberFormat.standard
    var markers = CSVMissingMarkers.basic
    var markerAdvice = ""

    func error(_ message: String) -> FormatError { FormatError(path, message) }

    /// "byte 1234" (of the decompressed data, for a gzip file).
    func byte(_ offset: Int) -> String {
        compressed ? "byte \(offset) of the decompressed data" : "byte \(offset)"
    }

    /// "column 'age' (3)" for a data column.
    func column(_ c: Int) -> String { CSVText.column(header[c], c) }

    /// The line feeds in [from, to): how many lines a position is below another.
    func lineFeeds(_ base: UnsafePointer<UInt8>, from: Int, to: Int) -> Int {
        var n = 0
        var p = from
        while let lf = CSVSplit.find(0x0A, base, from: p, to: to) {
            n += 1
            p = lf + 1
        }
        return n
    }

    /// A syntax error at `place` ("line 3, column 'b' (2)").
    func syntax(_ error: CSVSyntaxError, at place: String) -> FormatError {
        switch error {
        case .unterminatedQuote(let at):
            return self.error("\(place): the quoted field opened here (\(byte(at))) is never closed")
        case .junkAfterQuote(let b, let at):
            return self.error(
                "\(place): \(CSVText.byte(b)) after the closing quote (\(byte(at))), expected \(CSVText.delimiter(delimiter)) or the end of the line"
            )
        case .quoteInUnquotedField(let at):
            return self.error(
                "\(place): a quote inside an unquoted field (\(byte(at))); quote the whole field and double the quotes inside it")
        case .bareCarriageReturn(let at):
            return self.error("\(place): a carriage return not followed by a line feed (\(byte(at)))")
        case .invalidUTF8(let at):
            return self.error("\(place): invalid UTF-8 at \(byte(at))")
        }
    }

    /// A data row with the wrong number of fields.
    func fieldCount(line: Int, fields: Int) -> FormatError {
        let hint = CSVText.delimiterHint(header: header, delimiter: delimiter).map { "; \($0)" } ?? ""
        return error("line \(line) has \(CSVText.plural(fields, "field")), the header has \(header.count)\(hint)")
    }

    /// A pandas missing-value marker ('NaN', 'null') that this reading does not take as missing,
    /// in a column of numbers.
    func unreadMarker(line: Int, column c: Int, value: [UInt8]) -> FormatError? {
        guard markers == .basic, CSVMissingMarkers.isPandasOnly(value) else { return nil }
        return error("line \(line), \(column(c)): \(CSVText.quote(value)) marks a missing value; fill it in, or \(markerAdvice)")
    }

    /// "; numbers written with a decimal comma need --decimal ,": when `value` is a number in
    /// another way of writing numbers.
    func numberFormatHint(_ value: [UInt8]) -> String? {
        guard let other = numbers.suggestion(for: [String(decoding: value, as: UTF8.self)], delimiter: delimiter) else { return nil }
        return "numbers written with \(other.description) need \(other.flags)"
    }

    func blankLine(line: Int) -> FormatError {
        error("line \(line) is blank, expected \(header.count) fields as in the header")
    }

    /// A text value in a column that is mostly numbers.
    func notANumber(line: Int, column c: Int, value: [UInt8], numbers: Int, texts: Int) -> FormatError {
        if let marker = unreadMarker(line: line, column: c, value: value) { return marker }
        let others =
            texts == 1
            ? "the column's other \(CSVText.count(numbers)) values are"
            : "\(CSVText.count(numbers)) of the column's other \(CSVText.count(numbers + texts - 1)) values are"
        let advice = numberFormatHint(value) ?? "use --categorical \(flagValue(header[c])) if it holds categories"
        return error("line \(line), \(column(c)): \(CSVText.quote(value)) is not a number (\(others)); \(advice)")
    }

    /// A text value in a column that must be numeric.
    func mustBeNumeric(line: Int, column c: Int, value: [UInt8]) -> FormatError {
        if let marker = unreadMarker(line: line, column: c, value: value) { return marker }
        let hint = numberFormatHint(value).map { "; \($0)" } ?? ""
        return error("line \(line), \(column(c)): \(CSVText.quote(value)) is not a number, and this column must be numeric\(hint)")
    }

    /// nan, inf, or a number outside Float's range, in a numeric column.
    func forbidden(line: Int, column c: Int, value: [UInt8]) -> FormatError {
        if let marker = unreadMarker(line: line, column: c, value: value) { return marker }
        let shown = CSVText.quote(value)
        let isWord = value.withUnsafeBufferPointer { CSVValue.isNonFiniteWord($0.baseAddress!, $0.count) }
        if isWord {
            return error(
                "line \(line), \(column(c)): \(shown) is not allowed: numbers must be finite (write a missing value as \(markers == .basic ? "an empty field, NA or ?" : "an empty field, NA, ?, NaN or null"))"
            )
        }
        return error("line \(line), \(column(c)): \(shown) is outside the range of a 32-bit float (±3.4e38)")
    }

    /// A column name as a shell word: quoted when it holds anything but letters, digits and _ . -
    private func flagValue(_ name: String) -> String {
        let plain = name.unicodeScalars.allSatisfy {
            ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || "_.-".unicodeScalars.contains($0)
        }
        return plain ? name : "'" + name.replacingAll("'", with: "'\\''") + "'"
    }
}

extension String {
    /// Every `target` replaced by `replacement` (Foundation's replacingOccurrences, without Foundation).
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for ch in self { if ch == target { out += replacement } else { out.append(ch) } }
        return out
    }
}
