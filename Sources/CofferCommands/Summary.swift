import Archiver
import Foundation

/// The end-of-run summary: a few lines on stderr, and with `--json` the full report on stdout.
struct Summary {
    let report: RunReport

    func print(json: Bool) {
        let r = report
        let mb = Double(r.bytesFetched) / 1_000_000
        Console.error(String(format: "%@: %d mailboxes, %d messages new, %d blobs new, %.1f MB fetched in %.1f s",
                             r.kind, r.mailboxes.count, r.messagesNew, r.blobsNew, mb, r.seconds))
        for m in r.mailboxes where m.error != nil || !m.pending.isEmpty {
            let pending = m.pending.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            Console.error("  not done: \(m.source)/\(m.account)/\(m.mailbox)\(pending.isEmpty ? "" : " pending: " + pending)\(m.error.map { " (\($0))" } ?? "")")
            if let note = m.note { Console.error("    \(note)") }
        }
        if r.gaveUp { Console.error("gave up waiting on throttling (max_throttle_wait): everything fetched so far is committed; re-run later") }
        for (account, error) in r.accountErrors.sorted(by: { $0.key < $1.key }) { Console.error("  account \(account): \(error)") }
        if let a = r.authenticationFailure { Console.error("error: \(a)") }
        if let c = r.configurationFailure { Console.error("error: \(c)") }
        if r.interrupted { Console.error("interrupted: everything fetched so far is committed; re-run to continue") }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(r) { Console.out(String(decoding: data, as: UTF8.self)) }
        }
    }
}
