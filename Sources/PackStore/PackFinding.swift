/// A structural problem found by ``PackStore/verifyStructure(_:)``.
///
/// Each case names the pack and, where there is one, the byte offset of the entry involved.
/// A pack without a trailer whose entries run cleanly to the end of the file is *unsealed*
/// (a writer is, or was, appending to it); that is not a finding. ``missingTrailer(_:)`` means
/// bytes follow the last entry that look like the start of a trailer but no valid trailer ends the file.
public enum PackFinding: Sendable, Equatable, CustomStringConvertible {
    /// The pack file does not exist.
    case missing(PackID)
    /// The pack file exists but could not be read (`reason` is the system error).
    case unreadable(PackID, reason: String)
    /// The 32-byte pack header is damaged, has an unknown version, or names another pack.
    case badPackHeader(PackID)
    /// The entry header at `offset` has a wrong magic, non-zero reserved bytes or a bad CRC-32C.
    case badEntryHeader(PackID, offset: UInt64)
    /// The entry starting at `at` runs past the end of the pack's entry area (a cut-off write).
    case truncated(PackID, at: UInt64)
    /// A trailer was started after the last entry but does not end the file.
    case missingTrailer(PackID)
    /// The trailer's tail is present but its lengths or table rows are malformed.
    case badTrailer(PackID)
    /// The trailer's table disagrees with the entry at `offset` (or the entries end at `offset`
    /// while the table continues).
    case tableMismatch(PackID, offset: UInt64)
    /// The SHA-256 over the sealed pack's bytes differs from the one in its trailer.
    case checksumMismatch(PackID)
    /// `entries` entries of the pack, the first at offset `firstEntry`, need zstd dictionary
    /// `dictionary`, whose file is missing.
    case dictionaryMissing(PackID, dictionary: UInt32, firstEntry: UInt64, entries: Int)
    /// As ``dictionaryMissing(_:dictionary:firstEntry:entries:)``, but the file is damaged (`reason`).
    case badDictionary(PackID, dictionary: UInt32, firstEntry: UInt64, entries: Int, reason: String)

    /// The pack the finding is about.
    public var pack: PackID {
        switch self {
        case .missing(let p), .unreadable(let p, _), .badPackHeader(let p), .badEntryHeader(let p, _),
             .truncated(let p, _), .missingTrailer(let p), .badTrailer(let p), .tableMismatch(let p, _),
             .checksumMismatch(let p), .dictionaryMissing(let p, _, _, _), .badDictionary(let p, _, _, _, _):
            return p
        }
    }

    /// The byte offset involved, when the finding is about one place in the pack.
    ///
    /// Nil for dictionary findings: the entries they affect are spread through the pack, not
    /// everything from one offset on (the message names the first one).
    public var offset: UInt64? {
        switch self {
        case .badEntryHeader(_, let o), .truncated(_, let o), .tableMismatch(_, let o): return o
        default: return nil
        }
    }

    /// What is wrong and what to do, one sentence each.
    public var message: String {
        let restore = "Restore the pack file from a copy, or rebuild the index and archive its messages again."
        switch self {
        case .missing(let p):
            return "Pack \(p) is missing. \(restore)"
        case let .unreadable(p, reason):
            return "Pack \(p) cannot be read (\(reason)). Check the disk and permissions, then verify again."
        case .badPackHeader(let p):
            return "Pack \(p) has a damaged header. \(restore)"
        case let .badEntryHeader(p, o):
            return "Pack \(p) has a damaged entry header at offset \(o); later entries cannot be located. \(restore)"
        case let .truncated(p, o):
            return "Pack \(p) ends inside the entry at offset \(o), as after an interrupted write. When no archive run is active, open the store read-write to cut the partial entry off."
        case .missingTrailer(let p):
            return "Pack \(p) has a cut-off trailer. Open the store read-write to recover it as an unsealed pack."
        case .badTrailer(let p):
            return "Pack \(p) has a damaged trailer. \(restore)"
        case let .tableMismatch(p, o):
            return "The trailer of pack \(p) disagrees with the entry at offset \(o). \(restore)"
        case .checksumMismatch(let p):
            return "Pack \(p) does not match its SHA-256 checksum, so bytes changed after sealing. Run a data check to find the damaged blobs, then restore the pack file from a copy or archive those messages again."
        case let .dictionaryMissing(p, id, first, count):
            return "\(count) blob(s) of pack \(p), the first at offset \(first), need zstd dictionary \(id), whose file packs/dictionaries/\(id).zdict is missing. Restore that file from a copy of the store; those blobs are unreadable until then."
        case let .badDictionary(p, id, first, count, reason):
            return "\(count) blob(s) of pack \(p), the first at offset \(first), need zstd dictionary \(id), whose file packs/dictionaries/\(id).zdict is damaged (\(reason)). Restore that file from a copy of the store; those blobs are unreadable until then."
        }
    }

    public var description: String { message }
}
