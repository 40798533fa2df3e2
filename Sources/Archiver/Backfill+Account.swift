import ArchiveModel
import Catalog
import Foundation
import PackStore

extension Backfill {
    /// Attempts per mailbox when the connection breaks (each on a fresh session).
    static let attemptsPerMailbox = 3

    /// Archives one account: lists its mailboxes, records new and gone ones, archives each selected one.
    func archiveAccount(_ job: BackfillJob, _ account: String, writer: ArchiveWriter, runID: Int64) throws {
        let holder = SessionHolder(source: job.mailSource, account: account)
        defer { holder.drop(polite: true) }
        let remote: [RemoteMailbox]
        do { remote = try holder.current().mailboxes() } catch {
            recordAccountError(account, error)
            progress("\(job.source)/\(account): \(error)")
            return
        }
        let accountRecord = try store.catalog.account(source: job.source, name: account)
        let known = try store.catalog.mailboxes(account: accountRecord)
        let knownNames = Set(known.map(\.name))
        if job.selection.only.isEmpty { try recordGoneMailboxes(known, listed: remote, runID: runID) }
        let collector = BodyCollector(spillDirectory: store.spillDirectory)
        for mailbox in remote where mailbox.selectable && job.selection.includes(mailbox.name) {
            if stop.isSet { return }
            let record = try store.catalog.mailbox(account: accountRecord, name: mailbox.name, delimiter: mailbox.delimiter)
            if !knownNames.contains(mailbox.name) && !known.isEmpty {
                try store.catalog.recordEvent(.mailboxNew, mailbox: record.id, runID: runID, at: Timestamp.now())
            }
            if record.status != "active" { try store.catalog.setMailboxStatus(record.id, "active") }
            var result = MailboxReport(source: job.source, account: account, mailbox: mailbox.name.display,
                                       mailboxWire: mailbox.name.wireString)
            let started = Date()
            let fatal = try archiveWithRetries(holder, record, &result, collector: collector, writer: writer, runID: runID)
            result.seconds = Date().timeIntervalSince(started)
            recordMailbox(result)
            progress(Self.progressLine(result))
            if fatal { return }
        }
    }

    /// Mailboxes the index knows but the server no longer lists are marked `gone` (their messages stay);
    /// a listed mailbox with the same UIDVALIDITY that the index did not know is recorded as the new name.
    func recordGoneMailboxes(_ known: [MailboxRecord], listed: [RemoteMailbox], runID: Int64) throws {
        let listedNames = Set(listed.map(\.name))
        let knownNames = Set(known.map(\.name))
        for gone in known where gone.status == "active" && !listedNames.contains(gone.name) {
            try store.catalog.setMailboxStatus(gone.id, "gone")
            var detail: String?
            if let validity = gone.uidValidity, let holderless = listed.first(where: { !knownNames.contains($0.name) && $0.selectable }) {
                detail = "no longer listed; UIDVALIDITY \(validity); a new mailbox \(holderless.name.display) appeared"
            }
            try store.catalog.recordEvent(.mailboxGone, mailbox: gone.id, uidValidity: gone.uidValidity, detail: detail,
                                          runID: runID, at: Timestamp.now())
        }
    }

    /// Archives one mailbox, reconnecting after transient failures (a dropped connection, an expired
    /// session such as Exchange's `BYE … AccessTokenExpired`): committed batches stay, the retry
    /// fetches only what is still missing, and a message whose literal broke the framing is
    /// isolated and marked `failed`. Returns true when the account cannot go on.
    func archiveWithRetries(_ holder: SessionHolder, _ record: MailboxRecord, _ result: inout MailboxReport,
                            collector: BodyCollector, writer: ArchiveWriter, runID: Int64) throws -> Bool {
        var isolate = false
        for attempt in 1...Self.attemptsPerMailbox {
            do {
                try archiveMailbox(holder, record, &result, collector: collector, writer: writer, runID: runID, isolate: isolate)
                result.error = nil
                return false
            } catch let error as WriteFailure {
                throw error.underlying
            } catch let error as ClassifiedError where error.failureClass == .transient {
                result.error = "\(error)"
                holder.drop(polite: false)
                isolate = isolate || error.isMessageLevel
                if attempt < Self.attemptsPerMailbox { progress("\(result.account)/\(result.mailbox): \(error); reconnecting") }
            } catch let error as ClassifiedError where error.failureClass == .authentication || error.failureClass == .configuration {
                result.error = "\(error)"
                recordAccountError(result.account, error)
                return true
            } catch {
                result.error = "\(error)"
                return false
            }
        }
        return false
    }

    static func progressLine(_ r: MailboxReport) -> String {
        if r.unchanged { return "\(r.source)/\(r.account)/\(r.mailbox): unchanged" }
        var line = "\(r.source)/\(r.account)/\(r.mailbox): \(r.listed) listed, \(r.new) new, \(r.alreadyArchived) already archived"
        if r.uidValidityChanged { line += ", UIDVALIDITY changed (new generation)" }
        if r.expunged > 0 { line += ", \(r.expunged) expunged on the server" }
        if !r.pending.isEmpty { line += ", pending " + r.pending.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
        if let error = r.error { line += "; error: \(error)" }
        return line
    }
}

/// A failure writing the store: stops the whole run (nothing half-written is indexed).
struct WriteFailure: Error {
    let underlying: Error
}

/// UIDVALIDITY changed between two sessions of one run: the mailbox is left for the next run.
struct UIDValidityChanged: Error, CustomStringConvertible, ClassifiedError {
    let mailbox: String
    var failureClass: FailureClass { .permanent }
    var description: String { "UIDVALIDITY of \(mailbox) changed during the run; re-run to archive the new generation" }
}
