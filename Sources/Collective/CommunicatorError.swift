// Why the job could not start or an MPI operation failed, as one line of text.

public struct CommunicatorError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
