// When stdout is a regular file (`mlp predict ... > preds.csv`), a command that fails takes back what
// it wrote there: the file is cut back to where this process began writing, so a failure never leaves
// a header, or half the rows, that a script could take for a result. A pipe or a terminal has already
// passed on what it was given; only the error line says the output is incomplete.
#if canImport(Glibc)
import Glibc
#endif

enum StandardOutputFile {
    /// Where this process began writing in the file on stdout (nil: stdout is not a regular file).
    nonisolated(unsafe) private static var start: off_t?

    /// Notes where writing begins; called before a command writes anything.
    static func remember() {
        var st = stat()
        guard fstat(1, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return }
        // Appending (>>) writes at the end whatever the offset says.
        let flags = fcntl(1, F_GETFL)
        let offset = flags >= 0 && flags & O_APPEND != 0 ? st.st_size : lseek(1, 0, SEEK_CUR)
        start = offset >= 0 ? offset : nil
    }

    /// After a failure: cuts the file back to where writing began (after flushing what stdio holds).
    static func takeBack() {
        guard let start else { return }
        fflush(stdout)
        if ftruncate(1, start) == 0 { lseek(1, start, SEEK_SET) }
    }
}
