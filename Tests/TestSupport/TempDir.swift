// A temporary directory for one test, removed when the test lets go of it.
import Foundation

public final class TempDir {
    public let path: String

    /// Creates a new, empty directory under $TMPDIR (or /tmp).
    public init() throws {
        path = NSTemporaryDirectory() + "mlp-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes `bytes` to `name` inside the directory.
    public func write(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: file(name)))
    }
}
