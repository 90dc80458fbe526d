// The safetensors format, F32 tensors only, and its writer.
// Layout: an 8-byte little-endian header length N, N bytes of JSON header, then the raw data buffer.
// The header maps each tensor name to {"dtype":"F32","shape":[...],"data_offsets":[begin,end]}
// (offsets into the data buffer), plus an optional "__metadata__" object of string values.

/// One named tensor: its shape and its values in row-major order.
public struct SafetensorsTensor: Equatable, Sendable {
    public let name: String
    public let shape: [Int]
    public let values: [Float]

    /// The shape must have no negative dimension and exactly `values.count` elements: a mismatch is
    /// a programming error (the decoder checks files before building tensors).
    public init(name: String, shape: [Int], values: [Float]) {
        var count: Int? = 1
        for dim in shape {
            guard let soFar = count, dim >= 0 else { count = nil; break }
            let (product, overflow) = soFar.multipliedReportingOverflow(by: dim)
            count = overflow ? nil : product
        }
        precondition(count == values.count, "tensor '\(name)': shape \(shape) does not hold \(values.count) values")
        self.name = name
        self.shape = shape
        self.values = values
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
        encode(entries: tensors.map { ($0.name, $0.shape, $0.values.count) }, metadata: metadata) { bytes, i in
            tensors[i].values.withUnsafeBufferPointer { appendLittleEndian($0, to: &bytes) }
        }
    }

    /// The same, straight from memory the caller owns (a model's parameter buffers): the file's
    /// bytes are the only copy made, which keeps saving a large model from doubling its footprint.
    public static func encode(views: [SafetensorsView], metadata: [(String, String)] = []) -> [UInt8] {
        encode(entries: views.map { ($0.name, $0.shape, $0.values.count) }, metadata: metadata) { bytes, i in
            appendLittleEndian(views[i].values, to: &bytes)
        }
    }

    /// The header for `entries` (name, shape, element count), then `appendData(&bytes, i)` for each.
    private static func encode(entries: [(name: String, shape: [Int], count: Int)], metadata: [(String, String)],
                               appendData: (inout [UInt8], Int) -> Void) -> [UInt8] {
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
            let end = offset + 4 * entry.count
            members.append((entry.name, [
                "dtype": "F32",
                "shape": .array(entry.shape.map { JSONValue($0) }),
                "data_offsets": [JSONValue(offset), JSONValue(end)],
            ]))
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
