// csv-bench: how fast the CSV reader loads a file, and its peak memory.
//
//   csv-bench FILE [--threads N] [--delimiter ,|;|tab|'|']
//
// Reads FILE with CSVReader (the whole call: file read, gzip if any, parse, column arrays), then prints
// one JSON object on stdout:
//   {"file":…,"rows":…,"columns":…,"numeric_columns":…,"threads":…,"chunks":…,"seconds":…,"cpu_seconds":…,
//    "peak_rss_mb":…,"file_mb":…,"matrix_mb":…,"sum":…}
// seconds is wall time of the read; cpu_seconds the process's user + system time up to then (on a
// busy machine the steadier figure; it includes start-up, a few ms); peak_rss_mb is the process's peak resident set (getrusage
// ru_maxrss) after it, which includes the binary and runtime (a few MB); matrix_mb is rows × columns
// × 4 bytes (the float32 matrix the trainer builds); sum adds every present numeric value in Double,
// so that a script can check the values against another reader's.
import Formats
import Glibc

func fail(_ message: String) -> Never {
    fputs("csv-bench: \(message)\n", stderr)
    fputs("usage: csv-bench FILE [--threads N] [--delimiter ,|;|tab|'|']\n", stderr)
    exit(2)
}

var options = CSVOptions()
var path: String?
var args = CommandLine.arguments.dropFirst()
while let arg = args.popFirst() {
    switch arg {
    case "--threads":
        guard let v = args.popFirst(), let n = Int(v), n > 0 else { fail("--threads needs a positive integer") }
        options.threads = n
    case "--delimiter":
        guard let v = args.popFirst() else { fail("--delimiter needs a value") }
        switch v {
        case ",", ";", "|": options.delimiter = v.utf8.first!
        case "tab", "\t": options.delimiter = 0x09
        default: fail("--delimiter must be , ; tab or |, not '\(v)'")
        }
    case "-h", "--help": fail("loads a CSV file with the mlp CSV reader and reports time and memory")
    default:
        if arg.hasPrefix("-") || path != nil { fail("unexpected argument '\(arg)'") }
        path = arg
    }
}
guard let path else { fail("no file given") }

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

var info = stat()
let fileBytes = stat(path, &info) == 0 ? Int(info.st_size) : 0
let started = now()
let table: CSVTable
do {
    table = try CSVReader.read(path: path, options: options)
} catch {
    fputs("csv-bench: error: \(error)\n", stderr)
    exit(1)
}
let seconds = now() - started
var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
let peakMB = Double(usage.ru_maxrss) / 1024
let cpuSeconds =
    Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
    + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6

var sum = 0.0
var numeric = 0
for column in table.columns {
    guard let values = column.values else { continue }
    numeric += 1
    for v in values where !v.isNaN { sum += Double(v) }
}

func json(_ s: String) -> String {
    var out = "\""
    for ch in s.unicodeScalars {
        switch ch {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        default: out += ch.value < 0x20 ? "?" : String(ch)
        }
    }
    return out + "\""
}
func fixed(_ x: Double, _ digits: Int) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    _ = withVaList([x]) { vsnprintf(&buffer, 64, "%.\(digits)f", $0) }
    return String(cString: buffer)
}

let matrixMB = Double(table.rowCount * table.header.count * 4) / (1024 * 1024)
print(
    "{\"file\":\(json(path)),\"rows\":\(table.rowCount),\"columns\":\(table.header.count),"
        + "\"numeric_columns\":\(numeric),\"threads\":\(options.threads),\"chunks\":\(table.chunks),"
        + "\"seconds\":\(fixed(seconds, 4)),\"cpu_seconds\":\(fixed(cpuSeconds, 4)),\"peak_rss_mb\":\(fixed(peakMB, 1)),"
        + "\"file_mb\":\(fixed(Double(fileBytes) / (1024 * 1024), 1)),\"matrix_mb\":\(fixed(matrixMB, 1)),"
        + "\"sum\":\(fixed(sum, 3))}")
