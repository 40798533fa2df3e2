import Foundation

/// Human-readable output goes to stderr; machine output (`--json`) to stdout.
enum Console {
    private static let lock = NSLock()

    /// One line to stderr.
    static func error(_ line: String) {
        lock.withLock { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    /// One line to stdout.
    static func out(_ line: String) {
        lock.withLock { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    }
}
