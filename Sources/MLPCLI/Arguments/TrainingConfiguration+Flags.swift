// The training configuration as the `mlp train` flags that make it: how `mlp summary` shows a
// checkpoint's configuration, in the words a user typed. The optimizer's settings are always
// written out, since their defaults depend on the data (images or a table); the rest only where
// they differ from the defaults. Reading the flags back gives the same configuration (except
// `outputs`, which no flag sets: only format 1 checkpoints have it).
import Formats
import Model
import Training

extension TrainingConfiguration {
    /// The flags and their values, one word each (unquoted).
    var commandLine: [String] {
        var w: [String] = []
        func add(_ f: Flag, _ v: String) { w += ["--\(f.name)", v] }
        func number(_ x: Float) -> String { JSONValue(x).serialized() }  // "0.1", "0" (not "0.0")
        if let target { add(Flags.target, target.joined(separator: ",")) }
        if let task { add(Flags.task, task.rawValue) }
        if !ignore.isEmpty { add(Flags.ignore, ignore.joined(separator: ",")) }
        if let features { add(Flags.features, features.joined(separator: ",")) }
        if !categorical.isEmpty { add(Flags.categorical, categorical.joined(separator: ",")) }
        if let missing { add(Flags.missing, missing.rawValue) }
        if missingTarget != .skip { add(Flags.missingTarget, missingTarget.rawValue) }
        if delimiter != UInt8(ascii: ",") { add(Flags.delimiter, delimiter == 0x09 ? "tab" : String(UnicodeScalar(delimiter))) }
        if let testSplit { add(Flags.testSplit, number(testSplit)) }
        switch network {
        case .hidden(let h, let a):
            add(Flags.hidden, h.map(String.init).joined(separator: ","))
            if a != .relu { add(Flags.activation, a.token) }
        case .layers(let l):
            add(Flags.layers, Architecture.string(l))
        }
        if let loss { add(Flags.loss, loss) }
        if let initializer { add(Flags.initializer, initializer.rawValue) }
        add(Flags.optimizer, optimizer.rawValue)
        add(Flags.lr, number(lr))
        if adamLike {
            if beta1 != 0.9 { add(Flags.beta1, number(beta1)) }
            if beta2 != 0.999 { add(Flags.beta2, number(beta2)) }
        } else {
            add(Flags.momentum, number(momentum))
        }
        add(Flags.weightDecay, number(weightDecay))
        add(Flags.schedule, learningRateSchedule.token)
        if warmupEpochs > 0 { add(Flags.warmup, "\(warmupEpochs)") }
        if let clipNorm { add(Flags.clipGradNorm, number(clipNorm)) }
        if let maxNorm { add(Flags.maxNorm, number(maxNorm)) }
        add(Flags.epochs, "\(epochs)")
        add(Flags.batchSize, "\(batchSize)")
        add(Flags.seed, "\(seed)")
        if let validationSplit { add(Flags.validationSplit, number(validationSplit)) }
        if let earlyStopping { add(Flags.earlyStopping, "\(earlyStopping.patience)") }
        if let annealEpochs { add(Flags.anneal, "\(annealEpochs)") }
        if let metric = earlyStopping?.metric ?? plateau?.watch.metric, metric != .valLoss { add(Flags.monitor, metric.rawValue) }
        if let plateau { add(Flags.reduceLROnPlateau, "\(number(plateau.factor)),\(plateau.watch.patience)") }
        if let weightColumn { add(Flags.weightColumn, weightColumn) }
        if let classWeight { add(Flags.classWeight, classWeight.token) }
        if !metrics.isEmpty { add(Flags.metrics, metrics.token) }
        return w
    }

    /// The flags as one shell line ("--hidden 128 --optimizer sgd --lr 0.05 ...").
    var commandLineText: String {
        commandLine.enumerated().map { $0.offset % 2 == 0 ? $0.element : TrainCommand.shellQuoted($0.element) }.joined(separator: " ")
    }
}
