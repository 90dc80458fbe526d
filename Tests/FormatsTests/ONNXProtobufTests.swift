// The protobuf encoder against the wire format's definition, and ONNX files read back with a small
// independent wire-format reader (so these run where Python's onnx is missing).

import TestSupport
import XCTest

@testable import Formats

/// A protobuf wire-format reader for the tests: fields in order, nested messages parsed on demand.
struct WireReader {
    struct Field {
        let number: Int
        let wireType: Int
        let varint: UInt64
        let bytes: [UInt8]
        var string: String { String(decoding: bytes, as: UTF8.self) }
        func message() throws -> [Field] { try WireReader.fields(bytes) }
    }

    struct Malformed: Error {
        let offset: Int
        let what: String
    }

    static func varint(_ bytes: [UInt8], _ i: inout Int) throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard i < bytes.count, shift < 64 else { throw Malformed(offset: i, what: "varint") }
            let b = bytes[i]
            i += 1
            value |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return value }
            shift += 7
        }
    }

    static func fields(_ bytes: [UInt8]) throws -> [Field] {
        var i = 0
        var out: [Field] = []
        while i < bytes.count {
            let key = try varint(bytes, &i)
            let (number, type) = (Int(key >> 3), Int(key & 7))
            switch type {
            case 0: out.append(Field(number: number, wireType: 0, varint: try varint(bytes, &i), bytes: []))
            case 5:
                guard i + 4 <= bytes.count else { throw Malformed(offset: i, what: "fixed32") }
                out.append(Field(number: number, wireType: 5, varint: 0, bytes: Array(bytes[i..<i + 4])))
                i += 4
            case 2:
                let n = Int(try varint(bytes, &i))
                guard n <= bytes.count - i else { throw Malformed(offset: i, what: "length \(n)") }
                out.append(Field(number: number, wireType: 2, varint: 0, bytes: Array(bytes[i..<i + n])))
                i += n
            default: throw Malformed(offset: i, what: "wire type \(type)")
            }
        }
        return out
    }
}

extension Array where Element == WireReader.Field {
    func all(_ number: Int) -> [WireReader.Field] { filter { $0.number == number } }
    func one(_ number: Int) throws -> WireReader.Field { try XCTUnwrap(all(number).first, "field \(number)") }
}

final class ONNXProtobufTests: XCTestCase {
    func encoded(_ build: (inout ProtobufMessage) -> Void) -> [UInt8] {
        var m = ProtobufMessage()
        build(&m)
        let bytes = m.serialized()
        XCTAssertEqual(bytes.count, m.byteCount)
        return bytes
    }

    /// The examples of protobuf's encoding guide: field 1 = 150 is 08 96 01; field 2 = "testing".
    func testTheEncodingGuidesExamples() {
        XCTAssertEqual(encoded { $0.appendVarint(1, 150) }, [0x08, 0x96, 0x01])
        XCTAssertEqual(encoded { $0.appendString(2, "testing") }, [0x12, 0x07] + Array("testing".utf8))
        var inner = ProtobufMessage()
        inner.appendVarint(1, 150)
        XCTAssertEqual(encoded { $0.appendMessage(3, inner) }, [0x1A, 0x03, 0x08, 0x96, 0x01])
    }

    func testVarintsRoundTripAtEveryLength() throws {
        var random = SeededGenerator(seed: 1)
        var values: [UInt64] = [0, 1, 127, 128, 16383, 16384, .max, UInt64(Int64.max)]
        for bits in 1...64 { values.append(random.next() >> (64 - bits)) }
        for v in values {
            let bytes = encoded { $0.appendVarint(1, v) }
            XCTAssertEqual(bytes.count, 1 + ProtobufMessage.varintSize(v))
            XCTAssertEqual(bytes.count - 1, max(1, (64 - v.leadingZeroBitCount + 6) / 7), "\(v)")
            let fields = try WireReader.fields(bytes)
            XCTAssertEqual(fields.map(\.varint), [v])
        }
    }

    func testNegativeInt64TakesTenBytesOfTwosComplement() throws {
        let bytes = encoded { $0.appendInt64(1, -1) }
        XCTAssertEqual(bytes.count, 11)
        XCTAssertEqual(Int64(bitPattern: try WireReader.fields(bytes)[0].varint), -1)
    }

    func testFloatsAreLittleEndianIEEE() throws {
        let values: [Float] = [1, -0.0, .pi, .leastNonzeroMagnitude, -.greatestFiniteMagnitude, .infinity]
        let bytes = encoded {
            $0.appendFloats(9, values)
            $0.appendFloat(2, 0.5)
        }
        let fields = try WireReader.fields(bytes)
        XCTAssertEqual(fields.map(\.wireType), [2, 5])
        let decoded = stride(from: 0, to: fields[0].bytes.count, by: 4).map { i in
            Float(bitPattern: fields[0].bytes[i..<i + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) })
        }
        XCTAssertEqual(decoded.map(\.bitPattern), values.map(\.bitPattern))
        XCTAssertEqual(fields[1].bytes, [0, 0, 0, 0x3F])
    }

    func testNestedSizesAreExactAcrossLengthPrefixBoundaries() throws {
        // Payloads whose sizes cross the 1- to 2- and 2- to 3-byte length prefixes.
        for n in [0, 1, 30, 31, 32, 127 - 3, 128, 4095, 4096, 16383, 16384, 40000] {
            var leaf = ProtobufMessage()
            leaf.appendFloats(1, [Float](repeating: 1, count: n / 4))
            leaf.appendInt8s(2, [Int8](repeating: -1, count: n % 4))
            var middle = ProtobufMessage()
            middle.appendMessage(7, leaf)
            middle.appendString(8, String(repeating: "é", count: n % 3))
            let bytes = encoded {
                $0.appendMessage(1, middle)
                $0.appendMessage(536_870_911, leaf)
            }
            let top = try WireReader.fields(bytes)
            XCTAssertEqual(top.map(\.number), [1, 536_870_911])
            let mid = try top[0].message()
            XCTAssertEqual(try mid.one(7).message().one(1).bytes.count, 4 * (n / 4))
            XCTAssertEqual(try mid.one(7).message().one(2).bytes, [UInt8](repeating: 0xFF, count: n % 4))
            XCTAssertEqual(try mid.one(8).string, String(repeating: "é", count: n % 3))
        }
    }

    /// A whole exported model read back field by field, as onnx.proto numbers them.
    func testAnExportedModelReadsBackByOnnxProtoFieldNumbers() throws {
        var random = SeededGenerator(seed: 7)
        let w = random.floats(12, -1, 1)
        let b = random.floats(4, -1, 1)
        let q = random.int8s(8)
        let bytes = try ONNXExport.onnxModel(
            inputWidth: 3, input: .scale(0.5),
            layers: [
                .dense(weight: w, out: 4, in: 3, bias: b, activation: "leaky_relu:0.2"),
                .int8Dense(weight: q, scales: [0.1, 0.2], out: 2, in: 4, bias: [0, 1], activation: "linear"),
            ],
            output: .softmax, metadata: [("classes", "2"), ("note", "naïve")])
        let model = try WireReader.fields(bytes)
        XCTAssertEqual(try model.one(1).varint, UInt64(ONNXExport.irVersion))  // ir_version
        XCTAssertEqual(try model.one(2).string, "mlp")  // producer_name
        let opset = try model.one(8).message()  // opset_import
        XCTAssertEqual(try opset.one(1).string, "")
        XCTAssertEqual(try opset.one(2).varint, UInt64(ONNXExport.opsetVersion))
        XCTAssertEqual(try model.all(14).map { try $0.message().map(\.string) }, [["classes", "2"], ["note", "naïve"]])

        let graph = try model.one(7).message()
        let initializers = try graph.all(5).map { try $0.message() }
        let weight = try XCTUnwrap(initializers.first { try $0.one(8).string == "layers.0.weight" })
        XCTAssertEqual(weight.all(1).map(\.varint), [4, 3])  // dims, [out, in]
        XCTAssertEqual(try weight.one(2).varint, 1)  // FLOAT
        XCTAssertEqual(try weight.one(9).bytes, w.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> ($0 * 8)) } })
        let quantized = try XCTUnwrap(initializers.first { try $0.one(8).string == "layers.1.weight_quantized" })
        XCTAssertEqual(quantized.all(1).map(\.varint), [4, 2])  // transposed to [in, out]
        XCTAssertEqual(try quantized.one(2).varint, 3)  // INT8
        XCTAssertEqual(try quantized.one(9).bytes.map { Int8(bitPattern: $0) }, (0..<8).map { q[($0 % 2) * 4 + $0 / 2] })

        let nodes = try graph.all(1).map { try $0.message() }
        XCTAssertEqual(
            try nodes.map { try $0.one(4).string },
            ["Mul", "Gemm", "LeakyRelu", "DynamicQuantizeLinear", "MatMulInteger", "Cast", "Mul", "Mul", "Add", "Softmax"])
        let leaky = try nodes[2].one(5).message()  // attribute
        XCTAssertEqual(try leaky.one(1).string, "alpha")
        XCTAssertEqual(try leaky.one(2).bytes, [0xCD, 0xCC, 0x4C, 0x3E])  // 0.2f
        XCTAssertEqual(try leaky.one(20).varint, 1)  // FLOAT
        // Every node input is the graph input, an initializer or an earlier node's output.
        var known: Set<String> = ["input"]
        for i in initializers { known.insert(try i.one(8).string) }
        for n in nodes {
            for input in n.all(1).map(\.string) where !input.isEmpty { XCTAssert(known.contains(input), input) }
            for output in n.all(2).map(\.string) { known.insert(output) }
        }
        let output = try graph.one(12).message()
        XCTAssertEqual(try output.one(1).string, "probabilities")
        let dims = try output.one(2).message().one(1).message().one(2).message().all(1).map { try $0.message() }
        XCTAssertEqual(try dims[0].one(2).string, "batch")
        XCTAssertEqual(try dims[1].one(1).varint, 2)
    }
}
