import ArgumentParser
import Foundation
import Ledger

/// `coffer stats`: counts, bytes and ratios.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Show what the store holds and how small it is.")

    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Print as JSON on stdout.")
    var json = false

    func run() throws {
        let store = try storeOptions.open()
        let t = try store.catalog.totals()
        let packBytes = Self.bytes(under: store.directory.appendingPathComponent("packs"))
        let indexBytes = Self.bytes(under: store.directory, prefix: "index.sqlite")
        // The header search index is derived data (rebuilt by `coffer ls`), reported apart.
        let headerIndexBytes = Self.bytes(under: store.directory, prefix: "headers.sqlite")
        let stored = packBytes + indexBytes
        let ratio = t.blobRawBytes > 0 ? Double(stored) / Double(t.blobRawBytes) : 0
        let head = try ChainLog(store: store.directory).head()
        if json {
            let chain: Any = head.map { ["seq": $0.seq, "hash": $0.hash, "run": $0.run, "appended": $0.appended] as [String: Any] } ?? NSNull()
            let object: [String: Any] = [
                "accounts": t.accounts, "mailboxes": t.mailboxes, "messages": t.messages, "unique_blobs": t.blobs,
                "raw_bytes": t.messageBytes, "unique_raw_bytes": t.blobRawBytes, "pack_bytes": packBytes,
                "index_bytes": indexBytes, "header_index_bytes": headerIndexBytes, "stored_bytes": stored, "stored_to_raw": ratio, "chain_head": chain,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            Console.out(String(decoding: data, as: UTF8.self))
            return
        }
        print("accounts        \(t.accounts)")
        print("mailboxes       \(t.mailboxes)")
        print("messages        \(t.messages)")
        print("unique blobs    \(t.blobs)")
        print("raw bytes       \(t.messageBytes) (unique \(t.blobRawBytes))")
        print("stored bytes    \(stored) (packs \(packBytes), index \(indexBytes))")
        print("header index    \(headerIndexBytes) (headers.sqlite: search index, rebuilt by `coffer ls` if deleted)")
        print(String(format: "stored / raw    %.3f", ratio))
        if let head {
            print("chain head      \(head.hash) (record \(head.seq), run \(head.run), \(head.appended))")
        } else {
            print("chain head      none yet (the next backfill or sync starts the chain)")
        }
    }

    static func bytes(under url: URL, prefix: String? = nil) -> Int64 {
        guard let e = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.fileSizeKey]) else { return 0 }
        var total: Int64 = 0
        for case let file as URL in e {
            if let prefix, !file.lastPathComponent.hasPrefix(prefix) { continue }
            total += Int64((try? file.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0)
        }
        return total
    }
}
