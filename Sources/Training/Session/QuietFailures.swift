// Runs that end without an error yet learnt nothing, each told in one warning line (training still
// exits 0: the run did what it was asked, and only a person can tell a bad run from a hard task):
//   the loss ran away:  the last epoch's mean training loss is more than `lossRise` times the loss
//                       of the run's first step and at least 1 above it (a learning rate too high
//                       blows the loss up without always reaching NaN, which is a divergence)
//   accuracy at chance: a classifier trained `chanceEpochs` epochs or more whose every epoch's
//                       training accuracy, and its held-out accuracy (test, else validation) when it
//                       has one, is no better than always answering the training set's most frequent
//                       class (that class's share plus `chanceMargin`)
//   empty classes:      labels (IDX) whose largest value makes most of the network's classes empty
//                       (a label of 200 among 0–9 makes 201 outputs, 190 of them never seen)

public enum QuietFailures {
    /// How many times its first step's loss the last epoch's must exceed to have run away.
    public static let lossRise: Float = 3
    /// Accuracy within this of the most frequent class's share is at chance.
    public static let chanceMargin: Float = 0.01
    /// The fewest epochs after which accuracy can be said to have stayed at chance.
    public static let chanceEpochs = 3

    /// The warning when the training loss ended far above where it started (nil: it did not).
    public static func runawayLoss(first: Float, last: Float, learningRate: Float) -> String? {
        guard first.isFinite, last.isFinite, last > lossRise * first, last >= first + 1 else { return nil }
        return
            "mlp: warning: the training loss ended at \(short(last)), far above where it started (\(short(first))): training blew up without reaching NaN, most likely from a learning rate too high (it is \(learningRate)); try a lower --lr"
    }

    /// The warning when a classifier's accuracy stayed at chance (nil: it rose above it).
    /// `trainAccuracies`: each epoch's training accuracy; `heldOut`: the final held-out accuracy and
    /// the set's name ("test", "validation"); `classCounts`: the training set's examples per class.
    public static func atChance(
        trainAccuracies: [Float], heldOut: (accuracy: Float, set: String)?, classCounts: [Int], learningRate: Float
    ) -> String? {
        let total = classCounts.reduce(0, +)
        guard trainAccuracies.count >= chanceEpochs, classCounts.filter({ $0 > 0 }).count >= 2, total > 0 else { return nil }
        let chance = Float(classCounts.max()!) / Float(total)
        let bound = chance + chanceMargin
        guard trainAccuracies.allSatisfy({ $0 <= bound }) else { return nil }
        if let heldOut, heldOut.accuracy > bound { return nil }
        let figure = heldOut.map { "\($0.set) accuracy \(short($0.accuracy))" } ?? "training accuracy \(short(trainAccuracies.last!))"
        return
            "mlp: warning: \(figure) stayed at chance over \(trainAccuracies.count) epochs, no better than always answering the most frequent class (\(short(chance)) of the training set): the learning rate may be too high (it is \(learningRate); try a lower --lr), or the features may not predict the labels"
    }

    /// The warning when the labels of `path` leave most of the classes their largest value implies
    /// empty (nil: they do not).
    public static func emptyClasses(path: String, classCounts: [Int]) -> String? {
        let classes = classCounts.count
        let present = classCounts.filter { $0 > 0 }.count
        guard classes - present > classes / 2, let largest = classCounts.lastIndex(where: { $0 > 0 }) else { return nil }
        return
            "mlp: warning: \(path): the labels run up to \(largest), so the network has \(classes) outputs, but only \(present) of those classes have examples (label \(largest) on \(classCounts[largest]) of \(classCounts.reduce(0, +))); is a label wrong?"
    }

    /// Four significant digits, as the epoch lines show figures.
    static func short(_ x: Float) -> String {
        if x != 0 && (abs(x) >= 1e5 || abs(x) < 1e-3) { return "\(x)" }
        let digits = abs(x) >= 1000 ? 0 : abs(x) >= 100 ? 1 : abs(x) >= 10 ? 2 : 4
        var scale: Float = 1
        for _ in 0..<digits { scale *= 10 }
        let r = (x * scale).rounded() / scale
        return digits == 0 ? "\(Int(r))" : "\(r)"
    }
}
