// Runs `count` independent jobs on `count` threads (the calling thread takes job 0) and waits for all:
// plain pthreads, as the library avoids Foundation and Dispatch. For a handful of large jobs (a CSV
// file split in halves), where starting a thread costs microseconds against milliseconds of work.

import Glibc

enum ParallelFor {
    private final class Job {
        let body: (Int) -> Void
        let index: Int
        init(_ body: @escaping (Int) -> Void, _ index: Int) {
            self.body = body
            self.index = index
        }
    }

    static func run(_ count: Int, _ body: (Int) -> Void) {
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
                let status = pthread_create(&thread, nil, { context in
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
