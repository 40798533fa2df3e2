import ArchiveModel
import Foundation

extension PackStore {
    /// Checks one pack's structure without decompressing any blob.
    ///
    /// Checks the pack header; walks the entry headers (magic, CRC-32C, lengths within the file);
    /// and for a sealed pack parses the trailer, compares its table with the entries, and re-hashes
    /// the whole pack against the SHA-256 in the trailer. Every dictionary the entries name must load
    /// (file present, header and SHA-256 intact). An unsealed pack whose entries run exactly to the
    /// end of the file yields no findings.
    ///
    /// - Returns: every problem found, in file order; empty when the pack is sound.
    public func verifyStructure(_ pack: PackID) -> [PackFinding] {
        do {
            let file = try openForReading(pack)
            let size = try file.size()
            guard try packHeaderIsValid(file) else { return [.badPackHeader(pack)] }
            guard let tail = try sealedTail(of: file, size: size) else {
                return try verifyUnsealed(file, size: size)
            }
            return try verifySealed(file, size: size, tail: tail)
        } catch PackStoreError.packMissing {
            return [.missing(pack)]
        } catch {
            return [.unreadable(pack, reason: "\(error)")]
        }
    }

    private func verifyUnsealed(_ file: PackFile, size: UInt64) throws -> [PackFinding] {
        let pack = file.pack!
        if size >= 8, try file.read(count: 8, at: size - 8) == PackFormat.endMagic {
            return [.badTrailer(pack)]
        }
        let scan = try scanChain(file, from: UInt64(PackHeader.size), to: size, checkPayloads: false)
        let dictionaryProblems = dictionaryFindings(pack, scan.entries)
        switch scan.stop {
        case .end, .badPayload:
            return dictionaryProblems
        case .badHeader(let offset), .truncated(let offset):
            if looksLikeTrailer(file, at: offset, after: scan.entries, size: size) { return [.missingTrailer(pack)] + dictionaryProblems }
            if case .badHeader = scan.stop { return [.badEntryHeader(pack, offset: offset)] + dictionaryProblems }
            return [.truncated(pack, at: offset)] + dictionaryProblems
        }
    }

    private func verifySealed(_ file: PackFile, size: UInt64,
                              tail: (count: Int, tableStart: UInt64, checksum: BlobID)) throws -> [PackFinding] {
        let pack = file.pack!
        var findings: [PackFinding] = []
        let scan = try scanChain(file, from: UInt64(PackHeader.size), to: tail.tableStart, checkPayloads: false)
        switch scan.stop {
        case .end, .badPayload: break
        case .badHeader(let offset): findings.append(.badEntryHeader(pack, offset: offset))
        case .truncated(let offset): findings.append(.truncated(pack, at: offset))
        }
        let tableBytes = try file.read(count: tail.count * PackTrailer.rowSize, at: tail.tableStart)
        if let table = PackTrailer.parseTable(tableBytes, count: tail.count, pack: pack) {
            if scan.stop == .end, let offset = firstDifference(table, scan.entries, end: tail.tableStart) {
                findings.append(.tableMismatch(pack, offset: offset))
            }
        } else {
            findings.append(.badTrailer(pack))
        }
        let covered = size - UInt64(PackTrailer.tailSize - PackTrailer.checksumOffsetInTail)
        var hasher = try Self.hashFile(file, upTo: covered)
        if hasher.finish() != tail.checksum { findings.append(.checksumMismatch(pack)) }
        return findings + dictionaryFindings(pack, scan.entries)
    }

    /// Offset of the first entry where the table and the walked entries disagree, or nil.
    private func firstDifference(_ table: [RecoveredEntry], _ entries: [RecoveredEntry], end: UInt64) -> UInt64? {
        for (row, entry) in zip(table, entries) where row != entry {
            return entry.location.offset
        }
        if table.count == entries.count { return nil }
        return table.count < entries.count ? entries[table.count].location.offset : end
    }
}
