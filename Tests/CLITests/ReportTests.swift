// The pieces of the reports, checked by hand-worked examples: summary table, weight statistics,
// per-class metrics, dead and saturated units, top-k ranking and the terminal drawing.
import Formats
import Tables
import XCTest

@testable import MLPCLI
@testable import Model
@testable import Training

final class ReportTests: XCTestCase {
    func testSummaryTableCountsParametersAndBuffers() throws {
        let specs = try Architecture.parse("4:relu,dropout:0.5,batchnorm,tanh,3", classes: 3)
        let net = Network(inputs: 2, specs: specs, loss: SoftmaxCrossEntropy())
        let text = ModelSummary.render(net)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "#  layer         output shape  params  buffers  activation")
        XCTAssertEqual(lines[2], "   Input         (None, 2)          0        0")
        XCTAssertEqual(lines[3], "0  Dense         (None, 4)         12        0  relu")
        XCTAssertEqual(lines[4], "1  Dropout(0.5)  (None, 4)          0        0")
        XCTAssertEqual(lines[5], "2  BatchNorm     (None, 4)          8        8")
        XCTAssertEqual(lines[6], "3  Tanh          (None, 4)          0        0  tanh")
        XCTAssertEqual(lines[7], "4  Dense         (None, 3)         15        0  linear")
        // 12 + 8 + 15 = 35 trainable, 8 buffers, (35 + 8) × 4 bytes
        XCTAssertEqual(lines.last, "trainable parameters 35, non-trainable buffers 8, 172 bytes as float32")
        XCTAssertEqual(grouped(1_234_567), "1,234,567")
    }

    func testWeightStatisticsByHand() {
        let s = WeightStatistics([-1, 0, 0.0005, 1, 2])
        XCTAssertEqual(s.mean, 0.4001, accuracy: 1e-6)
        XCTAssertEqual(s.min, -1)
        XCTAssertEqual(s.max, 2)
        XCTAssertEqual(s.nearZero, 0.4, "0 and 0.0005 are below 1e-3")
        // population std of the five values
        let m = 0.4001
        let values = [-1, 0, 0.0005, 1, 2]
        XCTAssertEqual(s.std, (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 5).squareRoot(), accuracy: 1e-6)
        // 20 bins over [-1, 2], width 0.15: -1 → 0, 0 and 0.0005 → 6, 1 → 13, 2 → the last bin
        XCTAssertEqual(s.histogram.reduce(0, +), 5)
        XCTAssertEqual(s.histogram[0], 1)
        XCTAssertEqual(s.histogram[6], 2)
        XCTAssertEqual(s.histogram[13], 1)
        XCTAssertEqual(s.histogram[19], 1)
        XCTAssertEqual(s.sparkline.count, 22)
        XCTAssertEqual(Array(s.sparkline)[7], "█", "the fullest bin is the tallest bar")
        XCTAssertEqual(WeightStatistics([3, 3]).histogram[0], 2, "a constant tensor lands in one bin")
    }

    func testClassMetricsByHand() {
        // true 0: 3 right, 1 predicted as 1;  true 1: 2 right;  class 2: neither true nor predicted
        let confusion = [[3, 1, 0], [0, 2, 0], [0, 0, 0]]
        let m = ClassMetrics.from(confusion: confusion)
        XCTAssertEqual(m[0].precision, 1)
        XCTAssertEqual(m[0].recall, 0.75)
        XCTAssertEqual(m[0].f1, 2 * 0.75 / 1.75, accuracy: 1e-12)
        XCTAssertEqual(m[1].precision, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(m[1].recall, 1)
        XCTAssertEqual(m[1].support, 2)
        XCTAssertEqual(m[2], ClassMetrics(classIndex: 2, precision: 0, recall: 0, f1: 0, support: 0, predicted: 0))
        let macro = ClassMetrics.macroAverage(m)
        XCTAssertEqual(macro.classes, 2, "class 2 occurs nowhere and is left out of the average")
        XCTAssertEqual(macro.recall, 0.875, accuracy: 1e-12)
    }

    func testMostConfidentMistakes() {
        let ev = Evaluation(
            loss: 0, accuracy: 0.5, samples: 4, correct: 2, lossSum: 0, predictions: [1, 0, 2, 2], confidences: [0.6, 0.9, 0.9, 0.99],
            confusion: [])
        let wrong = ev.mostConfidentMistakes(labels: [0, 0, 1, 2], count: 5)
        XCTAssertEqual(wrong.map(\.index), [2, 0], "sample 3 and 1 are right; 2 (0.9) before 0 (0.6)")
        XCTAssertEqual(wrong[0], Misclassification(index: 2, trueClass: 1, predicted: 2, probability: 0.9))
        XCTAssertEqual(ev.mostConfidentMistakes(labels: [0, 0, 1, 2], count: 1).count, 1)
    }

    func testDeadAndSaturatedUnits() throws {
        // Two inputs. Layer 0 (relu): unit 0 copies x0, unit 1 is −x0 − x1 (never positive on
        // non-negative pixels: dead). Layer 1 (sigmoid): unit 0 = 100·h0 − 50 saturates on
        // nearly every input, unit 1 = 0 sits at σ = 0.5.
        let specs = try Architecture.parse("2:relu,2:sigmoid,2", classes: 2)
        let net = Network(inputs: 2, specs: specs, loss: SoftmaxCrossEntropy())
        let d0 = net.layers[0] as! Dense
        let d1 = net.layers[1] as! Dense
        d0.weight.set([1, 0, -1, -1])
        d0.bias.set([0, 0])
        d1.weight.set([100, 0, 0, 0])
        d1.bias.set([-50, 0])
        let pixels: [UInt8] = [0, 0, 255, 10, 200, 3, 0, 90]  // x0 scaled: 0, 1, 0.78, 0
        let data = Dataset(pixels: pixels, labels: [0, 0, 0, 0], count: 4, rows: 1, cols: 2)
        let u = UnitActivity.measure(net, on: data, samples: 10)
        XCTAssertEqual(u.count, 2, "the linear output layer is not measured")
        XCTAssertEqual(u[0].rule, .dead)
        XCTAssertEqual(u[0].flagged, 1)
        XCTAssertEqual(u[0].inactiveOutputs, 6.0 / 8.0, "unit 0 is positive on 2 of 4 images, unit 1 on none")
        XCTAssertEqual(u[1].rule, .saturated)
        XCTAssertEqual(u[1].flagged, 1, "σ(−50) and σ(28..50) on all four images")
        XCTAssertEqual(u[1].inactiveOutputs, 4.0 / 8.0)
    }

    func testTopKRanking() {
        let p: [Float] = [0.1, 0.4, 0.1, 0.3, 0.1]
        p.withUnsafeBufferPointer { b in
            XCTAssertEqual(PredictCommand.ranking(b.baseAddress!, 5, 1), [1])
            XCTAssertEqual(PredictCommand.ranking(b.baseAddress!, 5, 3), [1, 3, 0], "ties: lower class first")
            XCTAssertEqual(PredictCommand.ranking(b.baseAddress!, 5, 5), [1, 3, 0, 2, 4])
        }
    }

    func testDigitDrawingShadesTwoRowsPerCharacter() {
        let pixels: [UInt8] = [
            0, 255, 128, 255,
            0, 255, 128, 0,
            64, 0, 0, 0,
        ]
        let lines = DigitDrawing.lines(pixels[...], rows: 3, cols: 4)
        XCTAssertEqual(lines, ["┌────┐", "│ █▒▒│", "│░   │", "└────┘"])
        XCTAssertEqual(DigitDrawing.beside(["ab", "cd", "ef"], ["x"]), "ab  x\ncd\nef")
    }
}
