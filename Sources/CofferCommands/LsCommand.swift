import ArgumentParser
import ArchiveModel
import Catalog
import Foundation

/// `coffer ls`: list archived messages.
struct LsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List archived messages.")

    @OptionGroup var storeOptions: StoreOptions

    @Option(name: .customLong("account"), help: "Only this account (repeatable).")
    var accounts: [String] = []

    @Option(name: .customLong("mailbox"), help: "Only this mailbox (repeatable; display or wire name).")
    var mailboxes: [String] = []

    @Flag(help: "One JSON object per line on stdout.")
    var json = false

    func run() throws {
        let store = try storeOptions.open()
        var filter = MessageFilter()
        filter.accounts = accounts
        filter.mailboxes = mailboxes
        let out = BufferedOutput()
        if !json { out.write("ACCOUNT\tMAILBOX\tUIDVALIDITY\tUID\tSIZE\tINTERNALDATE\tBLOB\n") }
        try store.catalog.forEachMessage(filter) { m in
            out.write(json ? Self.jsonLine(m) + "\n" : Self.tableLine(m) + "\n")
        }
        out.flush()
    }

    static func jsonLine(_ m: ListedMessage) -> String {
        let object: [String: Any] = [
            "source": m.source, "account": m.account, "mailbox": m.mailbox.display, "mailbox_wire": m.mailbox.wireString,
            "uidvalidity": Int(m.uidValidity.rawValue), "uid": Int(m.uid.rawValue), "blob": m.blob.hex, "size": Int(m.size),
            "internaldate": m.internalDate.map { $0 as Any } ?? NSNull(), "flags": m.flags,
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    static func tableLine(_ m: ListedMessage) -> String {
        "\(m.account)\t\(m.mailbox.display)\t\(m.uidValidity)\t\(m.uid)\t\(m.size)\t\(m.internalDate ?? "-")\t\(m.blob.hex)"
    }
}

/// Buffers stdout writes (ls can print millions of lines).
final class BufferedOutput {
    private var buffer: [UInt8] = []

    func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count > 1 << 16 { flush() }
    }

    func flush() {
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
