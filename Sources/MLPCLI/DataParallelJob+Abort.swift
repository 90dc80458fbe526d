import Collective
// How a rank of a data-parallel job ends after an error: the command line decides who prints it.
import Formats
import Training

#if canImport(Glibc)
    import Glibc
#endif

extension DataParallelJob {
    /// After an error on this rank: its one line (prefixed with rank and host), then every rank
    /// ends with `code` (MPI_Abort). Errors every rank meets alike (a bad flag, a diverged loss) are
    /// printed by rank 0 alone: another rank gives rank 0 a moment to print and end the job, and
    /// speaks only if it is still running after that (then the error was its own).
    func abort(after error: CLIError) -> Never {
        let everyRankAlike = error.code == .usage || error.code == .diverged
        Console.flush()
        if !isRoot && everyRankAlike { sleep(3) }
        Console.err("error: \(description): \(error.message)")
        if everyRankAlike, let c = error.command, let cmd = CLI.commands.first(where: { $0.name == c }) {
            Console.err("usage: \(cmd.usage) (see 'mlp \(c) --help')")
        }
        communicator.abort(code: error.code.rawValue)
    }
}
