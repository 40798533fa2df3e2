import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The exclusive write lock of a packs directory: a POSIX record lock on `<packs>/lock`, plus an
/// in-process registry because record locks do not exclude a second opener in the same process.
///
/// Record locks (`fcntl(F_SETLK)`) rather than `flock(2)`: a child process started with fork/exec
/// does not inherit them, so spawning a helper never keeps a store locked after it is closed.
final class StoreLock: @unchecked Sendable {
    private static let registryLock = NSLock()
    nonisolated(unsafe) private static var lockedPaths: Set<String> = []

    private let file: PackFile
    private let key: String

    /// Takes the lock of `directory`.
    ///
    /// - Throws: `.storeLocked` when this or another process holds it; `.io` when the lock file
    ///   cannot be opened.
    init(directory: URL) throws {
        let key = directory.resolvingSymlinksInPath().path
        self.key = key
        let inserted = Self.registryLock.withLock { Self.lockedPaths.insert(key).inserted }
        guard inserted else { throw PackStoreError.storeLocked(path: directory.path) }
        do {
            file = try PackFile(path: directory.appendingPathComponent("lock").path, flags: O_RDWR | O_CREAT, pack: nil)
            var request = flock()
            request.l_type = Int16(F_WRLCK)
            request.l_whence = Int16(SEEK_SET)
            request.l_start = 0
            request.l_len = 0
            guard fcntl(file.fd, F_SETLK, &request) == 0 else {
                let code = errno
                if code == EACCES || code == EAGAIN { throw PackStoreError.storeLocked(path: directory.path) }
                throw file.failure("lock", code)
            }
        } catch {
            Self.registryLock.withLock { _ = Self.lockedPaths.remove(key) }
            throw error
        }
    }

    deinit {
        // Closing the descriptor (when `file` is released) drops the record lock.
        let key = key
        Self.registryLock.withLock { _ = Self.lockedPaths.remove(key) }
    }
}
