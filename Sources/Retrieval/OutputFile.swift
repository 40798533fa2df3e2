import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file written under a temporary name beside its target and renamed into place when complete,
/// so a reader (or a crash) never sees half a file under the final name.
final class OutputFile {
    let target: URL
    let temp: URL
    private let fd: Int32
    private var buffer: [UInt8] = []
    /// Bytes written so far (including buffered ones).
    private(set) var size: UInt64 = 0
    private var closed = false

    /// Creates the target's folder if needed and opens a fresh temporary file beside it.
    init(target: URL) throws {
        self.target = target
        let dir = target.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        temp = dir.appendingPathComponent(".coffer-\(UUID().uuidString.prefix(12)).tmp")
        fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ExportError.io(path: temp.path, reason: String(cString: strerror(errno))) }
        buffer.reserveCapacity(1 << 16)
    }

    deinit { if !closed { abandon() } }

    func write(_ bytes: some Collection<UInt8>) throws {
        buffer += bytes
        size += UInt64(bytes.count)
        if buffer.count >= 1 << 16 { try flush() }
    }

    func flush() throws {
        var done = 0
        while done < buffer.count {
            let n = buffer[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw ExportError.io(path: temp.path, reason: String(cString: strerror(errno))) }
            done += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Cuts the file back to `length` bytes (undoing a message that failed half-way).
    func truncate(to length: UInt64) throws {
        try flush()
        guard ftruncate(fd, off_t(length)) == 0, lseek(fd, off_t(length), SEEK_SET) >= 0 else {
            throw ExportError.io(path: temp.path, reason: String(cString: strerror(errno)))
        }
        size = length
    }

    /// Writes what is buffered, optionally fsyncs, and renames the file to its target.
    func commit(sync: Bool = false, modified: Int64? = nil) throws {
        try flush()
        if sync && fsync(fd) != 0 { throw ExportError.io(path: temp.path, reason: String(cString: strerror(errno))) }
        if let modified {
            var times = [timespec(tv_sec: Int(modified), tv_nsec: 0), timespec(tv_sec: Int(modified), tv_nsec: 0)]
            _ = futimens(fd, &times)
        }
        close(fd)
        closed = true
        guard rename(temp.path, target.path) == 0 else {
            unlink(temp.path)
            throw ExportError.io(path: target.path, reason: String(cString: strerror(errno)))
        }
    }

    /// Closes and removes the temporary file.
    func abandon() {
        if !closed { close(fd) }
        closed = true
        unlink(temp.path)
    }
}

/// Failures of an export that stop it.
public enum ExportError: Error, CustomStringConvertible {
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case let .io(path, reason): return "cannot write \(path) (\(reason)); check the export folder's disk space and permissions, then run the export again"
        }
    }
}
