// libFuzzer target: the checkpoint loader on arbitrary bytes, along the path `mlp train --resume`
// takes: safetensors decoding (Checkpoint.read is Safetensors.read = file bytes + this decode),
// Checkpoint.config, the stored flags parsed into TrainingOptions, the validation split, a
// TrainingRun built on a small synthetic dataset, Checkpoint.restore, and then a few training
// steps from the restored position (the loop --resume continues with). Compiled into one module
// with Sources/MLPCLI so the internal types are reachable. Built by Scripts/fuzz.sh, not SwiftPM.
//
// A thrown CLIError is the expected outcome for bad input and must be one line; a trap, a hang or
// a huge allocation is a finding.
import Formats
import Model

private let once: Void = { BLAS.setThreads(1) }()

/// 40 training and 20 test images of 4×4, the shape of the seed dataset Scripts/fuzz.sh trains its
/// seed checkpoints on (so seeds restore fully; their "trainer.order" has 40 entries). The pixel
/// values do not matter to the loader.
private let train = synthetic(count: 40, salt: 1)
private let test = synthetic(count: 20, salt: 2)

private func synthetic(count: Int, salt: Int) -> Dataset {
    let pixels = (0..<(count * 16)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ salt) }
    let labels = (0..<count).map { UInt8(($0 + salt) % 10) }
    return Dataset(pixels: pixels, labels: labels, count: count, rows: 4, cols: 4)
}

private func expectOneLine(_ error: CLIError, _ stage: String) {
    precondition(!error.message.contains("\n"), "\(stage) error is not one line: \(error.message)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    _ = once
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    let path = "fuzz.ckpt"
    guard let file = try? Safetensors.decode(bytes, path: path) else { return 0 }

    // As TrainCommand.run: the stored flags become the arguments (no --epochs given on resume).
    let opts: TrainingOptions, args: Arguments
    do {
        let stored = try Checkpoint.config(file, path: path)
        var list: [String] = []
        for (k, v) in stored { list += ["--\(k)", v] }
        args = try Arguments(list[...], flags: TrainCommand.flags, command: "train")
        opts = try TrainingOptions(args, classes: 10)
    } catch {
        expectOneLine(error, "config")
        return 0
    }
    // The CLI refuses a network that does not fit in memory (MemoryBudget.checkTraining, against
    // MemAvailable or --max-memory) before building it; a config may legitimately ask for up to
    // 2^20 units per layer. Here the same estimate is held to 16 MiB, far below libFuzzer's RSS
    // limit and small enough to keep executions fast: bigger networks are skipped, not built.
    let slots = opts.optimizer == .adam || opts.optimizer == .adamw ? 2 : (opts.momentum > 0 ? 1 : 0)
    guard let need = MemoryBudget.trainingBytes(inputs: train.features, specs: opts.specs, batch: opts.batchSize,
                                                optimizerSlots: slots), need <= 16 << 20 else { return 0 }

    let config = TrainingOptions.configFlags.compactMap { f in args.string(f).map { (f, $0) } }
    var trainSet = train, validation: Dataset?
    if let f = opts.validationSplit {
        do { (trainSet, validation) = try TrainingRun.split(train, fraction: f, seed: opts.seed) } catch {
            expectOneLine(error, "split")
            return 0
        }
    }
    let run = TrainingRun(opts: opts, config: config, train: trainSet, validation: validation, test: test)
    do { try Checkpoint.restore(file, into: run, path: path) } catch {
        precondition(error.code == .dataError, "restore error is not a data error: \(error.message)")
        expectOneLine(error, "restore")
        return 0
    }

    // Continue as the epoch loop would, for at most three steps: also when the stored epochs are
    // done (the seeds are finished runs), as `--resume FILE --epochs MORE` does.
    let t = run.trainer
    var steps = 0
    _ = t.runEpoch(run.epoch + 1, on: trainSet) { _, _, _ in
        steps += 1
        return steps >= 3 ? .stop : .proceed
    }
    precondition(t.position >= 0 && t.position <= t.stepsPerEpoch(trainSet), "trainer position out of range")
    if let validation { _ = Evaluation.run(run.network, on: validation, scale: run.scale, batchSize: opts.batchSize) }
    return 0
}
