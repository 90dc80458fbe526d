// The width of the terminal that standard error shows on, for the progress bar: asked of the
// terminal (TIOCGWINSZ), else $COLUMNS, else 80; asked again after the terminal says it was
// resized (SIGWINCH, whose handler only raises a flag the next redraw looks at).
import Formats
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Set by the SIGWINCH handler, cleared by the redraw that reads the new width. An atomic, which is
/// lock-free and so async-signal-safe.
let terminalResized = Atomic<Bool>(false)

enum TerminalWidth {
    /// Columns of the terminal on stderr: TIOCGWINSZ, else $COLUMNS, else 80.
    static func read() -> Int {
        var size = winsize()
        if ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return fallback(columns: Console.env("COLUMNS"))
    }

    /// $COLUMNS when it is a positive whole number, else 80.
    static func fallback(columns: String?) -> Int {
        if let c = columns.flatMap({ Int($0) }), c > 0 { return c }
        return 80
    }

    /// Installs the SIGWINCH handler (once is enough; installing it again changes nothing).
    static func watchResizes() {
        let handler: @convention(c) (Int32) -> Void = { _ in terminalResized.store(true, ordering: .relaxed) }
        signal(SIGWINCH, handler)
    }

    /// Whether the terminal was resized since the last call.
    static func takeResize() -> Bool { terminalResized.exchange(false, ordering: .relaxed) }
}
