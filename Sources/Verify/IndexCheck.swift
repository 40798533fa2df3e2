import ArchiveModel
import Catalog
import Foundation
import PackStore

/// Index ↔ packs, without reading any payload: every message row has a blob row, every blob row
/// names an entry of an existing pack that holds that blob, and every pack entry is named by a
/// blob row (no orphans). Reads only entry headers.
struct IndexCheck {
    let catalog: Catalog
    let packs: PackStore

    /// - Returns: the findings and how many packs are on disk.
    func run() throws -> (findings: [Finding], packsOnDisk: Int) {
        var findings = try catalog.messagesWithoutBlob().map {
            Finding(kind: "missing-blob-row", pack: nil, blob: $0.blob.hex, messages: [MessageRef($0)],
                    detail: "The index has no location for this message's blob. Re-run `coffer backfill` to fetch the message again, or restore index.sqlite from a backup copy.")
        }
        let onDisk = try packs.packIDs()
        let indexed = try catalog.packsInIndex()
        for pack in Set(onDisk.map(\.hex)).union(indexed).sorted() {
            findings += try check(pack: pack, exists: onDisk.contains { $0.hex == pack })
        }
        return (findings, onDisk.count)
    }

    /// One pack: its blob rows against its entries.
    func check(pack hex: String, exists: Bool) throws -> [Finding] {
        let rows = try catalog.blobs(inPack: hex)
        guard let pack = PackID(hex: hex) else {
            return try rows.map { try finding($0, "bad-pack-id", "The index names pack \"\(hex)\", which is not a pack ID: the index was altered. Restore index.sqlite from a backup copy.") }
        }
        guard exists else {
            return try rows.map { try finding($0, "missing-pack", "Pack \(hex) holding this blob is missing. Restore the pack file from a backup copy of the store.") }
        }
        let entries: [RecoveredEntry]
        do {
            entries = try packs.entries(of: pack)
        } catch {
            // The entry chain is broken; look at each indexed entry on its own (the pack-structure finding says where it breaks).
            return try rows.compactMap { try probe($0, pack) }
        }
        let byOffset = Dictionary(entries.map { ($0.location.offset, $0) }, uniquingKeysWith: { a, _ in a })
        let end = entries.last?.location.endOffset ?? 32
        var findings: [Finding] = []
        var referenced = Set<UInt64>()
        for row in rows {
            guard let entry = byOffset[row.offset] else {
                findings.append(try row.offset >= end ? probe(row, pack) ?? finding(row, "entry-lost", "The pack ends before this blob's entry. Restore the pack file from a backup copy of the store.")
                    : finding(row, "wrong-location", "The index points at offset \(row.offset) of the pack, which is not the start of an entry: the index or the pack was altered. Restore index.sqlite or the pack from a backup copy."))
                continue
            }
            if row.member != nil {
                // A blob inside a block: the entry must be that block (its members are checked by `--read-data`).
                if entry.location.compression == 2, entry.location.storedLength == row.storedLength,
                   entry.location.dictionary == row.dictionary {
                    referenced.insert(row.offset)
                } else {
                    findings.append(try finding(row, "wrong-location", "The index points into a block at offset \(row.offset), but the entry there is not that block: the index or the pack was altered. Restore index.sqlite or the pack from a backup copy."))
                }
                continue
            }
            if entry.id == row.id { referenced.insert(row.offset) }
            if entry.id != row.id {
                findings.append(try finding(row, "wrong-location", "The index points at offset \(row.offset), which holds blob \(entry.id.hex) instead of this one: the index or the pack was altered. Restore index.sqlite or the pack from a backup copy."))
            } else if entry.location.storedLength != row.storedLength || entry.location.rawLength != row.rawLength {
                findings.append(try finding(row, "wrong-location", "The entry at offset \(row.offset) holds this blob with other lengths than the index records: the index was altered. Restore index.sqlite from a backup copy."))
            }
        }
        let misplaced = Set(findings.compactMap(\.blob))
        for entry in entries where !referenced.contains(entry.location.offset) {
            findings.append(try orphan(entry, hex, misplaced: misplaced.contains(entry.id.hex)))
        }
        return findings
    }

    /// A pack entry no blob row names.
    ///
    /// - Parameter misplaced: the blob's own row points at a wrong place in this pack (reported separately).
    func orphan(_ entry: RecoveredEntry, _ pack: String, misplaced: Bool) throws -> Finding {
        let o = entry.location.offset
        let detail: String
        if misplaced {
            detail = "The entry at offset \(o) holds this blob, but the blob's index row points elsewhere. Restore index.sqlite from a backup copy of the store."
        } else if let elsewhere = try catalog.blob(entry.id) {
            detail = "The entry at offset \(o) is a second copy of a blob the index finds in pack \(elsewhere.pack) at offset \(elsewhere.offset); it only takes space. Nothing to do unless other findings name that pack."
        } else {
            detail = "The entry at offset \(o) holds a blob that no index row names, so no listed message uses it. If a backfill or sync was interrupted (a crash, a kill), run `coffer sync`: it indexes such entries. Otherwise, if messages are missing from `coffer ls`, restore index.sqlite from a backup copy; else it only takes space."
        }
        return Finding(kind: "orphan-entry", pack: pack, blob: entry.id.hex,
                       messages: try catalog.messages(referencing: entry.id).map(MessageRef.init), detail: detail)
    }

    /// Reads one entry header through the pack layer (stopping before any payload is decoded) and
    /// turns an error into a finding; nil when the entry is as the index says.
    func probe(_ row: BlobRow, _ pack: PackID) throws -> Finding? {
        let location = BlobLocation(pack: pack, offset: row.offset, storedLength: row.storedLength, rawLength: row.rawLength, dictionary: row.dictionary,
                                    compression: row.compression, member: row.member)
        do {
            try packs.stream(location, expected: row.id) { _ in throw ProbeStop() }
            return nil
        } catch is ProbeStop {
            return nil
        } catch let error as PackStoreError {
            switch error {
            case .truncatedEntry:
                return try finding(row, "entry-lost", "The pack ends inside or before this blob's entry (it was cut short). Restore the pack file from a backup copy of the store.")
            case .locationMismatch:
                return try finding(row, "wrong-location", "The entry at offset \(row.offset) does not hold this blob as the index records it: the index or the pack was altered. Restore index.sqlite or the pack from a backup copy.")
            case .badEntryHeader:
                return try finding(row, "entry-damaged", "The entry header of this blob is damaged. Restore the pack file from a backup copy of the store.")
            default:
                return try finding(row, "unreadable", "The blob cannot be read: \(error)")
            }
        }
    }

    private func finding(_ row: BlobRow, _ kind: String, _ detail: String) throws -> Finding {
        Finding(kind: kind, pack: row.pack, blob: row.id.hex, messages: try catalog.messages(referencing: row.id).map(MessageRef.init), detail: detail)
    }
}

/// Thrown from a stream sink to stop after the entry header checked out.
struct ProbeStop: Error {}
