// A thread that watches, while a LoopThreads is pinned, whether other processes want the CPUs
// (OtherLoad: /proc's runnable count minus our own), about every quarter second. Two looks that
// find others runnable make the pool step aside (unpin, loops inline); two looks that find none
// pin it again. Reading /proc allocates and takes microseconds, so it happens here and never in a
// training step.
import Glibc

final class LoadWatcher {
    static let intervalMicroseconds: UInt32 = 250_000
    private weak var pool: LoopThreads?

    init(pool: LoopThreads) {
        self.pool = pool
        var thread = pthread_t()
        let me = Unmanaged.passUnretained(self).toOpaque()
        if pthread_create(
            &thread, nil,
            { arg in
                Unmanaged<LoadWatcher>.fromOpaque(arg!).takeUnretainedValue().loop()
                return nil
            }, me) == 0
        {
            pthread_detach(thread)
        }
    }

    private func loop() {
        var busyLooks = 0
        var idleLooks = 0
        while true {
            usleep(LoadWatcher.intervalMicroseconds)
            guard let pool else { return }
            guard pool.pinRequested, let others = OtherLoad.runnable() else {
                busyLooks = 0
                idleLooks = 0
                continue
            }
            if others > 0 {
                busyLooks += 1
                idleLooks = 0
            } else {
                idleLooks += 1
                busyLooks = 0
            }
            if busyLooks >= 2 { pool.stepAside(true) } else if idleLooks >= 2 { pool.stepAside(false) }
        }
    }
}
