// Checks, before any work, that a file the command will write can be written: the directory
// exists and is writable, and the path is not a directory. Training for an hour and then failing
// to save would lose the hour.
#if canImport(Glibc)
import Glibc
#endif

enum OutputPath {
    static func checkWritable(_ path: String, flag: String, command: String) throws(CLIError) {
        guard !path.isEmpty else { throw .usage("--\(flag) needs a file name", command: command) }
        var st = stat()
        if stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            throw CLIError(.dataError, "\(path): is a directory; --\(flag) needs a file name")
        }
        let dir: String
        if let slash = path.lastIndex(of: "/") {
            dir = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            dir = "."
        }
        guard stat(dir, &st) == 0 else {
            throw CLIError(.dataError, "\(path): directory \(dir) does not exist")
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw CLIError(.dataError, "\(path): \(dir) is not a directory")
        }
        guard access(dir, W_OK) == 0 else {
            throw CLIError(.dataError, "\(path): directory \(dir) is not writable")
        }
    }
}
