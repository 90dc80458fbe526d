// A protobuf encoder for the few messages an ONNX file needs (see ONNXModel.swift).
//
// Why hand-written rather than swift-protobuf with code generated from onnx.proto:
// - mlp only writes ONNX, and uses a dozen of onnx.proto's message types and a few dozen of their
//   fields, in 3 wire types (varint, fixed32, length-delimited): no parsing, unknown fields, JSON or
//   reflection. This file and ONNXModel.swift are a few hundred lines; the generated code and the
//   runtime it needs are tens of thousands.
// - SwiftProtobuf imports Foundation, which the library and the command line avoid for start-up
//   time and binary size (Foundation brings ICU).
// - It would be a package dependency, and builds from a fresh clone would compile its runtime and
//   need protoc and protoc-gen-swift to generate the code.
// - The weights go from the network's buffers into the file's one buffer, with no intermediate
//   `Data` copy (the generated code's), so writing is faster and takes half the memory.
// SwiftProtobuf re-serializes what this writer writes unchanged. The price is that the field
// numbers below are copied from onnx.proto by hand; the tests load every file written with the
// `onnx` Python package and run `onnx.checker.check_model(full_check=True)`.
//
// Encoding (https://protobuf.dev/programming-guides/encoding/): each field is a key, the varint
// (number << 3 | wire type), then its value: a varint (wire type 0), 4 little-endian bytes (5), or a
// varint length followed by that many bytes (2: strings, bytes, packed arrays, nested messages).
// Negative int64 values are varints of their two's complement (10 bytes), as protobuf requires.
//
// A message is built as a tree of fields whose byte counts are known as each field is added, so a
// nested message's length prefix is known before it is written, and the whole file is written in
// one pass into one buffer allocated at its final size.

/// One protobuf message being built: append fields in order, then `serialized()` once.
public struct ProtobufMessage: Sendable {
    /// A field's value as it will be written.
    enum Value: Sendable {
        case varint(UInt64)
        case fixed32(UInt32)
        case bytes([UInt8])
        case floats([Float])  // length-delimited, 4 little-endian bytes each (packed floats or raw_data)
        case int8s([Int8])  // length-delimited, one byte each (raw_data)
        indirect case message(ProtobufMessage)
    }

    private(set) var fields: [(key: UInt64, value: Value)] = []
    /// The exact size of `serialized()`.
    public private(set) var byteCount = 0

    public init() {}

    // MARK: Appending fields

    /// A varint field: int32, int64, uint64, bool and enum fields.
    public mutating func appendVarint(_ number: Int, _ value: UInt64) {
        append(number, wireType: 0, .varint(value), payload: Self.varintSize(value))
    }

    /// An int64 (or int32) field; negative values take 10 bytes, as protobuf's encoding requires.
    public mutating func appendInt64(_ number: Int, _ value: Int64) {
        appendVarint(number, UInt64(bitPattern: value))
    }

    /// A `float` field (wire type fixed32).
    public mutating func appendFloat(_ number: Int, _ value: Float) {
        append(number, wireType: 5, .fixed32(value.bitPattern), payload: 4)
    }

    /// A `string` field, UTF-8.
    public mutating func appendString(_ number: Int, _ value: String) {
        appendBytes(number, Array(value.utf8))
    }

    /// A `bytes` field.
    public mutating func appendBytes(_ number: Int, _ value: [UInt8]) {
        append(number, wireType: 2, .bytes(value), payload: Self.lengthPrefixed(value.count))
    }

    /// Floats as one length-delimited field of little-endian IEEE 754 values: a packed `repeated
    /// float`, or a TensorProto's `raw_data`. The array is kept by reference, not copied.
    public mutating func appendFloats(_ number: Int, _ values: [Float]) {
        append(number, wireType: 2, .floats(values), payload: Self.lengthPrefixed(4 * values.count))
    }

    /// Signed bytes as one length-delimited field (a TensorProto's `raw_data` for INT8).
    public mutating func appendInt8s(_ number: Int, _ values: [Int8]) {
        append(number, wireType: 2, .int8s(values), payload: Self.lengthPrefixed(values.count))
    }

    /// A nested message field.
    public mutating func appendMessage(_ number: Int, _ message: ProtobufMessage) {
        append(number, wireType: 2, .message(message), payload: Self.lengthPrefixed(message.byteCount))
    }

    private mutating func append(_ number: Int, wireType: UInt64, _ value: Value, payload: Int) {
        precondition(number > 0 && number < 1 << 29, "protobuf field numbers are 1 ..< 2^29")
        let key = UInt64(number) << 3 | wireType
        fields.append((key, value))
        byteCount += Self.varintSize(key) + payload
    }

    // MARK: Writing

    /// The message's wire encoding, written into one buffer of exactly `byteCount` bytes.
    public func serialized() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, count in
            var cursor = buffer.baseAddress!
            write(to: &cursor)
            count = cursor - buffer.baseAddress!
            precondition(count == byteCount, "protobuf size bookkeeping is wrong")
        }
    }

    private func write(to cursor: inout UnsafeMutablePointer<UInt8>) {
        for (key, value) in fields {
            Self.writeVarint(key, to: &cursor)
            switch value {
            case .varint(let v):
                Self.writeVarint(v, to: &cursor)
            case .fixed32(let bits):
                for shift in stride(from: 0, to: 32, by: 8) {
                    cursor.pointee = UInt8(truncatingIfNeeded: bits >> UInt32(shift))
                    cursor += 1
                }
            case .bytes(let bytes):
                Self.writeVarint(UInt64(bytes.count), to: &cursor)
                bytes.withUnsafeBytes { Self.copy($0, to: &cursor) }
            case .floats(let floats):
                Self.writeVarint(UInt64(4 * floats.count), to: &cursor)
                #if _endian(little)
                    floats.withUnsafeBytes { Self.copy($0, to: &cursor) }
                #else
                    for f in floats {
                        withUnsafeBytes(of: f.bitPattern.littleEndian) { Self.copy($0, to: &cursor) }
                    }
                #endif
            case .int8s(let bytes):
                Self.writeVarint(UInt64(bytes.count), to: &cursor)
                bytes.withUnsafeBytes { Self.copy($0, to: &cursor) }
            case .message(let message):
                Self.writeVarint(UInt64(message.byteCount), to: &cursor)
                message.write(to: &cursor)
            }
        }
    }

    private static func copy(_ source: UnsafeRawBufferPointer, to cursor: inout UnsafeMutablePointer<UInt8>) {
        guard let base = source.baseAddress, source.count > 0 else { return }
        UnsafeMutableRawPointer(cursor).copyMemory(from: base, byteCount: source.count)
        cursor += source.count
    }

    // MARK: Varints

    /// Bytes a varint takes: 7 bits per byte, at least one byte.
    static func varintSize(_ value: UInt64) -> Int {
        value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
    }

    /// Bytes a length-delimited payload of `count` bytes takes with its length prefix.
    static func lengthPrefixed(_ count: Int) -> Int {
        varintSize(UInt64(count)) + count
    }

    /// Low 7 bits first; the high bit of each byte says whether another byte follows.
    static func writeVarint(_ value: UInt64, to cursor: inout UnsafeMutablePointer<UInt8>) {
        var v = value
        while v >= 0x80 {
            cursor.pointee = UInt8(truncatingIfNeeded: v) | 0x80
            cursor += 1
            v >>= 7
        }
        cursor.pointee = UInt8(v)
        cursor += 1
    }
}
