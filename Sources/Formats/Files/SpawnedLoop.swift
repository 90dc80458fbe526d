// A loop of a few large chunks (a CSV file split in halves), each on a thread started for it (the
// calling thread takes chunk 0), waiting for all: plain pthreads, as the library avoids Foundation
// and Dispatch, and no pool, as Formats runs without Runtime's LoopThreads. Starting a thread costs
// microseconds against the milliseconds of work in each chunk.

import Glibc

enum SpawnedLoop {
    private final class Job {
        let body: (Int) -> Void
        let index: Int
        init(_ body: @escaping (Int) -> Void, _ index: Int) {
            self.body = body
            self.index = index
        }
    }

    static func run(chunks count: Int, _ body: (Int) -> Void) {
        if count <= 1 {
            if count == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            var threads: [pthread_t] = []
            var inline: [Int] = [0]  // jobs that get no thread of their own run here
            for index in 1..<count {
                let job = Unmanaged.passRetained(Job(body, index))
                var thread = pthread_t()
                let status = pthread_create(
                    &thread, nil,
                    { context in
                        let job = Unmanaged<Job>.fromOpaque(context!).takeRetainedValue()
                        job.body(job.index)
                        return nil
                    }, job.toOpaque())
                if status == 0 {
                    threads.append(thread)
                } else {
                    job.release()
                    inline.append(index)
                }
            }
            for index in inline { body(index) }
            for thread in threads { pthread_join(thread, nil) }
        }
    }
}
