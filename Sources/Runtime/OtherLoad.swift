// How many threads of other processes are runnable right now: the system's running count
// (procs_running in /proc/stat) minus this process's own threads in state R
// (/proc/self/task/*/stat). LoopThreads pins and polls only while this is 0: two processes that
// each pin their caller to the first CPU take turns on it.
import Glibc

enum OtherLoad {
    /// Runnable threads outside this process, or nil when /proc cannot say (not Linux, no /proc).
    static func runnable() -> Int? {
        guard let stat = read("/proc/stat"), let all = field(stat, after: "procs_running ") else { return nil }
        return max(0, all - ownRunning())
    }

    /// This process's threads in state R.
    private static func ownRunning() -> Int {
        guard let dir = opendir("/proc/self/task") else { return 1 }
        defer { closedir(dir) }
        var running = 0
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            guard name.first?.isNumber == true, let text = read("/proc/self/task/\(name)/stat") else { continue }
            // "tid (comm) S ...": the state follows the last ')' (comm may itself hold parentheses).
            if let close = text.lastIndex(of: ")"), text[close...].dropFirst().trimmingPrefix(" ").first == "R" {
                running += 1
            }
        }
        return running
    }

    private static func field(_ text: String, after key: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            return Int(line.dropFirst(key.count).prefix { $0.isNumber })
        }
        return nil
    }

    /// A small /proc file (these are not seekable to a size, so read until the end).
    private static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 4096) }
            if n <= 0 { break }
            bytes += buffer[0..<n]
            if bytes.count > 1 << 20 { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
