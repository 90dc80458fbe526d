// An output that only grows and is written again as it grows (a training log after every epoch).
// A regular file is rewritten whole and atomically each time, so a reader never sees half a line
// and a killed run leaves a valid file. A device, FIFO, socket or standard output cannot be
// rewritten: it is opened once, on the first write, and each later write sends only what was added,
// so a pipe's reader sees every line once, as it comes.

import Glibc

public final class GrowingFile {
    public let path: String
    public let target: OutputTarget
    /// The descriptor of a stream target, once opened.
    private var descriptor: Int32?
    /// Bytes already sent to a stream target.
    private var sent = 0

    public init(path: String) throws {
        self.path = path
        target = try OutputTarget.resolve(path)
    }

    deinit {
        if let descriptor, descriptor > 2 { close(descriptor) }
    }

    /// The whole contents so far; it must begin with what was given before.
    public func update(_ contents: [UInt8]) throws {
        switch target {
        case .file:
            try AtomicFile.write(contents, to: path)
            return
        case .stream(let kind):
            if descriptor == nil { descriptor = try AtomicFile.openStream(path, kind) }
        case .standardOutput:
            descriptor = 1
        case .standardError:
            descriptor = 2
        }
        guard contents.count > sent else { return }  // nothing new (it only grows)
        let added = Array(contents[sent...])
        if descriptor! <= 2 {
            try AtomicFile.write(added, toDescriptor: descriptor!, path: path)
        } else {
            fflush(stdout)
            if let code = AtomicFile.writeAll(descriptor!, added) {
                throw FormatError(path, "cannot write to \(target.description): \(AtomicFile.describe(code))")
            }
        }
        sent = contents.count
    }
}
