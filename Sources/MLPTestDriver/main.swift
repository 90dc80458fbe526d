// A test-only driver around the command line: `MLPTestDriver [--interrupt-after STEP[,STEP...]]
// [--signal INT|TERM|KILL] [--step-delay-ms MS] [--kill-at-file-size BYTES] ARGS...` runs
// `mlp ARGS...` with a training-step hook that sends this process the signal (SIGINT by default)
// after each listed global step (two equal steps: two signals at once), and that sleeps MS
// milliseconds after every step (a steady pace for the tests of the progress display's timing).
// The interruption tests get their signal at a known step, through the real signal handlers, without
// a test hook in the `mlp` binary. `--kill-at-file-size` kills the process with SIGKILL at the write
// that would take a file past BYTES bytes (RLIMIT_FSIZE, whose SIGXFSZ is turned into SIGKILL): a
// kill inside a save, at a chosen byte. Never installed.
import Glibc
import MLPCLI

final class Interrupter: TrainingStepHook {
    let steps: [Int]
    let signal: Int32
    let delayMicroseconds: UInt32

    init(steps: [Int], signal: Int32, delayMicroseconds: UInt32) {
        self.steps = steps
        self.signal = signal
        self.delayMicroseconds = delayMicroseconds
    }

    func stepFinished(epoch: Int, step: Int) {
        if delayMicroseconds > 0 { usleep(delayMicroseconds) }
        for s in steps where s == step { raise(signal) }
    }
}

/// Past `bytes` bytes, a write to a regular file raises SIGXFSZ (after a last short write up to the
/// limit), whose handler ends the process as SIGKILL would: nothing else runs.
func killAtFileSize(_ bytes: UInt64) {
    var limit = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
    guard setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit) == 0 else {
        fputs("MLPTestDriver: cannot set RLIMIT_FSIZE\n", stderr)
        exit(2)
    }
    Glibc.signal(SIGXFSZ) { _ in _ = raise(SIGKILL) }
}

var args = Array(CommandLine.arguments.dropFirst())
var steps: [Int] = []
var signal = SIGINT
var delay: UInt32 = 0
while let first = args.first, ["--interrupt-after", "--signal", "--step-delay-ms", "--kill-at-file-size"].contains(first) {
    guard args.count >= 2 else {
        fputs("MLPTestDriver: \(first) needs a value\n", stderr)
        exit(2)
    }
    switch first {
    case "--interrupt-after": steps = args[1].split(separator: ",").compactMap { Int($0) }
    case "--signal": signal = ["TERM": SIGTERM, "KILL": SIGKILL][args[1]] ?? SIGINT
    case "--kill-at-file-size":
        guard let bytes = UInt64(args[1]) else {
            fputs("MLPTestDriver: --kill-at-file-size needs a byte count\n", stderr)
            exit(2)
        }
        killAtFileSize(bytes)
    default: delay = (UInt32(args[1]) ?? 0) * 1000
    }
    args.removeFirst(2)
}
exit(CLI.main(args, trainingHooks: [Interrupter(steps: steps, signal: signal, delayMicroseconds: delay)]))
