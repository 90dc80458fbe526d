// A search's output directory: made when missing, and marked with what the search is
// (search.json), so that running the same command again continues it and another search is
// refused instead of mixed in.
import Experiments
import Formats
import Glibc
import Training

enum SearchDirectory {
    static func prepare(_ dir: String, identity: JSONValue, command: String) throws(CLIError) {
        for d in [dir, dir + "/checkpoints", dir + "/plots"] {
            if mkdir(d, 0o755) != 0 && errno != EEXIST {
                throw CLIError(.dataError, "\(d): cannot be made: \(String(cString: strerror(errno)))")
            }
            var st = stat()
            guard stat(d, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { throw CLIError(.dataError, "\(d): is not a directory") }
        }
        let path = dir + "/search.json"
        if let bytes = try? FileBytes.read(path) {
            guard let earlier = try? JSONValue.parse(bytes) else {
                throw CLIError(.dataError, "\(path): is not JSON; remove it, or give another --out-dir")
            }
            if earlier != identity {
                var differs = "its settings"
                if case .object(let a) = earlier, case .object(let b) = identity {
                    let keys = b.filter { k, v in a.first { $0.0 == k }?.1 != v }.map(\.0)
                    if !keys.isEmpty { differs = keys.joined(separator: ", ") }
                }
                throw .usage(
                    "\(dir) holds another search (its \(differs) differ from this command's); give another --out-dir, or remove \(dir) to start again",
                    command: command)
            }
            return
        }
        do { try AtomicFile.write(Array((identity.serialized() + "\n").utf8), to: path) } catch let e as FormatError {
            throw .data(e)
        } catch {
            throw CLIError(.dataError, "\(path): \(error)")
        }
    }
}
