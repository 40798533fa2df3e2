import ArchiveModel
import Foundation

extension PackStore {
    /// Scans every unsealed pack, truncates torn tails and records the complete entries.
    ///
    /// A crash can leave an unsealed pack cut at any byte, or (before its fsync) with garbage after
    /// the last synced entry. Everything before the first entry that fails its header CRC, runs past
    /// the end, or does not decode to its blob ID is kept; the rest is cut off and the cut fsynced.
    /// Nothing the caller indexed can be lost this way, because index rows are only committed after
    /// ``PackWriter/sync()`` made their entries durable. Entries whose dictionary file is missing or
    /// damaged are kept on their header and reported in ``recoveryFindings``.
    func recoverUnsealedPacks(indexedEnds: [PackID: UInt64] = [:]) throws {
        var entries: [RecoveredEntry] = []
        var packs: [PackID] = []
        var findings: [PackFinding] = []
        for pack in try packIDs() {
            let file = try PackFile(path: url(of: pack).path, flags: O_RDWR, pack: pack)
            let size = try file.size()
            if try sealedTail(of: file, size: size) != nil { continue }
            guard try packHeaderIsValid(file) else {
                // A header cut short by a crash right after creation: the pack holds nothing.
                if size <= UInt64(PackHeader.size) { packs.append(pack) } else { findings.append(.badPackHeader(pack)) }
                continue
            }
            let scan = try scanChain(file, from: UInt64(PackHeader.size), to: size, checkPayloads: true)
            if let indexed = indexedEnds[pack], scan.end < indexed {
                // Damage below what the index names: not a torn write. Leave the pack untouched.
                findings.append(.badEntryHeader(pack, offset: scan.end))
                continue
            }
            if scan.end < size {
                try file.truncate(to: scan.end)
                try file.sync()
            }
            packs.append(pack)
            entries += scan.entries
            findings += dictionaryFindings(pack, scan.entries)
        }
        setRecovery(entries: entries, packs: packs, findings: findings)
    }

    /// Seals the packs that recovery found unsealed, once their entries are indexed.
    ///
    /// Packs left with no entries are deleted instead. Afterwards ``recovered`` and
    /// ``recoveredPacks`` are empty. Call this only after the index rows for ``recovered`` are
    /// committed: a sealed pack is not scanned at the next open.
    ///
    /// - Returns: the packs sealed.
    /// - Throws: `.readOnly`, `.io`, or `.truncatedEntry` if a pack changed since recovery.
    @discardableResult
    public func sealRecoveredPacks() throws -> [PackID] {
        guard access == .readWrite else { throw PackStoreError.readOnly(path: directory.path) }
        let packs = recoveredPacks
        let byPack = Dictionary(grouping: recovered, by: \.location.pack)
        var sealed: [PackID] = []
        for pack in packs {
            let entries = byPack[pack] ?? []
            if entries.isEmpty {
                try deleteEmptyPack(pack)
            } else if try sealRecovered(pack, entries: entries) {
                sealed.append(pack)
            }
        }
        setRecovery(entries: [], packs: [], findings: recoveryFindings)
        return sealed
    }

    /// Appends a trailer to one recovered pack; false when it is already sealed.
    private func sealRecovered(_ pack: PackID, entries: [RecoveredEntry]) throws -> Bool {
        let file = try PackFile(path: url(of: pack).path, flags: O_RDWR, pack: pack)
        let size = try file.size()
        if try sealedTail(of: file, size: size) != nil { return false }
        let end = entries.last!.location.endOffset
        guard size == end else { throw PackStoreError.truncatedEntry(pack, offset: min(size, end)) }
        var hasher = try Self.hashFile(file, upTo: size)
        try file.seek(to: size)
        do {
            try Self.writeTrailer(file, entries: entries, hasher: &hasher)
        } catch {
            try? file.truncate(to: size)
            throw error
        }
        try PackFile.syncDirectory(subdirectory(of: pack).path)
        return true
    }

    /// Removes a pack that holds no entries, and makes the removal durable.
    private func deleteEmptyPack(_ pack: PackID) throws {
        let path = url(of: pack).path
        guard unlink(path) == 0 || errno == ENOENT else {
            throw PackStoreError.io(pack: pack, path: path, operation: "delete", errno: errno)
        }
        try PackFile.syncDirectory(subdirectory(of: pack).path)
    }
}
