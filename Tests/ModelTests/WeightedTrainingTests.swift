// Weighted training: the batch gather's weights, the trainer's weighted step and epoch loss, class
// weights, and data-parallel ranks that share a weighted batch.
import Foundation
import XCTest

@testable import Model

final class WeightedTrainingTests: XCTestCase {
    func data(count: Int, features: Int, classes: Int = 3, regression: Bool = false, seed: UInt64 = 11) -> Dataset {
        var rng = RandomGenerator(seed: seed)
        let x = (0..<(count * features)).map { _ in rng.normal() }
        let targets: Dataset.Targets =
            regression
            ? .values((0..<(count * 2)).map { _ in rng.normal() }, width: 2)
            : .classes((0..<count).map { Int32(($0 * 7) % classes) })
        return Dataset(count: count, features: features, storage: .floats(x), targets: targets)
    }

    func parameters(_ t: Trainer) -> [Float] {
        Array(UnsafeBufferPointer(start: t.network.store.values.data, count: t.network.store.values.count))
    }

    func trainer(_ d: Dataset, batch: Int, loss: Loss = SoftmaxCrossEntropy(), seed: UInt64 = 5) throws -> Trainer {
        let net = Network(
            inputs: d.features, specs: try Architecture.parse("8:tanh,\(d.targetWidth > 0 ? d.targetWidth : 3)"), loss: loss, seed: seed)
        return Trainer(
            network: net, optimizer: SGD(network: net, momentum: 0), schedule: LearningRateSchedule(base: 0.1), batchSize: batch,
            epochs: 1, targetWidth: d.targetWidth, seed: 3)
    }

    func testGatherWeightsMultipliesExampleAndClassWeights() {
        let d = data(count: 6, features: 2).weighted([1, 2, 0, 0.5, 3, 1])
        let labels = d.labels  // 0, 1, 2, 0, 1, 2
        var out = [Float](repeating: -1, count: 4)
        let idx: [Int32] = [4, 0, 2, 3]
        let sum = idx.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer {
                d.gatherWeights(i.baseAddress!, count: 4, classWeights: [10, 20, 30], into: $0.baseAddress!)
            }
        }
        XCTAssertEqual(labels, [0, 1, 2, 0, 1, 2])
        XCTAssertEqual(out, [3 * 20, 1 * 10, 0, 0.5 * 10])
        XCTAssertEqual(sum, 75)
        let plain = data(count: 6, features: 2)
        _ = idx.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { plain.gatherWeights(i.baseAddress!, count: 4, classWeights: nil, into: $0.baseAddress!) }
        }
        XCTAssertEqual(out, [1, 1, 1, 1])
        // The weights follow the examples into subsets.
        XCTAssertEqual(d.subset([4, 1]).weights, [3, 2])
    }

    /// One whole-batch SGD step on weighted examples is the step on the data with each example
    /// repeated as many times as its weight, and the epoch's loss is the weighted mean.
    func testWeightedStepIsTheStepOnRepeatedExamples() throws {
        let base = data(count: 5, features: 4)
        let counts: [Float] = [2, 1, 0, 3, 1]
        let weighted = base.weighted(counts)
        var repeatedIndices: [Int32] = []
        for (i, c) in counts.enumerated() { repeatedIndices += Array(repeating: Int32(i), count: Int(c)) }
        let repeated = base.subset(repeatedIndices[...])
        let a = try trainer(weighted, batch: 5)
        let b = try trainer(repeated, batch: repeated.count)
        let ra = a.runEpoch(1, on: weighted)!
        let rb = b.runEpoch(1, on: repeated)!
        XCTAssertEqual(ra.loss, rb.loss, accuracy: 1e-6)
        XCTAssertEqual(a.weightSum, 7)
        let pa = parameters(a)
        let pb = parameters(b)
        for i in pa.indices { XCTAssertEqual(pa[i], pb[i], accuracy: 1e-6) }
        // The same holds for a regression loss.
        let reg = data(count: 5, features: 4, regression: true)
        let rIdx = repeatedIndices[...]
        let c = try trainer(reg.weighted(counts), batch: 5, loss: MeanSquaredError())
        let e = try trainer(reg.subset(rIdx), batch: 7, loss: MeanSquaredError())
        XCTAssertEqual(c.runEpoch(1, on: reg.weighted(counts))!.loss, e.runEpoch(1, on: reg.subset(rIdx))!.loss, accuracy: 1e-5)
        let pc = parameters(c)
        let pe = parameters(e)
        for i in pc.indices { XCTAssertEqual(pc[i], pe[i], accuracy: 1e-6) }
    }

    /// Class weights are example weights by class; with several batches, the epoch's loss is
    /// Σ batch loss·batch weight / Σ weight.
    func testClassWeightsAreExampleWeightsByClass() throws {
        let d = data(count: 20, features: 3)
        let cw: [Float] = [2, 0.5, 1]
        let a = try trainer(d, batch: 6)
        a.classWeights = cw
        let byExample = d.weighted(ClassWeights.exampleWeights(labels: d.labels, classWeights: cw, sampleWeights: nil))
        let b = try trainer(byExample, batch: 6)
        var losses: [Float] = []
        var weights: [Double] = []
        let ra = a.runEpoch(1, on: d)!
        let rb = b.runEpoch(1, on: byExample) { _, _, r in
            losses.append(r.loss)
            return .proceed
        }!
        XCTAssertEqual(parameters(a), parameters(b), "the same weights reach the loss")
        XCTAssertEqual(ra.loss, rb.loss)
        // Recompute the epoch's loss from the steps: the batches' weights in the trainer's order.
        let c = try trainer(byExample, batch: 6)
        _ = c.runEpoch(1, on: byExample)
        for s in 0..<c.stepsPerEpoch(byExample) {
            let rows = c.order[(s * 6)..<min(20, (s + 1) * 6)]
            weights.append(rows.reduce(0.0) { $0 + Double(byExample.weights![Int($1)]) })
        }
        let expected = zip(losses, weights).reduce(0.0) { $0 + Double($1.0) * $1.1 } / weights.reduce(0, +)
        XCTAssertEqual(Double(rb.loss), expected, accuracy: 1e-6)
        XCTAssertEqual(a.epochLoss, expected, accuracy: 1e-6)
    }

    /// Without weights the trainer takes the unweighted path: the weight sum stays 0 and the loss is
    /// the mean over rows; with weights of 1 everywhere it reaches the same model.
    func testUnitWeightsMatchTheUnweightedRun() throws {
        let d = data(count: 30, features: 4)
        let a = try trainer(d, batch: 8)
        let b = try trainer(d.weighted([Float](repeating: 1, count: 30)), batch: 8)
        let ra = a.runEpoch(1, on: d)!
        let rb = b.runEpoch(1, on: d.weighted([Float](repeating: 1, count: 30)))!
        XCTAssertEqual(a.weightSum, 0)
        XCTAssertEqual(b.weightSum, 30)
        XCTAssertEqual(ra.loss, rb.loss, accuracy: 1e-6)
        let pa = parameters(a)
        let pb = parameters(b)
        for i in pa.indices { XCTAssertEqual(pa[i], pb[i], accuracy: 1e-6) }
    }

    /// Ranks that each compute their share of a weighted batch end with the one-process model: each
    /// rank's gradient counts by its rows' share of the batch's weight, and the loss is the batch's.
    func testRanksTrainTheOneProcessWeightedModel() throws {
        var rng = RandomGenerator(seed: 2)
        let weights: [Float] = (0..<50).map { i in i % 7 == 0 ? 0 : 0.25 + 2 * rng.uniform() }
        let d = data(count: 50, features: 6).weighted(weights)
        let classWeights: [Float] = [1, 3, 0.5]
        func make() throws -> Trainer {
            let t = try trainer(d, batch: 16)
            t.classWeights = classWeights
            return t
        }
        let single = try make()
        var one: Trainer.EpochResult?
        for e in 1...2 { one = single.runEpoch(e, on: d) }
        for n in [2, 3] {
            let world = SimulatedRanks(n)
            final class Slot: @unchecked Sendable {
                var values: [Float] = []
                var result: Trainer.EpochResult?
            }
            let slots = (0..<n).map { _ in Slot() }
            let group = DispatchGroup()
            for r in 0..<n {
                group.enter()
                let t = try make()
                t.exchange = SimulatedRanks.Rank(world, r)
                let slot = slots[r]
                Thread {
                    for e in 1...2 { slot.result = t.runEpoch(e, on: d) }
                    slot.values = Array(UnsafeBufferPointer(start: t.network.store.values.data, count: t.network.store.values.count))
                    group.leave()
                }.start()
            }
            group.wait()
            let p = parameters(single)
            for (r, slot) in slots.enumerated() {
                XCTAssertEqual(slot.values, slots[0].values, "every rank holds the same bytes")
                for i in p.indices { XCTAssertEqual(slot.values[i], p[i], accuracy: 2e-6, "\(n) ranks, rank \(r)") }
                XCTAssertEqual(slot.result!.loss, one!.loss, accuracy: 1e-5)
            }
        }
    }
}
