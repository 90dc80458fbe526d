// When stdout is a regular file (`mlp predict ... > preds.csv`), a command that fails takes back what
// it wrote there: the file is cut back to where this process began writing, so a failure never leaves
// a header, or half the rows, that a script could take for a result (unless others wrote to the file
// too). A pipe or a terminal has already passed on what it was given; only the error line says the
// output is incomplete.
import Formats

#if canImport(Glibc)
    import Glibc
#endif

enum StandardOutputFile {
    /// Where this process began writing in the file on stdout (nil: stdout is not a regular file).
    nonisolated(unsafe) private static var start: off_t?
    /// Bytes this process has given stdout through Console.out.
    nonisolated(unsafe) static var written = 0

    /// Notes where writing begins; called before a command writes anything.
    static func remember() {
        var st = stat()
        guard fstat(1, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return }
        // Appending (>>) writes at the end whatever the offset says.
        let flags = fcntl(1, F_GETFL)
        let offset = flags >= 0 && flags & O_APPEND != 0 ? st.st_size : lseek(1, 0, SEEK_CUR)
        start = offset >= 0 ? offset : nil
    }

    /// After a failure: cuts the file back to where writing began (after flushing what stdio holds),
    /// only when the file holds exactly what this process wrote after that point. When another
    /// process appended to it meanwhile (`mlp predict … >> all.csv` run in parallel), or bytes went
    /// out some other way, it is left alone: their output is not ours to cut.
    static func takeBack() {
        guard let start, written > 0 else { return }
        fflush(stdout)
        var st = stat()
        guard fstat(1, &st) == 0, st.st_size == start + off_t(written) else { return }
        if ftruncate(1, start) == 0 { lseek(1, start, SEEK_SET) }
    }
}
