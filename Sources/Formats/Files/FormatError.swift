// The one error type of the file formats: which file, where in it, and what was expected.
// Its description is the whole one-line message the CLI prints after "error: ".

public struct FormatError: Error, CustomStringConvertible, Equatable {
    /// The file the problem is in, as the user named it.
    public let path: String
    /// What is wrong, including the position (byte offset, field, tensor name) when there is one.
    public let message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
