import Formats
// The Training library as a program uses it, without the command line: a configuration, a
// session on in-memory data, a checkpoint written when the run is stopped, and a new session
// resumed from that file, which must end with exactly the tensors of a run never stopped.
import Foundation
import Model
import Training
import XCTest

final class ResumeTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("training-tests-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        BLAS.setThreads(1)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// `count` images of 15×20 pixels in 4 classes, from a seeded generator.
    static func images(_ count: Int, seed: UInt64) -> Dataset {
        var rng = RandomGenerator(seed: seed)
        let pixels = (0..<(count * 300)).map { _ in UInt8(rng.uniform(0, 255.99)) }
        let labels = (0..<count).map { _ in Int32(rng.uniform(0, 3.99)) }
        return Dataset(pixels: pixels, labels: labels, count: count, rows: 15, cols: 20)
    }

    let data = TrainingData(train: images(88, seed: 11), test: images(24, seed: 12), task: .classification)

    /// SGD with momentum on 300-256-4: the first weight has 76,800 values, so the fused step keeps
    /// its momentum buffer scaled (SGD.scaledFrom); 88 examples in batches of 16 end each epoch
    /// with a short batch of 8.
    func configuration(_ optimizer: OptimizerKind = .sgd) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.network = .hidden([256], .relu)
        c.optimizer = optimizer
        c.lr = optimizer == .sgd ? 0.05 : 0.002
        c.batchSize = 16
        c.epochs = 3
        c.seed = 3
        return c
    }

    /// Every parameter, state and optimizer value of a session, as bits.
    func bits(_ s: TrainingSession) -> [UInt32] {
        var out = s.network.store.tensors.flatMap { t in (0..<t.count).map { t.value[$0].bitPattern } }
        for (_, buffer) in s.optimizer.state { out += (0..<buffer.count).map { buffer.data[$0].bitPattern } }
        return out
    }

    /// Stops a session after `steps` steps (counted across epochs).
    final class StopAfter: SessionObserver {
        let steps: Int
        var seen = 0
        init(_ steps: Int) { self.steps = steps }
        func stepFinished(_ session: TrainingSession, epoch: Int, done: Int, total: Int, elapsed: Double) { seen += 1 }
        var reached: Bool { seen >= steps }
    }

    /// A run stopped after `steps` steps and saved; `change` may rewrite its file (given the
    /// stopped session) before it is resumed: the resumed run's final bits.
    func interruptedAndResumed(
        after steps: Int, _ config: TrainingConfiguration,
        change: (inout SafetensorsFile, TrainingSession) throws -> Void = { _, _ in }
    ) throws -> [UInt32] {
        let path = dir.appendingPathComponent("stopped-\(steps).ckpt").path
        let first = try TrainingSession(config: config, data: data)
        let stop = StopAfter(steps)
        first.observers = [stop]
        first.shouldStop = { stop.reached }
        guard case .interrupted = try first.run() else {
            XCTFail("the run was not stopped")
            return []
        }
        try Checkpoint.save(first, to: path)
        var changed = try Checkpoint.read(path)
        try change(&changed, first)
        try Safetensors.write(changed, to: path)

        let file = try Checkpoint.read(path)
        let stored = try Checkpoint.configuration(file, path: path)
        XCTAssertEqual(stored, config, "the checkpoint keeps the configuration")
        let resumed = try Checkpoint.resume(from: file, path: path, configuration: stored, data: data)
        guard case .finished = try resumed.run() else {
            XCTFail("the resumed run did not finish")
            return []
        }
        XCTAssertEqual(resumed.epoch, config.epochs)
        return bits(resumed)
    }

    func testAStoppedRunResumedFromItsCheckpointEndsAsAnUninterruptedOne() throws {
        for optimizer in [OptimizerKind.sgd, .adam] {
            let config = configuration(optimizer)
            let whole = try TrainingSession(config: config, data: data)
            guard case .finished = try whole.run() else { return XCTFail("the run did not finish") }
            let expected = bits(whole)
            // Mid-epoch (step 8 of the second epoch's 6, after the first's 6) and right after the
            // short last batch of an epoch.
            for steps in [8, 12] {
                let got = try interruptedAndResumed(after: steps, config)
                XCTAssertEqual(got.count, expected.count)
                XCTAssertTrue(
                    got == expected,
                    "\(optimizer), stopped after \(steps) steps: \(zip(got, expected).filter { $0 != $1 }.count) values differ")
            }
        }
    }

    /// The first weight's momentum buffer as the stopped session keeps it (μ·v after fused steps).
    func liveMomentum(_ s: TrainingSession) throws -> (values: [Float], mu: Float, scaled: Bool) {
        let sgd = try XCTUnwrap(s.optimizer as? SGD)
        let weight = s.network.store.parameters[0]
        let buffer = try XCTUnwrap(sgd.state.first?.buffer)
        return ((0..<weight.count).map { buffer.data[weight.offset + $0] }, sgd.momentum, sgd.momentumBufferScaled)
    }

    func testTheCheckpointStoresThePlainMomentumBuffer() throws {
        // The fused step keeps μ·v in the large weight's buffer; the file holds v, a v that gives
        // that buffer back exactly (within an ulp of buffer/μ), and no word of how it was kept.
        let config = configuration()
        _ = try interruptedAndResumed(after: 8, config) { file, stopped in
            let live = try self.liveMomentum(stopped)
            XCTAssertTrue(live.scaled, "the fused steps kept μ·v")
            XCTAssertGreaterThanOrEqual(live.values.count, SGD.scaledFrom)
            XCTAssertEqual(file.metadataValue(for: "format_version"), "4")
            XCTAssertNil(file.metadataValue(for: "momentum_buffer_scaled"))
            let stored = try XCTUnwrap(file.tensor("optimizer.momentum_buffer.0")).values
            XCTAssertEqual(stored.count, live.values.count)
            XCTAssertTrue(live.values.contains { $0 != 0 })
            for (v, u) in zip(stored, live.values) {
                XCTAssertEqual((live.mu * v).bitPattern, u.bitPattern, "μ·v gives the buffer back")
                XCTAssertLessThanOrEqual(abs(v - u / live.mu), (u / live.mu).ulp)
            }
        }
    }

    func testAFormatThreeCheckpointWithScaledBuffersStillResumes() throws {
        // What mlp wrote before format 4: the buffer as kept (μ·v), with momentum_buffer_scaled 1.
        let config = configuration()
        let whole = try TrainingSession(config: config, data: data)
        _ = try whole.run()
        let got = try interruptedAndResumed(after: 8, config) { file, stopped in
            let live = try self.liveMomentum(stopped)
            file.tensors = file.tensors.map { t in
                t.name == "optimizer.momentum_buffer.0" ? SafetensorsTensor(name: t.name, shape: t.shape, values: live.values) : t
            }
            file.metadata = file.metadata.map { $0.0 == "format_version" ? ($0.0, "3") : $0 } + [("momentum_buffer_scaled", "1")]
        }
        XCTAssertTrue(got == bits(whole))
    }

    func testACheckpointEveryEpochExtendsToMoreEpochs() throws {
        // Two epochs with a checkpoint after each, then the same file resumed for a third epoch:
        // the three-epoch run's tensors.
        let path = dir.appendingPathComponent("every-epoch.ckpt").path
        var short = configuration()
        short.epochs = 2
        let first = try TrainingSession(config: short, data: data)
        first.observers = [CheckpointObserver(path: path, out: nil)]
        guard case .finished = try first.run() else { return XCTFail("the run did not finish") }

        let file = try Checkpoint.read(path)
        var config = try Checkpoint.configuration(file, path: path)
        config.epochs = 3
        let resumed = try Checkpoint.resume(from: file, path: path, configuration: config, data: data)
        XCTAssertEqual(resumed.epoch, 2)
        _ = try resumed.run()

        let whole = try TrainingSession(config: configuration(), data: data)
        _ = try whole.run()
        XCTAssertTrue(bits(resumed) == bits(whole))
        XCTAssertEqual(resumed.history.count, 3, "the history goes on from the checkpoint's")
    }

    func testErrorsNameSettingsNotFlags() throws {
        var config = configuration()
        config.earlyStopping = .init(metric: .valR2, patience: 2)
        XCTAssertThrowsError(try TrainingSession(config: config, data: data)) { e in
            guard let e = e as? TrainingError else { return XCTFail("\(e)") }
            XCTAssertTrue(e.isSettingError)
            XCTAssertEqual(e.description, "monitor val_r2 watches a regression; a classification has val_loss and val_accuracy")
            XCTAssertEqual(
                e.message(naming: { "--\($0.rawValue)" }, table: { $0.rawValue }),
                "--monitor val_r2 watches a regression; a classification has val_loss and val_accuracy")
        }
    }
}
