import ArgumentParser
import ArchiveModel
import Archiver
import Catalog
import Foundation
import PackStore

/// `coffer verify`: check the store's structure, and with `--read-data` every blob's bytes.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check that every archived message is intact and retrievable.")

    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Decompress every blob and recompute its SHA-256.")
    var readData = false

    @Flag(help: "Print findings as JSON lines on stdout.")
    var json = false

    func run() throws {
        let store = try storeOptions.open()
        let checker = StoreChecker(store: store)
        var findings = try checker.checkStructure()
        if readData { findings += try checker.checkData() }
        for f in findings {
            Console.error("problem: \(f.text)")
            if json { Console.out(f.json) }
        }
        let t = try store.catalog.totals()
        Console.error("verify: \(t.messages) messages, \(t.blobs) blobs, \(checker.packCount) packs checked\(readData ? ", data read" : ""); \(findings.isEmpty ? "no problems found" : "\(findings.count) problem(s)")")
        if !findings.isEmpty { throw CofferExit(code: ExitCode32.verifyFailed) }
    }
}

/// One problem found by verify, naming pack, blob and the affected messages, and what to do.
struct Finding {
    var kind: String
    var pack: String?
    var blob: String?
    var messages: [ListedMessage]
    var detail: String

    var text: String {
        var s = detail
        if let pack { s += " [pack \(pack)]" }
        if let blob { s += " [blob \(blob)]" }
        if !messages.isEmpty {
            s += " affects " + messages.prefix(20).map { "\($0.account)/\($0.mailbox.display) UIDVALIDITY \($0.uidValidity) UID \($0.uid)" }
                .joined(separator: "; ")
            if messages.count > 20 { s += " and \(messages.count - 20) more" }
        }
        return s
    }

    var json: String {
        let object: [String: Any] = [
            "kind": kind, "pack": pack ?? NSNull(), "blob": blob ?? NSNull(), "detail": detail,
            "messages": messages.map { ["account": $0.account, "mailbox": $0.mailbox.display, "mailbox_wire": $0.mailbox.wireString,
                                         "uidvalidity": Int($0.uidValidity.rawValue), "uid": Int($0.uid.rawValue)] as [String: Any] },
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
