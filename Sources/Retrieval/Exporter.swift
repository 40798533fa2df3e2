import ArchiveModel
import Catalog
import Foundation
import PackStore
#if canImport(Glibc)
import Glibc
#endif

/// What to export, and where.
public struct ExportOptions: Sendable {
    public var format: ExportFormat
    /// The export folder (created when missing).
    public var destination: URL
    public var query: MessageQuery
    /// The filters as given, recorded in the manifest.
    public var selection: [String: String]

    public init(format: ExportFormat, destination: URL, query: MessageQuery, selection: [String: String]) {
        self.format = format
        self.destination = destination
        self.query = query
        self.selection = selection
    }
}

/// What an export did.
public struct ExportSummary: Sendable {
    public var messages = 0
    public var bytes: UInt64 = 0
    /// Files (eml, maildir) already present with the right bytes, left alone.
    public var unchanged = 0
    /// Messages that could not be exported (damaged blob), with the reason; not in the manifest.
    public var failed: [(message: ListedMessage, reason: String)] = []
}

/// Writes the selected messages' raw bytes, exactly, as eml files, maildirs or mboxrd files, with a manifest.
///
/// Streams: one read transaction over the index, each blob decompressed in chunks straight to its
/// file (through a temporary name, renamed when complete) and re-hashed on the way; memory does not
/// grow with the number or size of messages. Re-running with the same selection writes the same
/// files and the same manifest; eml and maildir files already holding the right bytes are kept.
public final class Exporter {
    let catalog: Catalog
    let packs: PackStore
    let options: ExportOptions
    let progress: (String) -> Void
    let shouldStop: () -> Bool
    private var mbox: (file: OutputFile, path: String)?
    private var maildirListings: [String: [String: [String]]] = [:]
    private var summary = ExportSummary()

    public init(catalog: Catalog, packs: PackStore, options: ExportOptions,
                progress: @escaping (String) -> Void, shouldStop: @escaping () -> Bool = { false }) {
        self.catalog = catalog
        self.packs = packs
        self.options = options
        self.progress = progress
        self.shouldStop = shouldStop
    }

    /// - Throws: `ExportError` when the export folder cannot be written, `CatalogError`; a damaged
    ///   blob is not thrown but listed in ``ExportSummary/failed``.
    public func run() throws -> ExportSummary {
        let dest = options.destination
        try FileManager.default.createDirectory(at: dest, withIntermediateDirectories: true)
        let layout = ExportLayout(format: options.format, ambiguousAccounts: try catalog.accountNamesInSeveralSources())
        let total = try catalog.countMessages(options.query)
        let manifest = try ManifestWriter(directory: dest, format: options.format, selection: options.selection)
        var lastReport = Date()
        do {
            try catalog.forEachMessage(options.query) { message, _, location in
                if shouldStop() { throw ExportStopped() }
                if let entry = try export(message, location, layout) { try manifest.add(entry) }
                if Date().timeIntervalSince(lastReport) >= 2 {
                    lastReport = Date()
                    progress(String(format: "export: %d/%d messages, %.1f MB", summary.messages, total, Double(summary.bytes) / 1e6))
                }
            }
            try closeMbox()
            try syncFileSystem(dest)
            try manifest.finish()
        } catch {
            mbox?.file.abandon()
            manifest.abandon()
            throw error
        }
        progress(String(format: "export: %d/%d messages, %.1f MB, done", summary.messages, total, Double(summary.bytes) / 1e6))
        return summary
    }

    /// Exports one message; nil when it failed (recorded in the summary).
    private func export(_ m: ListedMessage, _ row: BlobRow?, _ layout: ExportLayout) throws -> ManifestEntry? {
        guard let row, let pack = PackID(hex: row.pack) else {
            summary.failed.append((m, "the index has no location for blob \(m.blob.hex); run `coffer verify`"))
            return nil
        }
        let location = BlobLocation(pack: pack, offset: row.offset, storedLength: row.storedLength, rawLength: row.rawLength, dictionary: row.dictionary,
                                    compression: row.compression, member: row.member)
        let path = layout.filePath(m)
        do {
            let entry = options.format == .mbox ? try appendToMbox(m, location, path) : try writeFile(m, location, path, layout)
            summary.messages += 1
            summary.bytes += m.size
            return entry
        } catch let error as PackStoreError {
            summary.failed.append((m, "\(error)"))
            return nil
        }
    }

    /// eml and maildir: one file per message, skipped when it already holds the right bytes.
    private func writeFile(_ m: ListedMessage, _ location: BlobLocation, _ path: String, _ layout: ExportLayout) throws -> ManifestEntry {
        let target = options.destination.appendingPathComponent(path)
        if options.format == .maildir { try prepareMaildir(m, target) }
        if try Self.holds(target, m) {
            summary.unchanged += 1
        } else {
            let file = try OutputFile(target: target)
            do {
                try packs.stream(location, expected: m.blob) { try file.write(UnsafeRawBufferPointer($0)) }
                try file.commit(modified: options.format == .maildir ? ExportLayout.internalDateSeconds(m) : nil)
            } catch {
                file.abandon()
                throw error
            }
        }
        return ManifestEntry(message: m, file: path, offset: 0, length: m.size)
    }

    /// Maildir: creates cur/new/tmp and removes an earlier export of the same message under other flags.
    private func prepareMaildir(_ m: ListedMessage, _ target: URL) throws {
        let cur = target.deletingLastPathComponent()
        let maildir = cur.deletingLastPathComponent()
        for sub in ["cur", "new", "tmp"] {
            try FileManager.default.createDirectory(at: maildir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        if maildirListings[cur.path] == nil {
            var byUnique: [String: [String]] = [:]
            for name in (try? FileManager.default.contentsOfDirectory(atPath: cur.path)) ?? [] {
                if let colon = name.range(of: ":2,") { byUnique[String(name[..<colon.lowerBound]), default: []].append(name) }
            }
            maildirListings[cur.path] = byUnique
        }
        for stale in maildirListings[cur.path]?[ExportLayout.maildirUnique(m)] ?? [] where stale != target.lastPathComponent {
            try? FileManager.default.removeItem(at: cur.appendingPathComponent(stale))
        }
    }

    /// mbox: appends the separator line, the mboxrd-quoted bytes and one LF to the mailbox's file.
    private func appendToMbox(_ m: ListedMessage, _ location: BlobLocation, _ path: String) throws -> ManifestEntry {
        if mbox?.path != path {
            try closeMbox()
            mbox = (try OutputFile(target: options.destination.appendingPathComponent(path)), path)
        }
        let file = mbox!.file
        let start = file.size
        do {
            try file.write(Array("From MAILER-DAEMON \(Self.asctime(ExportLayout.internalDateSeconds(m) ?? 0))\n".utf8))
            let offset = file.size
            var quoter = MboxrdQuoter()
            try packs.stream(location, expected: m.blob) { chunk in try quoter.feed(chunk) { try file.write($0) } }
            try quoter.finish { try file.write($0) }
            let length = file.size - offset
            try file.write([0x0A])
            return ManifestEntry(message: m, file: path, offset: offset, length: length)
        } catch {
            try file.truncate(to: start)
            throw error
        }
    }

    private func closeMbox() throws {
        try mbox?.file.commit()
        mbox = nil
    }

    /// True when `target` exists with the message's size and SHA-256.
    static func holds(_ target: URL, _ m: ListedMessage) throws -> Bool {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: target.path),
              (attributes[.size] as? NSNumber)?.uint64Value == m.size else { return false }
        return try ManifestWriter.sha256(of: target) == m.blob.hex
    }

    /// Makes every file written so far durable before the manifest names them: one `sync()`
    /// (glibc's `syncfs` is not visible to Swift), not one fsync per file.
    private func syncFileSystem(_ dir: URL) throws {
        sync()
    }

    /// `Thu Jan  1 00:00:00 1970` in UTC, the date form of mbox separator lines.
    static func asctime(_ seconds: Int64) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return String(format: "%@ %@ %2d %02d:%02d:%02d %d", days[Int(parts.tm_wday)], months[Int(parts.tm_mon)],
                      parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, Int(parts.tm_year) + 1900)
    }
}

/// The user interrupted the export.
public struct ExportStopped: Error, CustomStringConvertible {
    public var description: String { "the export was interrupted; the manifest was not written; run it again to finish" }
}
