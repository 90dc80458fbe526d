// Waiting for another process to write a file, without sleeping: inotify says when the file
// changed, and the condition is looked at again then.
import Glibc

public enum FileWatch {
    /// Waits until `condition` holds, looking at it now and after each change the kernel reports to
    /// the file at `path` (which must exist). False if it still does not hold after `timeout` seconds.
    public static func wait(for path: String, timeout: Double = 30, until condition: () -> Bool) -> Bool {
        let fd = inotify_init1(Int32(IN_CLOEXEC))
        guard fd >= 0 else { return condition() }
        defer { close(fd) }
        // Watching starts before the first look, so no change between the two goes unseen.
        guard inotify_add_watch(fd, path, UInt32(IN_MODIFY | IN_CLOSE_WRITE)) >= 0 else { return condition() }
        let deadline = now() + timeout
        var events = [UInt8](repeating: 0, count: 4096)
        while !condition() {
            let left = deadline - now()
            if left <= 0 { return false }
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let n = poll(&ready, 1, Int32(min(left * 1000, Double(Int32.max)).rounded(.up)))
            if n < 0 && errno != EINTR { return condition() }
            if n > 0 { _ = events.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
        }
        return true
    }

    private static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
