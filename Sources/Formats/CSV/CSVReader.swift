// Reads a CSV file with a header into typed columns: numeric columns as Float, text columns as Int32
// codes into their categories. Plain or gzip (told by the magic bytes 1f 8b, not the name).
//
//   let table = try CSVReader.read(path: "train.csv.gz", options: CSVOptions(threads: 2))
//
// The dialect: RFC 4180 quoting ("a ""b"" c", delimiters and line breaks inside quotes), delimiter
// , ; tab or | (CSVOptions.delimiter), LF or CRLF, an optional UTF-8 byte-order mark, blank lines at
// the end ignored, spaces around unquoted fields trimmed. A header row is required, with unique names.
// Numbers: '.' or a decimal comma, with or without a thousands separator (CSVOptions.numbers,
// CSVNumberFormat). Missing values: an empty field, NA or ?, and pandas' markers when asked
// (CSVOptions.missingMarkers, CSVMissingMarkers). Lines are physical lines, 1-based.
//
// Column types: a column is numeric when every present value is a number; it is text when at least
// half of its present values are not numbers (every distinct string is a category, numbered in the
// order of first appearance in the file); a column with more numbers than text values is an error that
// names the first text value, since it is most likely a typo (CSVOptions.textColumns forces text,
// CSVOptions.numericColumns forbids text). A numeric column may not hold nan, inf or values beyond
// Float's range (a missing value is stored as NaN, so a NaN in the file would be indistinguishable).
// A column with no present value at all is numeric (all NaN).
//
// Errors are FormatErrors with a one-line message naming the file, the line and the column. Syntax
// errors come first (the first in the file); then type errors (the one on the earliest line).
//
// How it goes: the data is cut at row starts into one chunk per thread (CSVSplit), each chunk is
// parsed into its own column storage (CSVChunkParser), the column types are decided from all chunks,
// chunks that guessed a column's type wrong re-read it, the categories are merged in file order, the
// file bytes are released, and the columns are copied out into arrays. The result does not depend on
// the number of threads, bit for bit.

public enum CSVReader {
    /// Reads the CSV file at `path` (plain or gzip).
    public static func read(path: String, options: CSVOptions = CSVOptions()) throws(FormatError) -> CSVTable {
        var bytes: [UInt8]
        do {
            bytes = try FileBytes.read(path, maxBytes: options.maxBytes, threads: options.threads)
        } catch let error as FormatError {
            throw error
        } catch {
            throw FormatError(path, "cannot be read: \(error)")
        }
        return try decode(&bytes, name: path, options: options)
    }

    /// Reads CSV data already in memory (standard input, a test); `name` is how messages call it.
    public static func read(bytes: [UInt8], name: String, options: CSVOptions = CSVOptions()) throws(FormatError) -> CSVTable {
        var bytes = bytes
        return try decode(&bytes, name: name, options: options)
    }

    /// Decompresses when gzip, then parses; `bytes` is emptied as soon as the columns no longer need it.
    static func decode(_ bytes: inout [UInt8], name: String, options: CSVOptions) throws(FormatError) -> CSVTable {
        var compressed = false
        if Gzip.isGzip(bytes) {
            do {
                bytes = try Gzip.decompress(bytes, path: name, maxOutput: options.maxBytes)
            } catch let error as FormatError {
                throw error
            } catch {
                throw FormatError(name, "cannot be decompressed: \(error)")
            }
            compressed = true
        }
        guard CSVOptions.delimiters.contains(options.delimiter) else {
            throw FormatError(name, "the delimiter \(CSVText.byte(options.delimiter)) is not one of ',' ';' tab '|'")
        }
        var messages = CSVMessages(path: name, delimiter: options.delimiter, compressed: compressed)
        messages.numbers = options.numbers
        messages.markers = options.missingMarkers
        messages.markerAdvice = options.markerAdvice
        if bytes.isEmpty { throw messages.error("empty file, expected a header row") }

        let parsed = try bytes.withUnsafeBufferPointer { buffer throws(FormatError) -> CSVParse in
            try CSVParse.run(buffer.baseAddress!, count: buffer.count, options: options, messages: &messages)
        }
        bytes = []  // the columns are all in the chunks' storage now
        var table = parsed.table(path: name, threads: options.threads)
        table.delimiter = options.delimiter
        return table
    }
}
