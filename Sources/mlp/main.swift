// The mlp executable: the command line lives in MLPCLI (on the libraries beneath it), so that tests
// and the test driver can reach it.
import MLPCLI

#if canImport(Glibc)
    import Glibc
#endif

exit(CLI.main(Array(CommandLine.arguments.dropFirst())))
