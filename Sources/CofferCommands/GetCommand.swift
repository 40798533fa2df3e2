import ArgumentParser
import ArchiveModel
import Catalog
import Foundation
import PackStore

/// `coffer get`: write one message's raw bytes, exactly as the server sent them.
struct GetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Write a message's raw bytes to stdout or a file.")

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "The blob ID (64 hex characters), or enough of its first digits to name one blob (as `ls` shows them).")
    var blob: String?

    @Option(help: "The account (with --mailbox and --uid).")
    var account: String?

    @Option(help: "The mailbox (display or wire name).")
    var mailbox: String?

    @Option(help: "The UID.")
    var uid: UInt32?

    @Option(help: "The UIDVALIDITY (default: the newest generation holding that UID).")
    var uidvalidity: UInt32?

    @Option(name: .shortAndLong, help: "Write to this file instead of stdout.")
    var output: String?

    /// Bad values are usage errors (exit 2, CONTRACT.md).
    func check() throws {
        if blob == nil && (account == nil || mailbox == nil || uid == nil) {
            throw UsageError(message: "give a BLOB, or --account, --mailbox and --uid")
        }
        if let blob, !(1...64).contains(blob.count) || !blob.allSatisfy(\.isHexDigit) {
            throw UsageError(message: "BLOB must be a blob ID or its first hexadecimal digits (as `coffer ls` shows them)")
        }
    }

    func run() throws {
        try check()
        let store = try storeOptions.open()
        let id = try resolveBlob(store.catalog)
        guard let row = try store.catalog.blob(id) else {
            throw UsageError(message: "blob \(id.hex) is not in the store; check the ID with `coffer ls`")
        }
        let location = BlobLocation(row)
        let handle: FileHandle
        if let output {
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            guard let h = FileHandle(forWritingAtPath: output) else { throw UsageError(message: "cannot write \(output); check the path") }
            handle = h
        } else {
            handle = FileHandle.standardOutput
        }
        var hasher = SHA256Hasher()
        try store.packs.stream(location) { chunk in
            hasher.update(chunk)
            handle.write(Data(chunk))
        }
        if output != nil { try handle.close() }
        let actual = hasher.finish()
        if actual != id {
            Console.error("error: blob \(id.hex) is damaged (its bytes hash to \(actual.hex)); run `coffer verify --read-data`")
            throw CofferExit(code: ExitCode32.verifyFailed)
        }
    }

    private func resolveBlob(_ catalog: Catalog) throws -> BlobID {
        if let blob {
            if let id = BlobID(hex: blob) { return id }
            let found = try catalog.blobIDs(withPrefix: blob) ?? []
            guard found.count == 1 else {
                throw UsageError(message: found.isEmpty ? "no blob in the store starts with \(blob); check it with `coffer ls`"
                                 : "\(blob) is the start of more than one blob; give more digits")
            }
            return found[0]
        }
        var filter = MessageFilter()
        filter.accounts = [account!]
        filter.mailboxes = [mailbox!]
        filter.uid = UID(uid!)
        filter.uidValidity = uidvalidity.map { UIDValidity($0) }
        var found: [ListedMessage] = []
        try catalog.forEachMessage(filter) { found.append($0) }
        guard let newest = found.max(by: { $0.uidValidity < $1.uidValidity }) else {
            throw UsageError(message: "no archived message \(account!)/\(mailbox!) UID \(uid!); list them with `coffer ls --account \(account!)`")
        }
        return newest.blob
    }
}

extension BlobLocation {
    /// The pack location of an index row.
    init(_ row: BlobRow) {
        self.init(pack: PackID(hex: row.pack)!, offset: row.offset, storedLength: row.storedLength,
                  rawLength: row.rawLength, dictionary: row.dictionary, compression: row.compression, member: row.member)
    }
}
