// Whether Open MPI can be loaded, for `mlp --version` (never on the way to training).
import CMPI

public enum MPILibrary {
    /// "Open MPI v4.1.4, …" (the first line of MPI_Get_library_version), or why the library could
    /// not be loaded.
    public static func describe(_ library: String = MPICommunicator.libraryName) -> (loaded: Bool, text: String) {
        var text = [CChar](repeating: 0, count: 8192)
        let ok = mlp_mpi_library_version(library, &text, text.count) == 0
        let s = String(cString: text)
        let first = s.split(separator: "\n").first.map(String.init) ?? s
        return (ok, first.split(separator: ",").prefix(2).joined(separator: ",").trimmingCharacters())
    }
}

extension String {
    fileprivate func trimmingCharacters() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " || s.last == "\n" { s.removeLast() }
        return String(s)
    }
}
