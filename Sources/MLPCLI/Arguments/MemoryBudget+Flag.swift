// --max-memory: the memory limit a command checks its data and model against (Training's
// MemoryBudget makes the estimate).
import Formats
import Training

extension MemoryBudget {
    /// --max-memory in bytes, or nil when not given.
    static func flag(_ a: Arguments) throws(CLIError) -> Int? {
        guard let text = a.string(Flags.maxMemory) else { return nil }
        guard let bytes = parse(text) else {
            throw .usage("--max-memory expects a positive byte count such as 800M or 4G, got '\(text)'", command: a.command)
        }
        return bytes
    }

}
