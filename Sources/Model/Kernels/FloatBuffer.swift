// One flat, zero-initialized, 64-byte-aligned allocation of floats: the storage of a network's
// parameters, of their gradients, of each optimizer state and of the best-weights snapshot
// (llm.c's `params_memory` / `grads_memory`). Tensors are views into it at fixed offsets, so a pass
// over every parameter (an optimizer update, a gradient norm, a copy, an all-reduce) is one loop
// over one pointer.

public final class FloatBuffer {
    /// Elements (tensors plus the padding that aligns each to 16 floats).
    public let count: Int
    /// The elements, valid as long as the buffer lives.
    public let data: UnsafeMutablePointer<Float>

    /// Chunks start at multiples of 16 floats, so two threads never write one 64-byte line.
    public static let alignment = 16

    public init(count: Int) {
        precondition(count >= 0, "negative buffer size")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(count, 1) * MemoryLayout<Float>.stride,
            alignment: 64)
        data = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        data.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { UnsafeMutableRawPointer(data).deallocate() }

    /// The elements, in place.
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: data, count: count) }

    /// Copies another buffer of the same size.
    public func copy(from other: FloatBuffer) {
        precondition(other.count == count, "buffer sizes differ")
        data.update(from: other.data, count: count)
    }

    public func fill(_ value: Float) { data.update(repeating: value, count: count) }

    /// `n` rounded up to the alignment.
    @inline(__always) public static func aligned(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }
}
