// Where the elementwise loops of a step run: the parallel-loop interface of the maths library.
//
// The vocabulary, the same in every target: a *loop* (an optimizer update, a batch gather, an
// activation pass) is cut into independent *chunks*; a *loop runner* calls `body(context, c)` once
// for every chunk c and returns when all are done. `InlineLoopRunner` runs them one after the other
// on the calling thread (the default); Runtime's `LoopThreads` shares them with a helper thread per
// OpenBLAS worker; Formats' `SpawnedLoop` runs a few large chunks on threads started for them.
// `Loops` is the runner a network's layers, loss and optimizer share. Which thread computes a chunk
// never changes what it computes, so results do not depend on the runner.

/// A chunk of a loop: `context` points at the loop's arguments, `chunk` says which part. A C function
/// pointer, not a Swift closure, so that handing it to other threads allocates nothing.
public typealias ChunkFunction = @convention(c) (_ context: UnsafeRawPointer, _ chunk: Int) -> Void

/// Something that runs the chunks of a loop, possibly on several threads.
public protocol LoopRunner: AnyObject {
    func run(chunks: Int, context: UnsafeRawPointer, _ body: ChunkFunction)
}

/// Runs every chunk on the calling thread, in order.
public final class InlineLoopRunner: LoopRunner {
    public init() {}
    public func run(chunks: Int, context: UnsafeRawPointer, _ body: ChunkFunction) {
        for c in 0..<chunks { body(context, c) }
    }
}

/// The runner a network's layers, loss and optimizer share; set `runner` to move their loops onto
/// threads. One per network (no process-wide singleton).
public final class Loops {
    public var runner: LoopRunner

    public init(_ runner: LoopRunner = InlineLoopRunner()) { self.runner = runner }

    /// Runs body for each of `chunks` chunks with a typed context, passed by the address of a copy
    /// on the stack.
    @inline(__always)
    public func run<Context>(chunks: Int, context: Context, _ body: ChunkFunction) {
        if chunks <= 1 {
            withUnsafePointer(to: context) { if chunks == 1 { body(UnsafeRawPointer($0), 0) } }
            return
        }
        withUnsafePointer(to: context) { runner.run(chunks: chunks, context: UnsafeRawPointer($0), body) }
    }

    /// The usual chunk: 16 K floats (64 KB) of a streaming loop, a few microseconds of work.
    public static let chunkElements = 16 * 1024

    /// Chunk c of 0..<count cut into pieces of `size` (for element loops a multiple of 16, so two
    /// threads never write the same 64-byte line of a float array).
    @inline(__always)
    public static func range(chunk c: Int, size: Int, count: Int) -> Range<Int> {
        c * size..<min(count, (c + 1) * size)
    }

    /// How many chunks of `size` cover `count`.
    @inline(__always)
    public static func chunks(_ count: Int, size: Int) -> Int { (count + size - 1) / size }

    /// Rows per chunk for a loop over rows of `width` elements: about `chunkElements` per chunk.
    @inline(__always)
    public static func rowsPerChunk(width: Int) -> Int { max(1, chunkElements / max(1, width)) }
}

extension LoopRunner {
    /// Runs body for each chunk with a typed context, passed by the address of a copy on the stack.
    @inline(__always)
    public func run<Context>(chunks: Int, context: Context, _ body: ChunkFunction) {
        withUnsafePointer(to: context) { run(chunks: chunks, context: UnsafeRawPointer($0), body) }
    }
}
