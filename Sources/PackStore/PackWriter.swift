import ArchiveModel
import Foundation

/// Appends blobs to one open pack at a time, sealing packs as they reach their target size.
///
/// Order of durability: ``append(_:)`` writes, ``sync()`` makes everything appended so far durable,
/// and only then may the caller commit index rows pointing at those entries. A pack is created
/// lazily by the first append after a seal. Not thread-safe: one writer per task; several writers
/// of one store write to different packs.
///
/// ```swift
/// let location = try writer.append(blob)
/// try writer.sync()            // then insert the index row
/// _ = try writer.sealIfFull()
/// ```
public final class PackWriter {
    /// Size in bytes at which ``sealIfFull()`` seals the open pack.
    public let targetPackSize: UInt64
    /// Packs this writer sealed, oldest first.
    public private(set) var sealedPacks: [PackID] = []

    let store: PackStore
    var open: OpenPack?
    private var broken: PackStoreError?
    private var copyBuffer: UnsafeMutableRawBufferPointer?

    init(store: PackStore, targetPackSize: UInt64) {
        self.store = store
        self.targetPackSize = targetPackSize
    }

    deinit {
        copyBuffer?.deallocate()
    }

    /// The pack currently open for appending, if any.
    public var currentPack: PackID? { open?.pack }

    /// Bytes in the open pack so far (header and entries), or 0 when none is open.
    public var currentPackSize: UInt64 { open?.size ?? 0 }

    /// Appends one blob entry (64-byte header + zstd frame) to the open pack, creating one if needed.
    ///
    /// Not durable until ``sync()``. The blob's spill file, if any, is left for the caller to
    /// ``EncodedBlob/discard()``. On a failed write the pack is cut back to its previous end.
    ///
    /// - Returns: where the entry is.
    /// - Throws: `.readOnly`, `.io`, `.spillFileChanged`, or `.writerUnusable` when an earlier failure
    ///   could not be undone.
    public func append(_ blob: EncodedBlob) throws -> BlobLocation {
        guard store.access == .readWrite else { throw PackStoreError.readOnly(path: store.directory.path) }
        if let broken { throw broken }
        if case .raw = blob.payload { preconditionFailure("a raw blob goes into a block, not into a pack alone") }
        let pack = try open ?? startPack()
        let header = EntryHeader(id: blob.id, rawLength: blob.rawLength, storedLength: blob.storedLength,
                                 compression: blob.compression, dictionary: blob.dictionary).encoded()
        let start = pack.size
        do {
            switch blob.payload {
            case .memory(let bytes):
                try pack.file.write(header, bytes)
                pack.hasher.update(header)
                pack.hasher.update(bytes)
            case .file(let url, let length):
                try copySpill(url, length: length, header: header, into: pack)
            case .raw:
                preconditionFailure("unreachable: checked above")
            }
        } catch {
            undoAppend(pack, to: start)
            throw error
        }
        let location = BlobLocation(pack: pack.pack, offset: start, storedLength: blob.storedLength,
                                    rawLength: blob.rawLength, dictionary: blob.dictionary, compression: blob.compression)
        pack.size = location.endOffset
        pack.entries.append(RecoveredEntry(id: blob.id, location: location))
        return location
    }

    /// Makes everything appended so far durable: fsyncs the pack file and, after a pack was
    /// created, its directory (and the packs directory when the subdirectory was new).
    ///
    /// - Throws: `.io` when fsync fails; treat the appended entries as not written.
    public func sync() throws {
        guard let pack = open else { return }
        try pack.file.sync()
        try pack.syncDirectories()
    }

    /// Seals the open pack if it holds at least ``targetPackSize`` bytes.
    ///
    /// - Returns: the sealed pack's ID, or nil when nothing was sealed.
    /// - Throws: `.io`; the pack then stays open and unsealed.
    public func sealIfFull() throws -> PackID? {
        guard let pack = open, pack.size >= targetPackSize else { return nil }
        return try seal(pack)
    }

    /// Seals the open pack whatever its size, and syncs. The next append starts a new pack.
    ///
    /// - Throws: `.io`; the pack then stays open and unsealed.
    public func close() throws {
        if let pack = open { _ = try seal(pack) }
    }

    /// Writes the trailer, fsyncs, and forgets the pack.
    private func seal(_ pack: OpenPack) throws -> PackID {
        if broken != nil { throw broken! }
        if !pack.hashValid {
            pack.hasher = try PackStore.hashFile(pack.file, upTo: pack.size)
            pack.hashValid = true
        }
        do {
            try PackStore.writeTrailer(pack.file, entries: pack.entries, hasher: &pack.hasher)
        } catch {
            pack.hashValid = false
            undoAppend(pack, to: pack.size)
            throw error
        }
        try pack.syncDirectories()
        open = nil
        sealedPacks.append(pack.pack)
        return pack.pack
    }

    /// Creates a new pack file with its header.
    private func startPack() throws -> OpenPack {
        let id = PackID.random()
        let subdirectory = store.subdirectory(of: id).path
        let newSubdirectory = try PackFile.makeDirectory(subdirectory)
        let file = try PackFile(path: store.url(of: id).path, flags: O_WRONLY | O_CREAT | O_EXCL, pack: id)
        let pack = OpenPack(pack: id, file: file, subdirectory: subdirectory,
                            parent: newSubdirectory ? store.directory.path : nil)
        let header = PackHeader(pack: id).encoded()
        do {
            try file.write(header)
        } catch {
            unlink(store.url(of: id).path)
            throw error
        }
        pack.hasher.update(header)
        pack.size = UInt64(header.count)
        open = pack
        return pack
    }

    /// Copies a spill file behind `header`, hashing as it goes.
    private func copySpill(_ url: URL, length: UInt64, header: [UInt8], into pack: OpenPack) throws {
        let spill = try PackFile(path: url.path, flags: O_RDONLY, pack: nil)
        let actual = try spill.size()
        guard actual == length else { throw PackStoreError.spillFileChanged(path: url.path, expected: length, actual: actual) }
        let buffer = copyBuffer ?? .allocate(byteCount: PackStore.readChunk, alignment: 16)
        copyBuffer = buffer
        pack.hashValid = false
        try pack.file.write(header)
        pack.hasher.update(header)
        var done: UInt64 = 0
        while done < length {
            let want = Int(min(length - done, UInt64(buffer.count)))
            let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[..<want])
            guard try spill.read(into: chunk, at: done) == want else {
                throw PackStoreError.spillFileChanged(path: url.path, expected: length, actual: done)
            }
            try pack.file.write(UnsafeRawBufferPointer(chunk))
            pack.hasher.update(UnsafeRawBufferPointer(chunk))
            done += UInt64(want)
        }
        pack.hashValid = true
    }

    /// Cuts the pack back to `size` after a failed write; if even that fails, stops the writer.
    private func undoAppend(_ pack: OpenPack, to size: UInt64) {
        do {
            try pack.file.truncate(to: size)
        } catch {
            broken = .writerUnusable(pack.pack, reason: "\(error)")
        }
    }
}
