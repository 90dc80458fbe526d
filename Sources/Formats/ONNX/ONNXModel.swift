// The parts of ONNX's protobuf schema (onnx/onnx.proto, ONNX 1.23) that an exported MLP uses, as
// plain values that encode themselves with ProtobufWriter. Only writing: no field here is ever parsed.
// Field numbers and enum values are copied from onnx.proto; the comment on each names the field.

/// ONNX tensor element types (TensorProto.DataType).
public enum ONNXDataType: Int, Sendable {
    case float = 1
    case uint8 = 2
    case int8 = 3
    case int32 = 6
    case int64 = 7
    case string = 8
    case bool = 9
    case double = 11
}

/// A constant tensor (TensorProto), its data in `raw_data` (little-endian, row-major), or in
/// `string_data` for strings.
public struct ONNXTensor: Sendable {
    public enum Data: Sendable {
        case float([Float])
        case int8([Int8])
        case uint8([UInt8])
        case int64([Int64])
        case double([Double])
        case string([String])
    }

    public var name: String
    public var dims: [Int]
    public var data: Data

    public init(name: String, dims: [Int], data: Data) {
        self.name = name
        self.dims = dims
        self.data = data
    }

    public init(name: String, dims: [Int], floats: [Float]) { self.init(name: name, dims: dims, data: .float(floats)) }
    public init(name: String, dims: [Int], int8s: [Int8]) { self.init(name: name, dims: dims, data: .int8(int8s)) }
    public init(name: String, dims: [Int], uint8s: [UInt8]) { self.init(name: name, dims: dims, data: .uint8(uint8s)) }

    public var dataType: ONNXDataType {
        switch data {
        case .float: return .float
        case .int8: return .int8
        case .uint8: return .uint8
        case .int64: return .int64
        case .double: return .double
        case .string: return .string
        }
    }

    var message: ProtobufMessage {
        var m = ProtobufMessage()
        for d in dims { m.appendInt64(1, Int64(d)) }  // repeated int64 dims = 1
        m.appendVarint(2, UInt64(dataType.rawValue))  // int32 data_type = 2
        m.appendString(8, name)  // string name = 8
        switch data {  // bytes raw_data = 9
        case .float(let values): m.appendFloats(9, values)
        case .int8(let values): m.appendInt8s(9, values)
        case .uint8(let values): m.appendInt8s(9, values.map { Int8(bitPattern: $0) })
        case .int64(let values): m.appendBytes(9, littleEndianBytes(values.map { UInt64(bitPattern: $0) }))
        case .double(let values): m.appendBytes(9, littleEndianBytes(values.map(\.bitPattern)))
        case .string(let values): for v in values { m.appendString(6, v) }  // repeated bytes string_data = 6
        }
        return m
    }

    private func littleEndianBytes(_ words: [UInt64]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 * words.count)
        for w in words { for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: w >> UInt64(shift))) } }
        return bytes
    }
}

/// A node attribute (AttributeProto) of the kinds the exporter uses.
public struct ONNXAttribute: Sendable {
    public enum Value: Sendable {
        case float(Float)
        case int(Int)
        case string(String)
        case floats([Float])
        case ints([Int])
        case strings([String])
    }

    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }

    var message: ProtobufMessage {
        var m = ProtobufMessage()
        m.appendString(1, name)  // string name = 1
        switch value {
        case .float(let f):
            m.appendFloat(2, f)  // float f = 2
            m.appendVarint(20, 1)  // AttributeType type = 20: FLOAT = 1
        case .int(let i):
            m.appendInt64(3, Int64(i))  // int64 i = 3
            m.appendVarint(20, 2)  // INT = 2
        case .string(let s):
            m.appendString(4, s)  // bytes s = 4
            m.appendVarint(20, 3)  // STRING = 3
        case .floats(let fs):
            for f in fs { m.appendFloat(7, f) }  // repeated float floats = 7
            m.appendVarint(20, 6)  // FLOATS = 6
        case .ints(let values):
            for i in values { m.appendInt64(8, Int64(i)) }  // repeated int64 ints = 8
            m.appendVarint(20, 7)  // INTS = 7
        case .strings(let values):
            for s in values { m.appendString(9, s) }  // repeated bytes strings = 9
            m.appendVarint(20, 8)  // STRINGS = 8
        }
        return m
    }
}

/// One operator application (NodeProto), in the default ONNX domain or another (`ai.onnx.ml`).
public struct ONNXNode: Sendable {
    public var opType: String
    public var name: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [ONNXAttribute]
    /// The operator set the operator belongs to: "" for the default ONNX domain.
    public var domain: String

    public init(
        _ opType: String, name: String, inputs: [String], outputs: [String], attributes: [ONNXAttribute] = [],
        domain: String = ""
    ) {
        self.opType = opType
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.domain = domain
    }

    var message: ProtobufMessage {
        var m = ProtobufMessage()
        for i in inputs { m.appendString(1, i) }  // repeated string input = 1 ("" = optional input left out)
        for o in outputs { m.appendString(2, o) }  // repeated string output = 2
        m.appendString(3, name)  // string name = 3
        m.appendString(4, opType)  // string op_type = 4
        for a in attributes { m.appendMessage(5, a.message) }  // repeated AttributeProto attribute = 5
        if !domain.isEmpty { m.appendString(7, domain) }  // string domain = 7
        return m
    }
}

/// A graph input or output (ValueInfoProto) of tensor type; a dimension is a size or a symbolic name.
public struct ONNXValueInfo: Sendable {
    public enum Dimension: Sendable {
        case size(Int)
        case symbol(String)
    }

    public var name: String
    public var elementType: ONNXDataType
    public var shape: [Dimension]
    /// What the value is, for people reading the graph (tools such as Netron show it).
    public var docString: String

    public init(name: String, elementType: ONNXDataType, shape: [Dimension], docString: String = "") {
        self.name = name
        self.elementType = elementType
        self.shape = shape
        self.docString = docString
    }

    var message: ProtobufMessage {
        var shapeMessage = ProtobufMessage()  // TensorShapeProto
        for d in shape {
            var dim = ProtobufMessage()  // TensorShapeProto.Dimension
            switch d {
            case .size(let n): dim.appendInt64(1, Int64(n))  // int64 dim_value = 1
            case .symbol(let s): dim.appendString(2, s)  // string dim_param = 2
            }
            shapeMessage.appendMessage(1, dim)  // repeated Dimension dim = 1
        }
        var tensorType = ProtobufMessage()  // TypeProto.Tensor
        tensorType.appendVarint(1, UInt64(elementType.rawValue))  // int32 elem_type = 1
        tensorType.appendMessage(2, shapeMessage)  // TensorShapeProto shape = 2
        var type = ProtobufMessage()  // TypeProto
        type.appendMessage(1, tensorType)  // Tensor tensor_type = 1
        var m = ProtobufMessage()
        m.appendString(1, name)  // string name = 1
        m.appendMessage(2, type)  // TypeProto type = 2
        if !docString.isEmpty { m.appendString(3, docString) }  // string doc_string = 3
        return m
    }
}

/// A computation graph (GraphProto): nodes in topological order, constants as initializers.
public struct ONNXGraph: Sendable {
    public var name: String
    public var nodes: [ONNXNode] = []
    public var initializers: [ONNXTensor] = []
    public var inputs: [ONNXValueInfo] = []
    public var outputs: [ONNXValueInfo] = []
    public var docString = ""

    public init(name: String) { self.name = name }

    var message: ProtobufMessage {
        var m = ProtobufMessage()
        for n in nodes { m.appendMessage(1, n.message) }  // repeated NodeProto node = 1
        m.appendString(2, name)  // string name = 2
        for t in initializers { m.appendMessage(5, t.message) }  // repeated TensorProto initializer = 5
        if !docString.isEmpty { m.appendString(10, docString) }  // string doc_string = 10
        for i in inputs { m.appendMessage(11, i.message) }  // repeated ValueInfoProto input = 11
        for o in outputs { m.appendMessage(12, o.message) }  // repeated ValueInfoProto output = 12
        return m
    }
}

/// A whole model file (ModelProto), importing the default ONNX operator set at one version, and
/// other domains' operator sets (`ai.onnx.ml`) when its nodes use them.
public struct ONNXModelFile: Sendable {
    public var irVersion: Int
    public var opsetVersion: Int
    /// Operator sets of other domains, (domain, version).
    public var otherOpsets: [(domain: String, version: Int)] = []
    public var producerName: String
    public var producerVersion: String
    public var docString: String
    public var graph: ONNXGraph
    public var metadata: [(String, String)]

    public init(
        irVersion: Int, opsetVersion: Int, producerName: String, producerVersion: String = "",
        docString: String = "", graph: ONNXGraph, metadata: [(String, String)] = []
    ) {
        self.irVersion = irVersion
        self.opsetVersion = opsetVersion
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.docString = docString
        self.graph = graph
        self.metadata = metadata
    }

    public var message: ProtobufMessage {
        var m = ProtobufMessage()
        m.appendInt64(1, Int64(irVersion))  // int64 ir_version = 1
        m.appendString(2, producerName)  // string producer_name = 2
        if !producerVersion.isEmpty { m.appendString(3, producerVersion) }  // string producer_version = 3
        if !docString.isEmpty { m.appendString(6, docString) }  // string doc_string = 6
        m.appendMessage(7, graph.message)  // GraphProto graph = 7
        var opset = ProtobufMessage()  // OperatorSetIdProto
        opset.appendString(1, "")  // string domain = 1 ("" = ai.onnx)
        opset.appendInt64(2, Int64(opsetVersion))  // int64 version = 2
        m.appendMessage(8, opset)  // repeated OperatorSetIdProto opset_import = 8
        for (domain, version) in otherOpsets {
            var other = ProtobufMessage()
            other.appendString(1, domain)
            other.appendInt64(2, Int64(version))
            m.appendMessage(8, other)
        }
        for (key, value) in metadata {
            var entry = ProtobufMessage()  // StringStringEntryProto
            entry.appendString(1, key)  // string key = 1
            entry.appendString(2, value)  // string value = 2
            m.appendMessage(14, entry)  // repeated StringStringEntryProto metadata_props = 14
        }
        return m
    }

    /// The file's bytes.
    public func serialized() -> [UInt8] { message.serialized() }
}
