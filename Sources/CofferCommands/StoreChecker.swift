import ArchiveModel
import Archiver
import Catalog
import Foundation
import PackStore

/// The checks behind `coffer verify`: index ↔ packs, pack structure, and blob data.
final class StoreChecker {
    let store: ArchiveStore
    private(set) var packCount = 0

    init(store: ArchiveStore) { self.store = store }

    /// Every message row has a blob row; every blob row points at a pack entry holding that blob; every pack is sound.
    func checkStructure() throws -> [Finding] {
        var findings: [Finding] = []
        for m in try store.catalog.messagesWithoutBlob() {
            findings.append(Finding(kind: "missing-blob-row", pack: nil, blob: m.blob.hex, messages: [m],
                                    detail: "the index has no location for this message's blob; re-run `coffer backfill` to fetch it again"))
        }
        let packIDs = try store.packs.packIDs()
        packCount = packIDs.count
        var entries: [String: [UInt64: BlobID]] = [:]
        for pack in packIDs {
            for finding in store.packs.verifyStructure(pack) {
                findings.append(Finding(kind: "pack-structure", pack: pack.hex, blob: nil, messages: [], detail: finding.message))
            }
            let list = (try? store.packs.entries(of: pack)) ?? []
            entries[pack.hex] = Dictionary(list.map { ($0.location.offset, $0.id) }, uniquingKeysWith: { a, _ in a })
        }
        var bad: [(BlobRow, String, String)] = []
        try store.catalog.forEachBlob { row in
            guard let packEntries = entries[row.pack] else {
                bad.append((row, "missing-pack", "the pack holding this blob is missing; restore it from a backup copy of the store"))
                return
            }
            if packEntries[row.offset] != row.id {
                bad.append((row, "wrong-location", "the index points at offset \(row.offset), which does not hold this blob; the index or the pack was altered"))
            }
        }
        return try findings + bad.map { try finding($0.0, kind: $0.1, detail: $0.2) }
    }

    /// Decompresses every blob and recomputes its SHA-256.
    func checkData() throws -> [Finding] {
        var bad: [(BlobRow, String, String)] = []
        try store.catalog.forEachBlob { row in
            guard let pack = PackID(hex: row.pack) else {
                bad.append((row, "bad-pack-id", "the index names a pack ID that is not 32 hex characters; the index was altered"))
                return
            }
            let location = BlobLocation(pack: pack, offset: row.offset, storedLength: row.storedLength,
                                        rawLength: row.rawLength, dictionary: row.dictionary)
            switch store.packs.verifyBlob(location, id: row.id) {
            case .ok: break
            case .hashMismatch(let actual):
                bad.append((row, "hash-mismatch", "the stored bytes hash to \(actual.hex), not to the blob's name: the pack is damaged; restore the pack from a backup or re-fetch these messages"))
            case .unreadable(let reason):
                bad.append((row, "unreadable", "the blob cannot be read (\(reason)): the pack is damaged; restore the pack from a backup or re-fetch these messages"))
            }
        }
        return try bad.map { try finding($0.0, kind: $0.1, detail: $0.2) }
    }

    private func finding(_ row: BlobRow, kind: String, detail: String) throws -> Finding {
        Finding(kind: kind, pack: row.pack, blob: row.id.hex, messages: try store.catalog.messages(referencing: row.id), detail: detail)
    }
}
