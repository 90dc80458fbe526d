// Reading safetensors bytes from an untrusted source: every claim in the header is checked against
// the real size before anything is allocated from it, and every problem is a one-line FormatError.

extension Safetensors {
    /// Decodes a whole safetensors file. `path` is only used in error messages.
    public static func decode(_ bytes: [UInt8], path: String) throws -> SafetensorsFile {
        var decoder = SafetensorsDecoder(bytes: bytes, path: path)
        return try decoder.decode()
    }
}

/// A tensor's header entry once checked: where its bytes are in the data buffer.
private struct TensorEntry {
    let name: String
    let shape: [Int]
    let dtype: SafetensorsDType
    let begin: Int
    let end: Int
}

private struct SafetensorsDecoder {
    let bytes: [UInt8]
    let path: String
    var dataLength = 0

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    mutating func decode() throws -> SafetensorsFile {
        guard bytes.count >= 8 else {
            throw fail("file is \(bytes.count) bytes, shorter than the 8-byte safetensors header length: is this a safetensors file?")
        }
        var claimed: UInt64 = 0
        for i in 0..<8 { claimed |= UInt64(bytes[i]) << UInt64(8 * i) }
        guard claimed <= UInt64(Safetensors.maxHeaderLength) else {
            throw fail(
                "header length \(claimed) at offset 0 is larger than the \(Safetensors.maxHeaderLength)-byte limit: is this a safetensors file?"
            )
        }
        let headerLength = Int(claimed)
        guard headerLength <= bytes.count - 8 else {
            throw fail("header length \(claimed) at offset 0 runs past the end of the \(bytes.count)-byte file")
        }
        let header = Array(bytes[8..<8 + headerLength])
        dataLength = bytes.count - 8 - headerLength

        if let bad = UTF8Validation.firstInvalidOffset(header) {
            throw fail("header is not valid UTF-8 at byte \(bad) of the header")
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(header, rejectingDuplicateKeys: true)
        } catch {
            throw fail("invalid JSON at byte \(error.offset) of the header: \(error.message)")
        }
        guard case .object(let members) = json else {
            throw fail("header is \(json.kindDescription), expected an object mapping tensor names to entries")
        }

        var metadata: [(String, String)] = []
        var entries: [TensorEntry] = []
        for (name, value) in members {
            if name == "__metadata__" {
                metadata = try parseMetadata(value)
            } else {
                entries.append(try parseEntry(name, value))
            }
        }
        try checkCoverage(entries)
        let dataStart = 8 + headerLength
        let tensors = entries.map { entry in
            switch entry.dtype {
            case .f32:
                return SafetensorsTensor(
                    name: entry.name, shape: entry.shape,
                    values: readFloats(from: dataStart + entry.begin, count: (entry.end - entry.begin) / 4))
            case .i8:
                return SafetensorsTensor(
                    name: entry.name, shape: entry.shape,
                    int8Values: bytes[(dataStart + entry.begin)..<(dataStart + entry.end)].map { Int8(bitPattern: $0) })
            }
        }
        return SafetensorsFile(tensors: tensors, metadata: metadata)
    }

    // MARK: Header entries

    func parseMetadata(_ value: JSONValue) throws -> [(String, String)] {
        guard case .object(let members) = value else {
            throw fail("__metadata__ is \(value.kindDescription), expected an object of strings")
        }
        return try members.map { key, value in
            guard case .string(let text) = value else {
                throw fail("__metadata__ \(quote(key)) is \(value.kindDescription), expected a string")
            }
            return (key, text)
        }
    }

    func parseEntry(_ name: String, _ value: JSONValue) throws -> TensorEntry {
        let tensor = "tensor \(quote(name))"
        guard case .object = value else {
            throw fail("\(tensor): entry is \(value.kindDescription), expected an object with dtype, shape and data_offsets")
        }
        func field(_ key: String) throws -> JSONValue {
            guard let found = value[key] else { throw fail("\(tensor): missing \"\(key)\"") }
            return found
        }

        let dtypeValue = try field("dtype")
        guard case .string(let dtype) = dtypeValue else {
            throw fail("\(tensor): dtype is \(dtypeValue.kindDescription), expected a string such as \"F32\"")
        }
        guard let type = SafetensorsDType(rawValue: dtype) else {
            let plain =
                dtype.count <= 16
                && dtype.unicodeScalars.allSatisfy { $0.isASCII && $0.properties.isAlphabetic || ("0"..."9").contains($0) }
            throw fail("\(tensor): dtype \(plain ? dtype : quote(dtype)) is not supported, expected F32 or I8")
        }

        let shapeValue = try field("shape")
        guard case .array(let dims) = shapeValue else {
            throw fail("\(tensor): shape is \(shapeValue.kindDescription), expected an array of non-negative integers")
        }
        var shape: [Int] = []
        for (i, dim) in dims.enumerated() {
            shape.append(try nonNegativeInteger(dim, "\(tensor): shape[\(i)]"))
        }
        var count = 1
        for dim in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw fail("\(tensor): shape \(shape) has too many elements to address") }
            count = product
        }
        let (needed, overflow) = count.multipliedReportingOverflow(by: type.size)
        guard !overflow else { throw fail("\(tensor): shape \(shape) has too many elements to address") }

        let offsetsValue = try field("data_offsets")
        guard case .array(let offsets) = offsetsValue else {
            throw fail("\(tensor): data_offsets is \(offsetsValue.kindDescription), expected [begin, end]")
        }
        guard offsets.count == 2 else {
            throw fail("\(tensor): data_offsets has \(offsets.count) entries, expected [begin, end]")
        }
        let begin = try nonNegativeInteger(offsets[0], "\(tensor): data_offsets[0]")
        let end = try nonNegativeInteger(offsets[1], "\(tensor): data_offsets[1]")
        guard begin <= end else {
            throw fail("\(tensor): data_offsets [\(begin), \(end)] have begin after end")
        }
        guard end - begin == needed else {
            throw fail(
                "\(tensor): data_offsets [\(begin), \(end)] span \(end - begin) bytes, but shape \(shape) of \(type.rawValue) needs \(needed)"
            )
        }
        guard end <= dataLength else {
            throw fail("\(tensor): data_offsets [\(begin), \(end)] run past the end of the \(dataLength)-byte data buffer")
        }
        return TensorEntry(name: name, shape: shape, dtype: type, begin: begin, end: end)
    }

    func nonNegativeInteger(_ value: JSONValue, _ what: String) throws -> Int {
        guard case .number(let d) = value else {
            throw fail("\(what) is \(value.kindDescription), expected a non-negative integer")
        }
        // Numbers are parsed as doubles, exact only below 2^53; no real offset or dimension is that large.
        guard d >= 0, d < 9_007_199_254_740_992, Double(Int(d)) == d else {
            let integral = d >= 9_007_199_254_740_992 && d.isFinite
            throw fail("\(what) is \(JSONValue.format(d)), \(integral ? "too large" : "expected a non-negative integer")")
        }
        return Int(d)
    }

    /// The spec requires the tensors to tile the data buffer exactly: no overlaps and no holes.
    func checkCoverage(_ entries: [TensorEntry]) throws {
        let sorted = entries.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var covered = 0
        var previous: TensorEntry?
        for entry in sorted {
            if entry.begin > covered {
                throw fail("bytes \(covered)..<\(entry.begin) of the data buffer belong to no tensor")
            }
            if entry.begin < covered, let previous {
                throw fail(
                    "tensor \(quote(entry.name)): data_offsets [\(entry.begin), \(entry.end)] overlap tensor \(quote(previous.name)) at [\(previous.begin), \(previous.end)]"
                )
            }
            covered = entry.end
            previous = entry
        }
        if covered < dataLength {
            throw fail("bytes \(covered)..<\(dataLength) of the data buffer belong to no tensor")
        }
    }

    // MARK: Helpers

    /// `count` little-endian floats starting at byte `start`; the caller checked they are in the file.
    func readFloats(from start: Int, count: Int) -> [Float] {
        bytes.withUnsafeBytes { raw in
            (0..<count).map { i in
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self)))
            }
        }
    }

    /// A name as it appears in messages: quoted, escaped and shortened, so the message stays one line.
    func quote(_ name: String) -> String {
        "'" + String(JSONValue.quoted(name, limit: 64).dropFirst().dropLast()) + "'"
    }

    func fail(_ message: String) -> FormatError {
        FormatError(path, message)
    }
}
