// The mlp executable: everything lives in MLPCLI so that tests can reach it.
import MLPCLI
#if canImport(Glibc)
import Glibc
#endif

exit(CLI.main(Array(CommandLine.arguments.dropFirst())))
