// What one epoch of training measured: one line of the logs, one point of the curves.
import Formats

struct EpochStats {
    var epoch: Int
    var step: Int
    var learningRate: Float
    var loss: Float
    var accuracy: Float
    var validationLoss: Float?
    var validationAccuracy: Float?
    var testLoss: Float
    var testAccuracy: Float
    var seconds: Double
    var samplesPerSecond: Double
    /// Mean gradient L2 norm over the epoch's steps, per parameter ("layers.0.weight").
    var gradientNorms: [(String, Double)]

    /// The point the training-curves plot draws.
    var record: EpochRecord {
        EpochRecord(epoch: epoch, trainLoss: Double(loss), trainAccuracy: Double(accuracy),
                    validationLoss: validationLoss.map(Double.init), validationAccuracy: validationAccuracy.map(Double.init),
                    testAccuracy: Double(testAccuracy))
    }

    var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("epoch", JSONValue(epoch)), ("step", JSONValue(step)), ("lr", JSONValue(learningRate)),
            ("loss", JSONValue(loss)), ("accuracy", JSONValue(accuracy)),
        ]
        if let validationLoss, let validationAccuracy {
            members += [("val_loss", JSONValue(validationLoss)), ("val_accuracy", JSONValue(validationAccuracy))]
        }
        members += [("test_loss", JSONValue(testLoss)), ("test_accuracy", JSONValue(testAccuracy)),
                    ("seconds", JSONValue(seconds)), ("samples_per_second", JSONValue(samplesPerSecond.rounded()))]
        if !gradientNorms.isEmpty {
            members.append(("grad_norm", .object(gradientNorms.map { ($0.0, JSONValue(Float($0.1))) })))
        }
        return .object(members)
    }

    /// Parses the object `json` wrote (checkpoints keep the history this way).
    init?(json v: JSONValue) {
        func num(_ k: String) -> Double? { if case .number(let x)? = v[k] { return x }; return nil }
        guard let e = num("epoch"), let s = num("step"), let lr = num("lr"), let l = num("loss"), let a = num("accuracy"),
              let tl = num("test_loss"), let ta = num("test_accuracy"), let sec = num("seconds"),
              let sps = num("samples_per_second") else { return nil }
        epoch = Int(e); step = Int(s); learningRate = Float(lr); loss = Float(l); accuracy = Float(a)
        validationLoss = num("val_loss").map(Float.init); validationAccuracy = num("val_accuracy").map(Float.init)
        testLoss = Float(tl); testAccuracy = Float(ta); seconds = sec; samplesPerSecond = sps
        if case .object(let g)? = v["grad_norm"] {
            gradientNorms = g.compactMap { k, x in if case .number(let d) = x { return (k, d) }; return nil }
        } else { gradientNorms = [] }
    }

    init(epoch: Int, step: Int, learningRate: Float, loss: Float, accuracy: Float, validationLoss: Float?,
         validationAccuracy: Float?, testLoss: Float, testAccuracy: Float, seconds: Double,
         samplesPerSecond: Double, gradientNorms: [(String, Double)]) {
        self.epoch = epoch; self.step = step; self.learningRate = learningRate; self.loss = loss
        self.accuracy = accuracy; self.validationLoss = validationLoss; self.validationAccuracy = validationAccuracy
        self.testLoss = testLoss; self.testAccuracy = testAccuracy; self.seconds = seconds
        self.samplesPerSecond = samplesPerSecond; self.gradientNorms = gradientNorms
    }
}
