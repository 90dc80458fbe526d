// How `mlp summary` and `mlp inspect` describe an INT8 model.
import Formats
import Quantized
import Training

extension QuantizedModel {
    /// "activations dynamic (quantized per batch at run time)" or "... static (calibrated on N examples)".
    var activationsText: String {
        switch activations {
        case .dynamic: return "activations dynamic (each batch quantized to u8 from its own range at run time)"
        case .calibrated(let n): return "activations static (u8 in fixed ranges calibrated on \(n) example\(n == 1 ? "" : "s"))"
        }
    }

    /// One line for `mlp summary`: what is INT8 and what it takes.
    func summaryLine(floatArchitecture: String?) -> String {
        let (w, f) = int8Bytes
        return
            "INT8 (mlp quantize\(floatArchitecture.map { " of \($0)" } ?? "")): \(dense.count) dense layer\(dense.count == 1 ? "" : "s") with s8 weights and a float32 scale per output unit, \(grouped(w)) + \(grouped(f)) bytes; \(activationsText)"
    }

    /// The same as JSON.
    func json(floatArchitecture: String?) -> JSONValue {
        let (w, f) = int8Bytes
        var members: [(String, JSONValue)] = [
            ("scheme", JSONValue(QuantizedModelFile.scheme)), ("activations", JSONValue(activations.name)),
        ]
        if case .calibrated(let n) = activations { members.append(("calibration_samples", JSONValue(n))) }
        members += [
            ("int8_layers", .array(dense.map { JSONValue($0.index) })), ("int8_weight_bytes", JSONValue(w)),
            ("float_bytes", JSONValue(f)),
        ]
        if let floatArchitecture { members.append(("float_architecture", JSONValue(floatArchitecture))) }
        return .object(members)
    }
}
