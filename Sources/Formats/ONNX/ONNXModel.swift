// The parts of ONNX's protobuf schema (onnx/onnx.proto, ONNX 1.23) that an exported MLP uses, as
// plain values that encode themselves with ProtobufWriter. Only writing: no field here is ever parsed.
// Field numbers and enum values are copied from onnx.proto; the comment on each names the field.

/// ONNX tensor element types (TensorProto.DataType).
public enum ONNXDataType: Int, Sendable {
    case float = 1, uint8 = 2, int8 = 3, int32 = 6, int64 = 7
}

/// A constant tensor (TensorProto), its data in `raw_data`: little-endian, row-major.
public struct ONNXTensor: Sendable {
    public enum Data: Sendable {
        case float([Float])
        case int8([Int8])
        case uint8([UInt8])
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
        }
        return m
    }
}

/// A node attribute (AttributeProto) of the kinds the exporter uses.
public struct ONNXAttribute: Sendable {
    public enum Value: Sendable {
        case float(Float)
        case int(Int)
        case string(String)
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
        }
        return m
    }
}

/// One operator application (NodeProto), in the default ONNX domain.
public struct ONNXNode: Sendable {
    public var opType: String
    public var name: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [ONNXAttribute]

    public init(_ opType: String, name: String, inputs: [String], outputs: [String], attributes: [ONNXAttribute] = []) {
        self.opType = opType
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }

    var message: ProtobufMessage {
        var m = ProtobufMessage()
        for i in inputs { m.appendString(1, i) }  // repeated string input = 1 ("" = optional input left out)
        for o in outputs { m.appendString(2, o) }  // repeated string output = 2
        m.appendString(3, name)  // string name = 3
        m.appendString(4, opType)  // string op_type = 4
        for a in attributes { m.appendMessage(5, a.message) }  // repeated AttributeProto attribute = 5
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

    public init(name: String, elementType: ONNXDataType, shape: [Dimension]) {
        self.name = name
        self.elementType = elementType
        self.shape = shape
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

/// A whole model file (ModelProto), importing the default ONNX operator set at one version.
public struct ONNXModelFile: Sendable {
    public var irVersion: Int
    public var opsetVersion: Int
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
