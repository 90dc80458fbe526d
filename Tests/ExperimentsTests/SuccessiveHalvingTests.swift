// Asynchronous successive halving, driven by hand: budgets that grow by η, a rung's best promoted
// as soon as the rung has η results (before the next trial starts), promotions that continue from
// the rung's checkpoint, folds averaged, and a search put back from its results.
import Experiments
import Formats
import Model
import Training
import XCTest

final class SuccessiveHalvingTests: XCTestCase {
    func trials(_ n: Int) -> [SuccessiveHalving.Trial] {
        var c = TrainingConfiguration()
        c.epochs = 9
        return (0..<n).map { SuccessiveHalving.Trial(index: $0, parameters: [("lr", "\($0)")], config: c) }
    }

    /// An outcome whose last epoch has validation accuracy `accuracy`.
    func outcome(_ job: TrainingJob, accuracy: Float) -> JobOutcome {
        var o = JobOutcome(id: job.id, status: .finished, epochs: job.epochs, seconds: 1)
        o.history = (1...job.epochs).map { e in
            EpochStats(
                epoch: e, step: e, learningRate: 0.1, loss: 1, accuracy: nil,
                validation: SetMetrics(loss: 1 - accuracy, accuracy: accuracy), test: nil, seconds: 1, samplesPerSecond: 1,
                gradientNorms: [])
        }
        return o
    }

    func testBudgetsGrowByEtaUpToTheEpochs() {
        XCTAssertEqual(SuccessiveHalving.budgets(minEpochs: 1, maxEpochs: 9, eta: 3), [1, 3, 9])
        XCTAssertEqual(SuccessiveHalving.budgets(minEpochs: 1, maxEpochs: 27, eta: 3), [1, 3, 9, 27])
        XCTAssertEqual(SuccessiveHalving.budgets(minEpochs: 2, maxEpochs: 18, eta: 3), [2, 6, 18])
        XCTAssertEqual(SuccessiveHalving.budgets(minEpochs: 5, maxEpochs: 5, eta: 3), [5], "min = max: no halving")
        XCTAssertEqual(SuccessiveHalving.budgets(minEpochs: 1, maxEpochs: 10, eta: 2), [1, 2, 4, 10])
    }

    func testTheBestOfARungIsPromotedAsSoonAsTheRungHasEtaResults() throws {
        let s = SuccessiveHalving(trials: trials(9), minEpochs: 1, eta: 3, objective: "val_accuracy", checkpoints: "/tmp/ckpt")
        XCTAssertEqual(s.budgets, [1, 3, 9])
        // Three trials start on one epoch.
        var jobs = (0..<3).map { _ in s.nextJob()! }
        XCTAssertEqual(jobs.map { s.unit(of: $0.id).trial }, [0, 1, 2])
        XCTAssertTrue(jobs.allSatisfy { $0.epochs == 1 && $0.resume == nil })
        s.record(outcome(jobs[0], accuracy: 0.5), of: jobs[0])
        s.record(outcome(jobs[1], accuracy: 0.9), of: jobs[1])
        // Two results: ⌊2/3⌋ = 0 promotions, so the next trial starts.
        let fourth = try XCTUnwrap(s.nextJob())
        XCTAssertEqual(s.unit(of: fourth.id).trial, 3)
        s.record(outcome(jobs[2], accuracy: 0.7), of: jobs[2])
        // Three results: trial 1 (0.9) goes on to three epochs, from its rung-0 checkpoint.
        let promoted = try XCTUnwrap(s.nextJob())
        XCTAssertEqual(s.unit(of: promoted.id).trial, 1)
        XCTAssertEqual(s.unit(of: promoted.id).rung, 1)
        XCTAssertEqual(promoted.epochs, 3)
        XCTAssertEqual(promoted.resume, s.checkpoint(trial: 1, rung: 0, fold: 0))
        XCTAssertEqual(promoted.checkpoint, s.checkpoint(trial: 1, rung: 1, fold: 0))
        // Nobody else is in the top third yet: a new trial.
        XCTAssertEqual(s.unit(of: try XCTUnwrap(s.nextJob()).id).trial, 4)
        jobs = [promoted]
        s.record(outcome(promoted, accuracy: 0.95), of: promoted)
        XCTAssertEqual(s.best?.trial, 1)
        XCTAssertEqual(s.best?.rung, 1)
        XCTAssertEqual(s.best?.curve.count, 3, "the curve holds every epoch from the trial's start")
    }

    func testAMinimizedObjectivePromotesTheLowest() throws {
        let s = SuccessiveHalving(trials: trials(3), minEpochs: 1, eta: 3, objective: "val_loss", checkpoints: "/tmp/ckpt")
        let jobs = (0..<3).map { _ in s.nextJob()! }
        for (j, a) in zip(jobs, [Float(0.2), 0.6, 0.4]) { s.record(outcome(j, accuracy: a), of: j) }
        // val_loss = 1 - accuracy: trial 1's 0.4 is the lowest.
        XCTAssertEqual(s.unit(of: try XCTUnwrap(s.nextJob()).id).trial, 1)
    }

    func testFoldsMakeOneJobEachAndTheRungsResultIsTheirMean() throws {
        let s = SuccessiveHalving(trials: trials(3), minEpochs: 1, eta: 3, objective: "val_accuracy", folds: 2, checkpoints: "/tmp/ckpt")
        let a = s.nextJob()!
        let b = s.nextJob()!
        XCTAssertEqual([a.fold, b.fold], [0, 1])
        XCTAssertEqual(s.unit(of: a.id).trial, s.unit(of: b.id).trial)
        XCTAssertNotEqual(a.checkpoint, b.checkpoint)
        s.record(outcome(a, accuracy: 0.5), of: a)
        XCTAssertTrue(s.results[0].isEmpty, "one fold is not a result")
        s.record(outcome(b, accuracy: 0.7), of: b)
        XCTAssertEqual(try XCTUnwrap(s.results[0].first?.value), Double(Float(0.5) + Float(0.7)) / 2, accuracy: 1e-7)
    }

    func testARestoredSearchRunsItsCutOffRungsFirstAndDoesNotRepeatResults() throws {
        let s = SuccessiveHalving(trials: trials(9), minEpochs: 1, eta: 3, objective: "val_accuracy", checkpoints: "/tmp/ckpt")
        let jobs = (0..<4).map { _ in s.nextJob()! }
        for (j, a) in zip(jobs.prefix(3), [Float(0.5), 0.9, 0.7]) { s.record(outcome(j, accuracy: a), of: j) }
        // Trial 3 was running when the search stopped; trial 1 was promoted and running too.
        let promoted = s.nextJob()!
        let restored = SuccessiveHalving(trials: trials(9), minEpochs: 1, eta: 3, objective: "val_accuracy", checkpoints: "/tmp/ckpt")
        restored.restore(results: s.results.flatMap { $0 }, running: s.running)
        XCTAssertEqual(restored.nextJob()?.id, jobs[3].id)
        XCTAssertEqual(restored.nextJob()?.id, promoted.id)
        XCTAssertEqual(restored.unit(of: try XCTUnwrap(restored.nextJob()).id).trial, 4, "then a new trial, none repeated")
    }
}
