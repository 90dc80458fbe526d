// A test-only driver around the command line: `MLPTestDriver [--interrupt-after STEP[,STEP...]]
// [--signal INT|TERM] [--step-delay-ms MS] ARGS...` runs `mlp ARGS...` with a training-step hook
// that sends this process the signal (SIGINT by default) after each listed global step (two equal
// steps: two signals at once), and that sleeps MS milliseconds after every step. The interruption tests get their signal at a known step,
// through the real signal handlers, without a test hook in the `mlp` binary. Never installed.
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

var args = Array(CommandLine.arguments.dropFirst())
var steps: [Int] = [], signal = SIGINT, delay: UInt32 = 0
while let first = args.first, ["--interrupt-after", "--signal", "--step-delay-ms"].contains(first) {
    guard args.count >= 2 else { fputs("MLPTestDriver: \(first) needs a value\n", stderr); exit(2) }
    switch first {
    case "--interrupt-after": steps = args[1].split(separator: ",").compactMap { Int($0) }
    case "--signal": signal = args[1] == "TERM" ? SIGTERM : SIGINT
    default: delay = (UInt32(args[1]) ?? 0) * 1000
    }
    args.removeFirst(2)
}
exit(CLI.main(args, trainingHooks: [Interrupter(steps: steps, signal: signal, delayMicroseconds: delay)]))
