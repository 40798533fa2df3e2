import ArchiveModel
import Foundation

/// A failure of the pack layer. Each case carries the pack ID and byte offset involved.
///
/// Descriptions are one sentence saying what is wrong and one saying what to do; they never
/// contain message content.
public enum PackStoreError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
    /// The pack file does not exist.
    case packMissing(PackID)
    /// A system call failed. `pack` is nil for store-level files (directory, lock, spill file).
    case io(pack: PackID?, path: String, operation: String, errno: Int32)
    /// The 32-byte pack header is damaged or names another pack.
    case badPackHeader(PackID)
    /// The entry header at `offset` has a wrong magic, reserved bytes or CRC-32C.
    case badEntryHeader(PackID, offset: UInt64)
    /// The entry header at `offset` does not describe the blob or lengths the caller's location names.
    case locationMismatch(PackID, offset: UInt64)
    /// The entry at `offset` runs past the end of the pack file.
    case truncatedEntry(PackID, offset: UInt64)
    /// The zstd payload of the entry at `offset` failed to decompress (zstd's checksum or framing).
    case corruptPayload(PackID, offset: UInt64, reason: String)
    /// The payload decompressed but hashes to `actual` instead of `expected`.
    case hashMismatch(PackID, offset: UInt64, expected: BlobID, actual: BlobID)
    /// The entry uses a compression kind or dictionary this build cannot decode.
    case unsupportedEntry(PackID, offset: UInt64, reason: String)
    /// Another process (or another `PackStore` in this one) holds the store's write lock.
    case storeLocked(path: String)
    /// The store was opened read-only and a write was attempted.
    case readOnly(path: String)
    /// zstd refused to compress (out of memory or a bad parameter).
    case compressionFailed(reason: String)
    /// A spilled payload file is not the length the encoder recorded.
    case spillFileChanged(path: String, expected: UInt64, actual: UInt64)
    /// The writer could not undo a failed append and stopped accepting blobs for this pack.
    case writerUnusable(PackID, reason: String)
    /// The file of zstd dictionary `id` does not exist; `pack` and `offset` name the entry that needs
    /// it, when the error comes from reading one.
    case dictionaryMissing(UInt32, pack: PackID?, offset: UInt64?)
    /// The file of zstd dictionary `id` is damaged (`reason`); `pack` and `offset` as above.
    case badDictionary(UInt32, pack: PackID?, offset: UInt64?, reason: String)
    /// A different dictionary with this ID is already in the store.
    case dictionaryExists(UInt32)
    /// zstd could not train a dictionary on the samples given.
    case trainingFailed(reason: String)

    /// How much is affected.
    public enum Scope: Sendable { case blob, pack, store }
    /// Whether trying again can help: now, after the operator fixes something, or never.
    public enum RetryClass: Sendable { case temporary, later, final }

    /// The smallest unit the failure affects.
    public var scope: Scope {
        switch self {
        case .hashMismatch, .corruptPayload, .badEntryHeader, .locationMismatch, .truncatedEntry, .unsupportedEntry:
            return .blob
        case .dictionaryMissing(_, let pack, _), .badDictionary(_, let pack, _, _): return pack == nil ? .store : .blob
        case .dictionaryExists, .trainingFailed: return .store
        case .packMissing, .badPackHeader, .writerUnusable: return .pack
        case .io(let pack, _, _, _): return pack == nil ? .store : .pack
        case .storeLocked, .readOnly, .compressionFailed, .spillFileChanged: return .store
        }
    }

    /// Whether a retry can succeed.
    public var retryClass: RetryClass {
        switch self {
        case .storeLocked: return .temporary
        case .io(_, _, _, let code) where code == EINTR || code == EAGAIN: return .temporary
        case .io, .readOnly, .compressionFailed, .writerUnusable, .spillFileChanged, .dictionaryMissing, .badDictionary,
             .trainingFailed: return .later
        default: return .final
        }
    }

    public var errorDescription: String? { description }

    /// "The blob at offset o of pack p needs " when both are known, else "The store needs ".
    private static func entry(_ pack: PackID?, _ offset: UInt64?) -> String {
        guard let pack, let offset else { return "The store needs " }
        return "The blob at offset \(offset) of pack \(pack) needs "
    }

    public var description: String {
        switch self {
        case .packMissing(let p):
            return "Pack \(p) is missing from the store. Restore the pack file from a second copy of the store (packs are never rewritten, so any copy that has it will do)."
        case let .io(p, path, op, code):
            let who = p.map { "pack \($0)" } ?? "the store"
            return "Could not \(op) \(path) for \(who): \(String(cString: strerror(code))). Check the disk (space, permissions, mount) and run the command again."
        case .badPackHeader(let p):
            return "Pack \(p) has a damaged header. Restore the pack file from a copy."
        case let .badEntryHeader(p, o):
            return "Pack \(p) has a damaged entry header at offset \(o). Restore the pack file from a second copy of the store."
        case let .locationMismatch(p, o):
            return "The index points to an entry at offset \(o) of pack \(p) that holds a different blob. Restore index.sqlite from a copy of the store."
        case let .truncatedEntry(p, o):
            return "Pack \(p) ends inside the entry at offset \(o). Restore the pack from a copy, or reopen the store read-write to recover an interrupted pack."
        case let .corruptPayload(p, o, reason):
            return "The blob at offset \(o) of pack \(p) does not decompress (\(reason)). Restore the pack file from a second copy of the store."
        case let .hashMismatch(p, o, expected, actual):
            return "The blob at offset \(o) of pack \(p) hashes to \(actual.hex.prefix(16))… instead of \(expected.hex.prefix(16))…. Restore the pack file from a second copy of the store."
        case let .unsupportedEntry(p, o, reason):
            return "The entry at offset \(o) of pack \(p) cannot be decoded by this version (\(reason)). Upgrade coffer."
        case .storeLocked(let path):
            return "The pack store at \(path) is in use by another coffer process. Wait for it to finish, then run the command again."
        case .readOnly(let path):
            return "The pack store at \(path) was opened read-only. Open it read-write to archive."
        case .compressionFailed(let reason):
            return "zstd could not compress a message (\(reason)). Check free memory and the configured compression level."
        case let .spillFileChanged(path, expected, actual):
            return "The spill file \(path) holds \(actual) bytes instead of \(expected). Keep other programs out of the spill directory and archive the message again."
        case let .writerUnusable(p, reason):
            return "Writing to pack \(p) stopped after an error that could not be undone (\(reason)). Reopen the store so recovery can repair the pack."
        case let .dictionaryMissing(id, p, o):
            return "\(Self.entry(p, o))zstd dictionary \(id), whose file packs/dictionaries/\(id).zdict is missing. Restore that file from a copy of the store; every blob compressed with it is unreadable until then."
        case let .badDictionary(id, p, o, reason):
            return "\(Self.entry(p, o))zstd dictionary \(id), whose file packs/dictionaries/\(id).zdict is damaged (\(reason)). Restore that file from a copy of the store; every blob compressed with it is unreadable until then."
        case .dictionaryExists(let id):
            return "The store already holds a different zstd dictionary \(id). Leave the existing file alone and train a new dictionary."
        case .trainingFailed(let reason):
            return "zstd could not train a dictionary (\(reason)). Archiving goes on without a dictionary; the next run tries again."
        }
    }
}
