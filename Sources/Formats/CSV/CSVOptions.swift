// How to read a CSV file: the delimiter, the way numbers are written, the missing-value markers, the
// threads, and the columns whose type the caller fixes.

public struct CSVOptions: Sendable {
    /// The field delimiter: `,` (the default), `;`, tab or `|`.
    public var delimiter: UInt8 = UInt8(ascii: ",")
    /// The decimal mark and thousands separator of the numbers (the CLI's `--decimal`, `--thousands`).
    public var numbers = CSVNumberFormat.standard
    /// The values read as missing (the CLI's `--missing` adds pandas' markers).
    public var missingMarkers = CSVMissingMarkers.basic
    /// What an error about a pandas marker that this reading does not take as missing ('NaN' or
    /// 'null' in a numeric column) tells the user to do, after "fill it in, or".
    public var markerAdvice = "read it as missing with --missing mean|median|most-frequent"
    /// Threads that parse (the file is split at row boundaries; small files use one).
    public var threads = 1
    /// Columns read as text (categories) even when every value is a number: zip codes,
    /// integer-coded classes (the CLI's `--categorical`).
    public var textColumns: Set<String> = []
    /// Columns that must be numeric (a model trained on them says so at predict time): a text value
    /// in one is an error, however few numbers the column has.
    public var numericColumns: Set<String> = []
    /// Columns read as text with every value as written, missing-value markers included (an ID
    /// column that `mlp predict` echoes).
    public var verbatimColumns: Set<String> = []
    /// When set, the columns it does not name (and the sets above do not) are read as text: columns
    /// a model ignores, whose values then cannot make a type error.
    public var typedColumns: Set<String>?
    /// Whether a name in `textColumns` or `numericColumns` that the header lacks is an error (a typo
    /// in --categorical); a reader driven by a model's column list says no and checks the header
    /// itself, to word the error in the model's terms.
    public var namedColumnsMustExist = true
    /// Lines of the file before these bytes' first data row, beyond the header's (a block of rows
    /// read from a stream, parsed with the header in front: messages then name the file's lines).
    public var lineOffset = 0
    /// The largest file, and the largest decompressed size of a gzip file, accepted.
    public var maxBytes = 1 << 31
    /// Below this many bytes of data per thread, fewer threads are used (thread start-up and the
    /// merge cost more than they save on small files).
    public var minBytesPerThread = 1 << 20

    public init(
        delimiter: UInt8 = UInt8(ascii: ","), threads: Int = 1,
        textColumns: Set<String> = [], numericColumns: Set<String> = []
    ) {
        self.delimiter = delimiter
        self.threads = threads
        self.textColumns = textColumns
        self.numericColumns = numericColumns
    }

    /// The delimiters a file may use.
    public static let delimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09, UInt8(ascii: "|")]

    var valueRules: CSVValueRules { CSVValueRules(numbers: numbers, markers: missingMarkers) }
}
