// SIGINT and SIGTERM during training: the first asks the loop to stop after the current step
// (it then writes a checkpoint and exits 130); a second exits at once, touching no file.
import Formats
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// How many interrupt signals have arrived. Written from the signal handler: an atomic, which is
/// lock-free and so async-signal-safe.
let interruptSignals = Atomic<Int>(0)

enum Interrupts {
    /// Installs the handlers. Call once, before the training loop.
    static func install() {
        let handler: @convention(c) (Int32) -> Void = { _ in
            if interruptSignals.add(1, ordering: .relaxed).newValue >= 2 {
                let msg = "\nmlp: interrupted again; exiting now without writing anything\n"
                _ = msg.withCString { write(2, $0, strlen($0)) }
                _exit(130)
            }
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    /// Whether an interrupt is pending.
    static var requested: Bool { interruptSignals.load(ordering: .relaxed) > 0 }
}
