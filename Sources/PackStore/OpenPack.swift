import ArchiveModel
import Foundation

/// The pack a ``PackWriter`` is appending to.
final class OpenPack {
    let pack: PackID
    let file: PackFile
    /// `<packs>/<2 hex>`: needs an fsync because the pack's name was added to it.
    let subdirectory: String
    /// `<packs>`, when the subdirectory was created for this pack and so also needs an fsync.
    var parent: String?
    var directoriesDirty = true
    /// Bytes written so far (header and complete entries).
    var size: UInt64 = 0
    var entries: [RecoveredEntry] = []
    /// SHA-256 over bytes `0..<size`, valid while `hashValid`.
    var hasher = SHA256Hasher()
    var hashValid = true

    init(pack: PackID, file: PackFile, subdirectory: String, parent: String?) {
        self.pack = pack
        self.file = file
        self.subdirectory = subdirectory
        self.parent = parent
    }

    /// Fsyncs the directories once after the pack was created.
    func syncDirectories() throws {
        guard directoriesDirty else { return }
        try PackFile.syncDirectory(subdirectory)
        if let parent { try PackFile.syncDirectory(parent) }
        directoriesDirty = false
    }
}

extension PackStore {
    /// Appends the trailer for `entries` to `file` (positioned at the end of the last entry).
    ///
    /// `hasher` must hold the SHA-256 state of every byte before the trailer. Two fsyncs make the end
    /// magic appear only after everything before it is durable, so a pack that ends in a valid tail
    /// is completely sealed.
    static func writeTrailer(_ file: PackFile, entries: [RecoveredEntry], hasher: inout SHA256Hasher) throws {
        let table = PackTrailer(entries: entries, checksum: nil).encodedTableAndCount(in: file.pack!)
        try file.write(table)
        hasher.update(table)
        let checksum = hasher.finish()
        try file.write(checksum.bytes)
        try file.sync()
        try file.write(PackTrailer.encodedEnd(count: entries.count))
        try file.sync()
    }

    /// SHA-256 state over bytes `0..<length` of `file`, read in 1 MiB chunks.
    static func hashFile(_ file: PackFile, upTo length: UInt64) throws -> SHA256Hasher {
        var hasher = SHA256Hasher()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readChunk, alignment: 16)
        defer { buffer.deallocate() }
        var done: UInt64 = 0
        while done < length {
            let want = Int(min(length - done, UInt64(readChunk)))
            let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[..<want])
            guard try file.read(into: chunk, at: done) == want else {
                throw PackStoreError.truncatedEntry(file.pack!, offset: done)
            }
            hasher.update(UnsafeRawBufferPointer(chunk))
            done += UInt64(want)
        }
        return hasher
    }
}
