import ArchiveModel
import CZstd
import Foundation

/// The dictionaries of one store that have been loaded, and the lock that serialises adding one.
final class DictionaryShelf: @unchecked Sendable {
    let lock = NSLock()
    var loaded: [UInt32: CompressionDictionary] = [:]
    let creation = NSLock()
}

extension PackStore {
    /// `<packs>/dictionaries`: one file per trained zstd dictionary, never modified or removed.
    public var dictionaryDirectory: URL { directory.appendingPathComponent("dictionaries", isDirectory: true) }

    /// The file of dictionary `id`: `<packs>/dictionaries/<decimal id>.zdict`.
    public func url(ofDictionary id: UInt32) -> URL {
        dictionaryDirectory.appendingPathComponent(CompressionDictionary.fileName(id))
    }

    /// IDs of the dictionary files present, ascending. Other files in the directory are ignored.
    ///
    /// - Throws: `.io` when the directory cannot be listed.
    public func dictionaryIDs() throws -> [UInt32] {
        let names = try PackFile.listDirectory(dictionaryDirectory.path) ?? []
        return names.compactMap { name -> UInt32? in
            guard name.hasSuffix(".zdict"), let id = UInt32(name.dropLast(6)), id != 0,
                  CompressionDictionary.fileName(id) == name else { return nil }
            return id
        }.sorted()
    }

    /// Loads dictionary `id` (once; later calls return the same instance).
    ///
    /// - Throws: `.dictionaryMissing` when the file does not exist, `.badDictionary` when it is
    ///   damaged (header CRC, length, SHA-256, or not the zstd dictionary it claims), `.io`.
    public func dictionary(_ id: UInt32) throws -> CompressionDictionary {
        if let cached = dictionaries.lock.withLock({ dictionaries.loaded[id] }) { return cached }
        let path = url(ofDictionary: id).path
        let file: PackFile
        do {
            file = try PackFile(path: path, flags: O_RDONLY, pack: nil)
        } catch PackStoreError.io(_, _, _, let code) where code == ENOENT {
            throw PackStoreError.dictionaryMissing(id, pack: nil, offset: nil)
        }
        let size = try file.size()
        guard size <= UInt64(DictionaryFileHeader.size + (16 << 20)) else {
            throw PackStoreError.badDictionary(id, pack: nil, offset: nil, reason: "file of \(size) bytes is too large")
        }
        let bytes = try file.read(count: Int(size), at: 0)
        switch DictionaryFileHeader.parse(bytes, expectedID: id) {
        case .failure(let damage):
            throw PackStoreError.badDictionary(id, pack: nil, offset: nil, reason: damage.reason)
        case .success(let loaded):
            return dictionaries.lock.withLock {
                if let raced = dictionaries.loaded[id] { return raced }
                dictionaries.loaded[id] = loaded
                return loaded
            }
        }
    }

    /// The readable dictionary with the highest sequence number, or nil when there is none.
    ///
    /// Damaged dictionary files are skipped here (so archiving goes on); verification reports them.
    ///
    /// - Throws: `.io` when the directory cannot be listed or a file cannot be read.
    public func newestDictionary() throws -> CompressionDictionary? {
        try readableDictionaries().max { $0.sequence < $1.sequence }
    }

    /// Total bytes of all pack files: the store's size as the retraining rule measures it.
    ///
    /// - Throws: `.io`.
    public func packBytes() throws -> UInt64 {
        var total: UInt64 = 0
        for pack in try packIDs() {
            var st = stat()
            if stat(url(of: pack).path, &st) == 0 { total += UInt64(st.st_size) }
        }
        return total
    }

    /// Trains a zstd dictionary on sample messages and adds it to the store durably.
    ///
    /// Uses zstd's fastCover trainer tuned for `level`, and a random unused dictionary ID from 32768
    /// to 2^31 − 1 (the range RFC 8878 §5 leaves for private use). Takes about 0.3 s per 8 MB of samples.
    ///
    /// - Parameters:
    ///   - samples: the sample messages, concatenated.
    ///   - sizes: the length of each sample in `samples`, in order.
    ///   - capacity: largest dictionary size in bytes (zstd's default is 112 KiB).
    ///   - level: the compression level the dictionary will be used with.
    /// - Returns: the stored dictionary, durable on disk before this returns.
    /// - Throws: `.readOnly`, `.trainingFailed` (for instance too few samples), `.io`.
    public func addDictionary(trainingOn samples: [UInt8], sizes: [Int], capacity: Int = 256 << 10,
                              level: Int32 = 3) throws -> CompressionDictionary {
        guard access == .readWrite else { throw PackStoreError.readOnly(path: directory.path) }
        return try dictionaries.creation.withLock {
            let taken = Set(try dictionaryIDs())
            var id: UInt32 = 0
            var rng = SystemRandomNumberGenerator()
            while id == 0 || taken.contains(id) { id = UInt32.random(in: 32_768 ..< (1 << 31), using: &rng) }
            let content = try Zstd.trainDictionary(samples: samples, sizes: sizes, capacity: capacity, level: level, id: id)
            return try storeDictionary(content, id: id, level: level)
        }
    }

    /// Adds a ready zstd dictionary (for instance one trained elsewhere) to the store durably.
    ///
    /// Adding the same dictionary twice returns the stored one.
    ///
    /// - Parameters:
    ///   - content: a zstd dictionary (magic `37 A4 30 EC`) with a dictionary ID other than 0.
    ///   - level: the compression level it was tuned for (recorded only).
    /// - Throws: `.readOnly`; `.badDictionary` when `content` is not a zstd dictionary;
    ///   `.dictionaryExists` when another dictionary has its ID; `.io`.
    public func addDictionary(content: [UInt8], level: Int32 = 3) throws -> CompressionDictionary {
        guard access == .readWrite else { throw PackStoreError.readOnly(path: directory.path) }
        let id = content.withUnsafeBytes { ZDICT_getDictID($0.baseAddress, $0.count) }
        guard content.starts(with: DictionaryFileHeader.zstdMagic), id != 0 else {
            throw PackStoreError.badDictionary(id, pack: nil, offset: nil, reason: "not a zstd dictionary with an ID")
        }
        return try dictionaries.creation.withLock {
            if try dictionaryIDs().contains(id) {
                let existing = try dictionary(id)
                guard existing.content == content else { throw PackStoreError.dictionaryExists(id) }
                return existing
            }
            return try storeDictionary(content, id: id, level: level)
        }
    }

    /// Writes `<id>.zdict.tmp`, fsyncs it, links it to `<id>.zdict` (never replacing a file),
    /// removes the temporary name and fsyncs the directory. Caller holds the creation lock.
    private func storeDictionary(_ content: [UInt8], id: UInt32, level: Int32) throws -> CompressionDictionary {
        let sequence = (try readableDictionaries().map(\.sequence).max() ?? 0) + 1
        let header = DictionaryFileHeader(id: id, sequence: sequence, level: level, storeBytes: try packBytes(),
                                          contentLength: UInt64(content.count), checksum: SHA256Hasher.hash(content))
        let directoryPath = dictionaryDirectory.path
        if try PackFile.makeDirectory(directoryPath) { try PackFile.syncDirectory(directory.path) }
        let path = url(ofDictionary: id).path
        let temporary = path + ".tmp"
        unlink(temporary)
        do {
            let file = try PackFile(path: temporary, flags: O_WRONLY | O_CREAT | O_EXCL, pack: nil)
            try file.write(header.encoded(), content)
            try file.sync()
            guard link(temporary, path) == 0 else {
                let code = errno
                if code == EEXIST { throw PackStoreError.dictionaryExists(id) }
                throw PackStoreError.io(pack: nil, path: path, operation: "link", errno: code)
            }
        } catch {
            unlink(temporary)
            throw error
        }
        unlink(temporary)
        try PackFile.syncDirectory(directoryPath)
        return try dictionary(id)
    }

    /// Every dictionary that loads; damaged ones are left out.
    private func readableDictionaries() throws -> [CompressionDictionary] {
        try dictionaryIDs().compactMap { id in
            do { return try dictionary(id) } catch PackStoreError.badDictionary, PackStoreError.dictionaryMissing { return nil }
        }
    }

    /// Removes `*.zdict.tmp` files left by a crash while a dictionary was being written.
    func removeTemporaryDictionaryFiles() throws {
        for name in try PackFile.listDirectory(dictionaryDirectory.path) ?? [] where name.hasSuffix(".zdict.tmp") {
            unlink(dictionaryDirectory.appendingPathComponent(name).path)
        }
    }

    /// Loads the dictionary an entry needs, naming the entry in any error.
    func dictionary(for header: EntryHeader, pack: PackID, offset: UInt64) throws -> CompressionDictionary? {
        guard header.dictionary != 0 else { return nil }
        do {
            return try dictionary(header.dictionary)
        } catch PackStoreError.dictionaryMissing(let id, _, _) {
            throw PackStoreError.dictionaryMissing(id, pack: pack, offset: offset)
        } catch PackStoreError.badDictionary(let id, _, _, let reason) {
            throw PackStoreError.badDictionary(id, pack: pack, offset: offset, reason: reason)
        }
    }
}
