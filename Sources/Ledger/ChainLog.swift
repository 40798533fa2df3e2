import ArchiveModel
import Catalog
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The chain's files in a store: `chain/log.jsonl` (one record per line, append-only) and
/// `chain/rows/<seq>.jsonl` (the rows each record's root covers, one JSON array per line).
public struct ChainLog: Sendable {
    /// `<store>/chain`.
    public let directory: URL

    public init(store: URL) {
        directory = store.appendingPathComponent("chain", isDirectory: true)
    }

    public var logURL: URL { directory.appendingPathComponent("log.jsonl") }

    /// `rows/00000001.jsonl` for seq 1.
    public static func rowsFileName(seq: Int) -> String {
        "rows/" + String(repeating: "0", count: max(0, 8 - String(seq).count)) + String(seq) + ".jsonl"
    }

    public func rowsURL(seq: Int) -> URL { directory.appendingPathComponent(Self.rowsFileName(seq: seq)) }

    /// One line of the log as found: its 1-based line number, the text, and the record if it parses.
    public struct Line: Sendable {
        public let number: Int
        public let text: Substring
        public let record: ChainRecord?
    }

    /// Every line of the log (empty when there is no log yet).
    /// - Throws: `ChainError.io` when the file exists but cannot be read.
    public func lines() throws -> [Line] {
        guard FileManager.default.fileExists(atPath: logURL.path) else { return [] }
        let data: Data
        do { data = try Data(contentsOf: logURL) } catch { throw ChainError.io(path: logURL.path, reason: "\(error)") }
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { i, line in
            line.isEmpty ? nil : Line(number: i + 1, text: line, record: ChainRecord(jsonLine: line))
        }
    }

    /// Writes a record's rows file (temp, fsync, rename) and returns nothing; call before ``append(_:)``.
    func writeRows(seq: Int, _ write: (FileSink) throws -> Void) throws {
        let url = rowsURL(seq: seq)
        try makeDirectory(url.deletingLastPathComponent())
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        let sink = try FileSink(path: temp.path, flags: O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try write(sink)
            try sink.finish()
        } catch {
            sink.abandon()
            throw error
        }
        guard rename(temp.path, url.path) == 0 else { throw ChainError.io(path: url.path, reason: String(cString: strerror(errno))) }
        try Self.syncDirectory(url.deletingLastPathComponent().path)
    }

    /// Appends one record line and makes it durable. A last line without its line end (an append
    /// cut short by a crash, so never a record) is cut off first.
    func append(_ record: ChainRecord) throws {
        try makeDirectory(directory)
        try cutTornTail()
        let sink = try FileSink(path: logURL.path, flags: O_WRONLY | O_CREAT | O_APPEND)
        try sink.write(Array((record.jsonLine + "\n").utf8))
        try sink.finish()
        try Self.syncDirectory(directory.path)
    }

    /// True when the log exists and its last byte is not a line end (a torn append).
    public func hasTornTail() -> Bool {
        guard let handle = FileHandle(forReadingAtPath: logURL.path) else { return false }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size > 0 else { return false }
        try? handle.seek(toOffset: size - 1)
        return (try? handle.read(upToCount: 1)) != Data([0x0A])
    }

    /// Truncates the log to its last line end, fsynced.
    private func cutTornTail() throws {
        guard hasTornTail(), let data = FileManager.default.contents(atPath: logURL.path) else { return }
        let keep = (data.lastIndex(of: 0x0A).map { $0 + 1 }) ?? 0
        guard truncate(logURL.path, off_t(keep)) == 0 else { throw ChainError.io(path: logURL.path, reason: String(cString: strerror(errno))) }
        let fd = open(logURL.path, O_RDWR | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    /// Reads a record's rows file back; nil when it is missing.
    public func rows(seq: Int) throws -> [ChainRow]? {
        guard let data = FileManager.default.contents(atPath: rowsURL(seq: seq).path) else { return nil }
        var out: [ChainRow] = []
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard let a = try? JSONSerialization.jsonObject(with: Data(line)) as? [Any], a.count == 6,
                  let source = a[0] as? String, let account = a[1] as? String, let mailbox = a[2] as? String,
                  let validity = (a[3] as? NSNumber)?.uint32Value, let uid = (a[4] as? NSNumber)?.uint32Value,
                  let hex = a[5] as? String, let blob = BlobID(hex: hex) else { throw ChainError.badRowsFile(seq: seq) }
            out.append(ChainRow(source: source, account: account, mailboxWire: mailbox, uidValidity: validity, uid: uid, blob: blob))
        }
        return out
    }

    /// One row as a line of a rows file: the JSON array `[source, account, mailbox, uidvalidity, uid, blob]`.
    ///
    /// Strings of printable ASCII without `"` or `\` (nearly every row: mailbox names are modified
    /// UTF-7) are written directly, byte for byte as `JSONSerialization` writes them; any other row goes
    /// through `JSONSerialization`, which took a tenth of a backfill's CPU when used for every row.
    static func rowLine(_ row: ChainRow) -> [UInt8] {
        func plain(_ s: String) -> Bool { s.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C } }
        if plain(row.source), plain(row.account), plain(row.mailboxWire) {
            var line: [UInt8] = []
            line.reserveCapacity(row.source.utf8.count + row.account.utf8.count + row.mailboxWire.utf8.count + 100)
            for s in [row.source, row.account, row.mailboxWire] {
                line.append(line.isEmpty ? 0x5B : 0x2C)
                line.append(0x22)
                line += s.utf8
                line.append(0x22)
            }
            line += ",\(row.uidValidity),\(row.uid),\"\(row.blob.hex)\"]\n".utf8
            return line
        }
        let array: [Any] = [row.source, row.account, row.mailboxWire, Int(row.uidValidity), Int(row.uid), row.blob.hex]
        let data = try! JSONSerialization.data(withJSONObject: array, options: [.withoutEscapingSlashes])
        return Array(data) + [0x0A]
    }

    private func makeDirectory(_ url: URL) throws {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw ChainError.io(path: url.path, reason: "\(error)")
        }
    }

    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ChainError.io(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ChainError.io(path: path, reason: String(cString: strerror(errno))) }
    }
}

/// A file written through a 64 KiB buffer and fsynced before it counts.
final class FileSink {
    private let fd: Int32
    private let path: String
    private var buffer: [UInt8] = []
    private var closed = false

    init(path: String, flags: Int32) throws {
        fd = open(path, flags | O_CLOEXEC, 0o644)
        self.path = path
        guard fd >= 0 else { throw ChainError.io(path: path, reason: String(cString: strerror(errno))) }
        buffer.reserveCapacity(1 << 16)
    }

    func write(_ bytes: [UInt8]) throws {
        buffer += bytes
        if buffer.count >= 1 << 16 { try flush() }
    }

    private func flush() throws {
        var done = 0
        while done < buffer.count {
            let n = buffer[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw ChainError.io(path: path, reason: String(cString: strerror(errno))) }
            done += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered, fsyncs and closes.
    func finish() throws {
        defer { closeOnce() }
        try flush()
        guard fsync(fd) == 0 else { throw ChainError.io(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Closes and removes the file after a failure.
    func abandon() {
        closeOnce()
        unlink(path)
    }

    private func closeOnce() {
        if !closed { close(fd) }
        closed = true
    }
}

/// Failures reading or writing the chain.
public enum ChainError: Error, CustomStringConvertible {
    case io(path: String, reason: String)
    case badRowsFile(seq: Int)

    public var description: String {
        switch self {
        case let .io(path, reason): return "cannot write the hash chain at \(path) (\(reason)); check the disk, then run backfill or sync again to append the record"
        case .badRowsFile(let seq): return "the rows file of chain record \(seq) is damaged; run `coffer verify` to see what changed"
        }
    }
}

extension ChainLog {
    /// The last readable record of the log (nil when there is none).
    /// Shown by `coffer stats`; `verify` says whether the chain up to it is sound.
    public func head() throws -> ChainRecord? {
        try lines().last { $0.record != nil }?.record
    }
}
