// Data-parallel steps without MPI: N ranks simulated by N threads, each with its own network built
// from the same seed, meeting in an exchange that sums their buffers in rank order. After the same
// steps every rank must hold the weights one network trains on the whole batches, to float rounding.
import Foundation
import XCTest

@testable import Model

/// N threads' rendezvous: each rank's `reduce` adds its buffer into a shared sum; the last one in
/// hands the sum back to everyone. Sums are added in rank order, so every rank gets the same bytes.
final class SimulatedRanks: @unchecked Sendable {
    let ranks: Int
    private let condition = NSCondition()
    private var buffers: [[Float]]
    private var doubles: [[Double]]
    private var arrived = 0, generation = 0
    private var result: [Float] = [], resultDoubles: [Double] = []

    init(_ ranks: Int) {
        self.ranks = ranks
        buffers = Array(repeating: [], count: ranks)
        doubles = Array(repeating: [], count: ranks)
    }

    func allreduce(rank: Int, _ values: inout [Float], _ extra: inout [Double]) {
        condition.lock()
        defer { condition.unlock() }
        let g = generation
        buffers[rank] = values
        doubles[rank] = extra
        arrived += 1
        if arrived == ranks {
            result = buffers[0]
            resultDoubles = doubles[0]
            for r in 1..<ranks {
                for i in result.indices { result[i] += buffers[r][i] }
                for i in resultDoubles.indices { resultDoubles[i] += doubles[r][i] }
            }
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == g { condition.wait() }
        }
        values = result
        extra = resultDoubles
    }

    /// One rank's view, as the training loop sees it.
    final class Rank: GradientExchange {
        let world: SimulatedRanks
        let rank: Int
        var ranks: Int { world.ranks }
        init(_ world: SimulatedRanks, _ rank: Int) {
            self.world = world
            self.rank = rank
        }

        func reduce(gradients: UnsafeMutablePointer<Float>, count: Int, totals: inout StepTotals) {
            var v = Array(UnsafeBufferPointer(start: gradients, count: count))
            var d = [totals.loss, totals.correct]
            world.allreduce(rank: rank, &v, &d)
            v.withUnsafeBufferPointer { gradients.update(from: $0.baseAddress!, count: count) }
            totals = StepTotals(loss: d[0], correct: d[1])
        }

        func sum(_ values: UnsafeMutablePointer<Float>, count: Int) {
            var v = Array(UnsafeBufferPointer(start: values, count: count))
            var d: [Double] = []
            world.allreduce(rank: rank, &v, &d)
            v.withUnsafeBufferPointer { values.update(from: $0.baseAddress!, count: count) }
        }
    }
}

final class DataParallelStepTests: XCTestCase {
    /// A small dataset: class labels, or two real-valued targets.
    func data(count: Int, features: Int, regression: Bool) -> Dataset {
        var rng = RandomGenerator(seed: 11)
        let x = (0..<(count * features)).map { _ in rng.normal() }
        let targets: Dataset.Targets =
            regression
            ? .values((0..<(count * 2)).map { _ in rng.normal() }, width: 2)
            : .classes((0..<count).map { Int32($0 % 3) })
        return Dataset(count: count, features: features, storage: .floats(x), targets: targets)
    }

    /// Trains `epochs` on `data` alone, and on `ranks` simulated ranks; returns the one network's
    /// parameters and every rank's, and the epoch results.
    func train(
        _ arch: String, ranks: Int, data: Dataset, batch: Int, epochs: Int, loss: @escaping () -> Loss,
        adam: Bool = false
    ) throws -> (one: [Float], ranks: [[Float]], oneResult: Trainer.EpochResult, rankResults: [Trainer.EpochResult]) {
        let specs = try Architecture.parse(arch)
        func make() -> Trainer {
            let net = Network(inputs: data.features, specs: specs, loss: loss(), seed: 5)
            let opt: Optimizer = adam ? Adam(network: net) : SGD(network: net, momentum: 0.9)
            return Trainer(
                network: net, optimizer: opt, schedule: LearningRateSchedule(base: 0.05), batchSize: batch,
                epochs: epochs, targetWidth: data.targetWidth, seed: 3)
        }
        let single = make()
        var oneResult: Trainer.EpochResult?
        for e in 1...epochs { oneResult = single.runEpoch(e, on: data) }
        let world = SimulatedRanks(ranks)
        final class Slot: @unchecked Sendable {
            var values: [Float] = []
            var result: Trainer.EpochResult?
        }
        let slots = (0..<ranks).map { _ in Slot() }
        let group = DispatchGroup()
        for r in 0..<ranks {
            group.enter()
            let t = make()
            t.exchange = SimulatedRanks.Rank(world, r)
            let slot = slots[r]
            Thread {
                for e in 1...epochs { slot.result = t.runEpoch(e, on: data) }
                slot.values =
                    Array(UnsafeBufferPointer(start: t.network.store.values.data, count: t.network.store.values.count))
                    + Array(UnsafeBufferPointer(start: t.network.store.state.data, count: t.network.store.state.count))
                group.leave()
            }.start()
        }
        group.wait()
        let one =
            Array(UnsafeBufferPointer(start: single.network.store.values.data, count: single.network.store.values.count))
            + Array(UnsafeBufferPointer(start: single.network.store.state.data, count: single.network.store.state.count))
        return (one, slots.map(\.values), oneResult!, slots.map { $0.result! })
    }

    func largestDifference(_ a: [Float], _ b: [Float]) -> Float {
        XCTAssertEqual(a.count, b.count)
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    func testRanksTrainTheOneProcessModelWithDropoutAndShortBatches() throws {
        // 50 rows in batches of 16: the last batch has 2 rows, so with 3 ranks one rank has none.
        let d = data(count: 50, features: 7, regression: false)
        for n in [2, 3] {
            let r = try train("12:tanh,dropout:0.25,9:relu,3", ranks: n, data: d, batch: 16, epochs: 2, loss: { SoftmaxCrossEntropy() })
            for (i, values) in r.ranks.enumerated() {
                XCTAssertLessThan(largestDifference(r.one, values), 2e-6, "\(n) ranks, rank \(i)")
                XCTAssertEqual(values, r.ranks[0], "every rank holds the same bytes")
                XCTAssertEqual(r.rankResults[i].loss, r.oneResult.loss, accuracy: 1e-5)
                XCTAssertEqual(r.rankResults[i].accuracy, r.oneResult.accuracy, "the correct counts are summed")
                XCTAssertEqual(r.rankResults[i].samples, 50)
            }
        }
    }

    func testRanksTrainTheOneProcessRegressionWithAdam() throws {
        let d = data(count: 40, features: 5, regression: true)
        let r = try train("10:gelu,2", ranks: 2, data: d, batch: 8, epochs: 3, loss: { HuberLoss() }, adam: true)
        XCTAssertLessThan(largestDifference(r.one, r.ranks[1]), 2e-6)
        XCTAssertEqual(r.ranks[0], r.ranks[1])
    }

    /// Batch norm normalizes each rank's rows by their own statistics (as DDP without SyncBatchNorm),
    /// so the model differs from one process's; but the running statistics are averaged over the
    /// ranks at the end of the epoch, so every rank holds the same model.
    func testBatchNormRanksEndWithTheSameAveragedState() throws {
        let d = data(count: 48, features: 6, regression: false)
        let r = try train("10,batchnorm,relu,3", ranks: 2, data: d, batch: 16, epochs: 1, loss: { SoftmaxCrossEntropy() })
        XCTAssertEqual(r.ranks[0], r.ranks[1])
        XCTAssertGreaterThan(largestDifference(r.one, r.ranks[0]), 1e-6, "per-rank batch statistics: not the one-process model")
        XCTAssertLessThan(largestDifference(r.one, r.ranks[0]), 0.5, "but close to it")
    }
}
