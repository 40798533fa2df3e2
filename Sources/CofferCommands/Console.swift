import Foundation

/// Human-readable output goes to stderr; machine output (`--json`) to stdout.
enum Console {
    private static let lock = NSLock()

    /// One line to stderr. When stderr cannot be written (its reader went away, a full disk) the
    /// line is dropped and the command goes on: `FileHandle.write` would trap instead, and a dying
    /// log pipe must not stop an archiving run.
    static func error(_ line: String) {
        lock.withLock { _ = writeAll(2, Array((line + "\n").utf8)) }
    }

    /// One line to stdout.
    static func out(_ line: String) {
        lock.withLock { StandardOutput.write(Array((line + "\n").utf8)) }
    }
}

/// Writes to standard output with write(2). A reader that went away (`coffer ls | head`) ends the
/// command quietly with exit 0 instead of a crash: SIGPIPE is ignored, so EPIPE comes back here.
enum StandardOutput {
    static func write(_ bytes: [UInt8]) {
        if !writeAll(1, bytes) { Foundation.exit(errno == EPIPE ? 0 : 1) }
    }
}

/// Writes all of `bytes` to `fd` with write(2), retrying on EINTR; false (errno set) on any other error.
func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { raw in
        var done = 0
        while done < raw.count {
            let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
            if n > 0 { done += n; continue }
            if n < 0 && errno == EINTR { continue }
            return false
        }
        return true
    }
}
