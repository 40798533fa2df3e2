import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor with positional reads and appending writes that report
/// failures as ``PackStoreError/io(pack:path:operation:errno:)``.
///
/// Reads use `pread`, so one instance can be read from several threads at once.
/// The descriptor is closed when the instance is released.
final class PackFile: @unchecked Sendable {
    let fd: Int32
    let path: String
    let pack: PackID?

    /// Opens `path` with `open(2)` flags.
    ///
    /// - Throws: `.packMissing` when a pack file does not exist; `.io` for other failures.
    init(path: String, flags: Int32, pack: PackID?, mode: mode_t = 0o644) throws {
        let fd = open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT, let pack { throw PackStoreError.packMissing(pack) }
            throw PackStoreError.io(pack: pack, path: path, operation: "open", errno: code)
        }
        self.fd = fd
        self.path = path
        self.pack = pack
    }

    deinit { close(fd) }

    func failure(_ operation: String, _ code: Int32 = errno) -> PackStoreError {
        .io(pack: pack, path: path, operation: operation, errno: code)
    }

    /// The current file size in bytes.
    func size() throws -> UInt64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw failure("stat") }
        return UInt64(st.st_size)
    }

    /// Reads up to `buffer.count` bytes at `offset`; returns how many were read (fewer only at end of file).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("read")
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads `count` bytes at `offset`; the result is shorter only at end of file.
    func read(count: Int, at offset: UInt64) throws -> [UInt8] {
        var got = 0
        let bytes = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            got = try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
            initialized = got
        }
        return bytes
    }

    /// Writes all of `bytes` at the current file position.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = systemWrite(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("write")
            }
            done += n
        }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Writes `first` then `second` with one `writev(2)` when possible.
    func write(_ first: [UInt8], _ second: [UInt8]) throws {
        let written = first.withUnsafeBytes { a in
            second.withUnsafeBytes { b in
                var vectors = [iovec(iov_base: UnsafeMutableRawPointer(mutating: a.baseAddress), iov_len: a.count),
                               iovec(iov_base: UnsafeMutableRawPointer(mutating: b.baseAddress), iov_len: b.count)]
                return writev(fd, &vectors, 2)
            }
        }
        if written < 0 && errno != EINTR { throw failure("write") }
        let done = max(written, 0)
        if done < first.count {
            try first.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[done...])) }
            try write(second)
        } else {
            try second.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[(done - first.count)...])) }
        }
    }

    /// Moves the write position to `offset`.
    func seek(to offset: UInt64) throws {
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else { throw failure("seek") }
    }

    /// Cuts the file to `length` bytes and moves the write position there.
    func truncate(to length: UInt64) throws {
        guard ftruncate(fd, off_t(length)) == 0 else { throw failure("truncate") }
        guard lseek(fd, off_t(length), SEEK_SET) >= 0 else { throw failure("seek") }
    }

    /// Flushes the file's data and size to stable storage (`fsync(2)`).
    func sync() throws {
        while fsync(fd) != 0 {
            if errno != EINTR { throw failure("fsync") }
        }
    }

    /// Creates a directory and any missing parents (like `mkdir -p`).
    ///
    /// - Returns: true when this call created the last path component.
    @discardableResult
    static func makeDirectory(_ path: String) throws -> Bool {
        if mkdir(path, 0o755) == 0 { return true }
        let code = errno
        if code == EEXIST { return false }
        guard code == ENOENT else { throw PackStoreError.io(pack: nil, path: path, operation: "create directory", errno: code) }
        let parent = (path as NSString).deletingLastPathComponent
        guard !parent.isEmpty, parent != path else { throw PackStoreError.io(pack: nil, path: path, operation: "create directory", errno: code) }
        try makeDirectory(parent)
        return try makeDirectory(path)
    }

    /// The names in a directory (without "." and ".."), or nil when it does not exist or is not a directory.
    static func listDirectory(_ path: String) throws -> [String]? {
        guard let dir = opendir(path) else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw PackStoreError.io(pack: nil, path: path, operation: "list", errno: code)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Makes a directory's entries durable: opens it read-only and fsyncs it.
    static func syncDirectory(_ path: String) throws {
        let dir = try PackFile(path: path, flags: O_RDONLY | O_DIRECTORY, pack: nil)
        try dir.sync()
    }
}

/// `write(2)`, reachable from inside `PackFile` whose own `write` methods shadow it.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
