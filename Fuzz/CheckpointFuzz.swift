// libFuzzer target: the checkpoint loader on arbitrary bytes, along the path `mlp train --resume`
// takes: safetensors decoding (Checkpoint.read is Safetensors.read = file bytes + this decode),
// then the stored configuration and Checkpoint.resume — the session built from it on a small
// synthetic dataset, the restore — and then a few training steps from the restored position (the
// loop --resume continues with), through the Training library alone. Built by Scripts/fuzz.sh, not
// SwiftPM. (Format 1 checkpoints, whose configuration only the command line reads, end at the
// configuration with a one-line error.)
//
// A thrown TrainingError is the expected outcome for bad input and must be one line; a trap, a hang
// or a huge allocation is a finding.
import Formats
import Model
import Training

private let once: Void = { BLAS.setThreads(1) }()

/// 40 training and 20 test images of 4×4 in 10 classes, the shape of the seed dataset
/// Scripts/fuzz.sh trains its seed checkpoints on (so seeds restore fully; their "trainer.order"
/// has 40 entries). The pixel values do not matter to the loader.
private let data = TrainingData(train: synthetic(count: 40, salt: 1), test: synthetic(count: 20, salt: 2), task: .classification)

private func synthetic(count: Int, salt: Int) -> Dataset {
    let pixels = (0..<(count * 16)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ salt) }
    let labels = (0..<count).map { Int32(($0 + salt) % 10) }
    return Dataset(pixels: pixels, labels: labels, count: count, rows: 4, cols: 4)
}

private func expectOneLine(_ error: TrainingError, _ stage: String) {
    precondition(!error.description.contains("\n"), "\(stage) error is not one line: \(error)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    _ = once
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    let path = "fuzz.ckpt"
    guard let file = try? Safetensors.decode(bytes, path: path) else { return 0 }

    // The command line refuses a network that does not fit in memory (MemoryBudget.checkTraining, against
    // MemAvailable or --max-memory) before building it; a configuration may legitimately ask for up
    // to 2^20 units per layer. Here the same estimate is held to 16 MiB, far below libFuzzer's RSS
    // limit and small enough to keep executions fast: bigger networks are skipped, not built.
    let config: TrainingConfiguration
    do { config = try Checkpoint.configuration(file, path: path) } catch {
        expectOneLine(error, "config")
        return 0
    }
    let specs = config.network.specs(assuming: config.outputs ?? 10)
    guard
        let need = MemoryBudget.trainingBytes(
            inputs: 16, specs: specs, batch: config.batchSize,
            optimizerSlots: config.optimizerSlots), need <= 16 << 20
    else { return 0 }

    let session: TrainingSession
    do { session = try Checkpoint.resume(from: file, path: path, configuration: config, data: data) } catch {
        expectOneLine(error, "resume")
        return 0
    }

    // Continue as the epoch loop would, for at most three steps: also when the stored epochs are
    // done (the seeds are finished runs), as `--resume FILE --epochs MORE` does.
    let t = session.trainer
    var steps = 0
    _ = t.runEpoch(session.epoch + 1, on: session.train) { _, _, _ in
        steps += 1
        return steps >= 3 ? .stop : .proceed
    }
    precondition(t.position >= 0 && t.position <= t.stepsPerEpoch(session.train), "trainer position out of range")
    if let validation = session.validation { _ = Evaluation.run(session.network, on: validation, batchSize: config.batchSize) }
    return 0
}
