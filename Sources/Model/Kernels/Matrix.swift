// A row-major Float matrix that owns its memory.
//
// Storage is a raw pointer allocated once: no copy-on-write, no ARC traffic and no exclusivity
// checks in the hot loops. `rows` may shrink and grow up to `capacityRows` without reallocating,
// so a layer sized for a batch of 128 also serves the last, shorter batch of an epoch.

public final class Matrix {
    /// Rows in use (the batch size for activations).
    public private(set) var rows: Int
    /// Columns (features).
    public let cols: Int
    /// Rows the storage has room for.
    public private(set) var capacityRows: Int
    /// The elements, `rows × cols` of them in use, row-major.
    public private(set) var data: UnsafeMutablePointer<Float>

    public init(rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0, "negative matrix shape")
        self.rows = rows
        self.cols = cols
        self.capacityRows = rows
        let n = max(rows * cols, 1)
        data = .allocate(capacity: n)
        data.initialize(repeating: 0, count: n)
    }

    public convenience init(rows: Int, cols: Int, values: [Float]) {
        precondition(values.count == rows * cols, "matrix values do not match its shape")
        self.init(rows: rows, cols: cols)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { data.deallocate() }

    /// Elements in use.
    @inline(__always) public var count: Int { rows * cols }

    /// Sets the rows in use, reallocating only when the storage is too small. New memory is zeroed.
    public func resize(rows newRows: Int) {
        if newRows > capacityRows {
            let n = newRows * cols
            let fresh = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
            fresh.initialize(repeating: 0, count: max(n, 1))
            fresh.update(from: data, count: rows * cols)
            data.deallocate()
            data = fresh
            capacityRows = newRows
        }
        rows = newRows
    }

    @inline(__always) public subscript(r: Int, c: Int) -> Float {
        get { data[r * cols + c] }
        set { data[r * cols + c] = newValue }
    }

    /// The elements in use, in place (valid while the matrix lives and is not resized).
    public var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: data, count: count) }

    /// The elements in use, copied out (for tests, saving and printing; never in the training step).
    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// Overwrites the elements in use.
    public func set(_ values: [Float]) {
        precondition(values.count == count, "matrix values do not match its shape")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    public func fill(_ value: Float) { data.update(repeating: value, count: count) }

    /// Copies another matrix's elements in use (shapes must agree).
    public func copy(from other: Matrix) {
        precondition(other.cols == cols, "matrix shapes differ")
        resize(rows: other.rows)
        data.update(from: other.data, count: count)
    }
}
