// The safetensors format, F32 and I8 tensors, and its writer.
// Layout: an 8-byte little-endian header length N, N bytes of JSON header, then the raw data buffer.
// The header maps each tensor name to {"dtype":"F32","shape":[...],"data_offsets":[begin,end]}
// (offsets into the data buffer), plus an optional "__metadata__" object of string values.
// F32 holds every float model and checkpoint; I8 (signed bytes) holds the weights of INT8 models
// (`mlp quantize`), beside their F32 scales.

/// The element types mlp reads and writes, by their safetensors names.
public enum SafetensorsDType: String, Equatable, Sendable {
    case f32 = "F32"
    case i8 = "I8"

    /// Bytes per element.
    public var size: Int { self == .f32 ? 4 : 1 }
}

/// One named tensor: its shape and its values in row-major order, F32 (`values`) or I8
/// (`int8Values`); the other array is empty.
public struct SafetensorsTensor: Equatable, Sendable {
    public let name: String
    public let shape: [Int]
    public let dtype: SafetensorsDType
    /// The values of an F32 tensor (empty for I8).
    public let values: [Float]
    /// The values of an I8 tensor (empty for F32).
    public let int8Values: [Int8]

    /// An F32 tensor. The shape must have no negative dimension and exactly `values.count` elements:
    /// a mismatch is a programming error (the decoder checks files before building tensors).
    public init(name: String, shape: [Int], values: [Float]) {
        precondition(Self.elements(shape) == values.count, "tensor '\(name)': shape \(shape) does not hold \(values.count) values")
        self.name = name
        self.shape = shape
        dtype = .f32
        self.values = values
        int8Values = []
    }

    /// An I8 tensor, with the same rule.
    public init(name: String, shape: [Int], int8Values: [Int8]) {
        precondition(Self.elements(shape) == int8Values.count, "tensor '\(name)': shape \(shape) does not hold \(int8Values.count) values")
        self.name = name
        self.shape = shape
        dtype = .i8
        values = []
        self.int8Values = int8Values
    }

    /// Elements in the tensor.
    public var count: Int { dtype == .f32 ? values.count : int8Values.count }

    /// The product of the dimensions; nil for a negative dimension or an overflow.
    static func elements(_ shape: [Int]) -> Int? {
        var count: Int? = 1
        for dim in shape {
            guard let soFar = count, dim >= 0 else { return nil }
            let (product, overflow) = soFar.multipliedReportingOverflow(by: dim)
            count = overflow ? nil : product
        }
        return count
    }
}

/// The contents of a safetensors file: its tensors in header order and its string metadata.
public struct SafetensorsFile: Equatable, Sendable {
    public var metadata: [(String, String)]
    public var tensors: [SafetensorsTensor]

    public init(tensors: [SafetensorsTensor], metadata: [(String, String)] = []) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The first tensor called `name`.
    public func tensor(_ name: String) -> SafetensorsTensor? {
        tensors.first { $0.name == name }
    }

    /// The metadata value for `key`.
    public func metadataValue(for key: String) -> String? {
        metadata.first { $0.0 == key }?.1
    }

    public static func == (lhs: SafetensorsFile, rhs: SafetensorsFile) -> Bool {
        lhs.tensors == rhs.tensors && lhs.metadata.elementsEqual(rhs.metadata) { $0 == $1 }
    }
}

/// A tensor to write, seen in place: name, shape and the caller's own values.
public struct SafetensorsView {
    public let name: String
    public let shape: [Int]
    public let values: UnsafeBufferPointer<Float>

    public init(name: String, shape: [Int], values: UnsafeBufferPointer<Float>) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

public enum Safetensors {
    /// The largest header accepted, as in the reference implementation: anything larger is not a model.
    public static let maxHeaderLength = 100_000_000

    /// The bytes of a safetensors file holding `tensors` in the given order, their data contiguous,
    /// and the header padded with spaces to a multiple of 8 bytes so the data is 8-byte aligned.
    /// Tensor names and metadata keys must be unique, and no tensor may be called "__metadata__".
    public static func encode(tensors: [SafetensorsTensor], metadata: [(String, String)] = []) -> [UInt8] {
        encode(entries: tensors.map { ($0.name, $0.shape, $0.count, $0.dtype) }, metadata: metadata) { bytes, i in
            switch tensors[i].dtype {
            case .f32: tensors[i].values.withUnsafeBufferPointer { appendLittleEndian($0, to: &bytes) }
            case .i8: tensors[i].int8Values.withUnsafeBytes { bytes.append(contentsOf: $0) }
            }
        }
    }

    /// The same, straight from memory the caller owns (a model's parameter buffers): the file's
    /// bytes are the only copy made, which keeps saving a large model from doubling its footprint.
    public static func encode(views: [SafetensorsView], metadata: [(String, String)] = []) -> [UInt8] {
        encode(entries: views.map { ($0.name, $0.shape, $0.values.count, .f32) }, metadata: metadata) { bytes, i in
            appendLittleEndian(views[i].values, to: &bytes)
        }
    }

    /// The header for `entries` (name, shape, element count, type), then `appendData(&bytes, i)` for each.
    private static func encode(
        entries: [(name: String, shape: [Int], count: Int, dtype: SafetensorsDType)], metadata: [(String, String)],
        appendData: (inout [UInt8], Int) -> Void
    ) -> [UInt8] {
        precondition(Set(entries.map(\.name)).count == entries.count, "safetensors: duplicate tensor name")
        precondition(!entries.contains { $0.name == "__metadata__" }, "safetensors: a tensor is named __metadata__")
        precondition(Set(metadata.map(\.0)).count == metadata.count, "safetensors: duplicate metadata key")
        precondition(entries.allSatisfy { $0.shape.reduce(1, *) == $0.count }, "safetensors: shape and values disagree")

        var members: [(String, JSONValue)] = []
        if !metadata.isEmpty {
            members.append(("__metadata__", .object(metadata.map { ($0.0, .string($0.1)) })))
        }
        var offset = 0
        for entry in entries {
            let end = offset + entry.dtype.size * entry.count
            members.append(
                (
                    entry.name,
                    [
                        "dtype": JSONValue(entry.dtype.rawValue),
                        "shape": .array(entry.shape.map { JSONValue($0) }),
                        "data_offsets": [JSONValue(offset), JSONValue(end)],
                    ]
                ))
            offset = end
        }
        var header = Array(JSONValue.object(members).serialized().utf8)
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))

        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header)
        for i in entries.indices { appendData(&bytes, i) }
        return bytes
    }

    private static func appendLittleEndian(_ values: UnsafeBufferPointer<Float>, to bytes: inout [UInt8]) {
        #if _endian(little)
            bytes.append(contentsOf: UnsafeRawBufferPointer(values))
        #else
            for value in values {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            }
        #endif
    }
}
