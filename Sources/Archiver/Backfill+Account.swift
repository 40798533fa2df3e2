import ArchiveModel
import Catalog
import Foundation
import PackStore

extension Backfill {
    /// Attempts per mailbox when the connection breaks (each on a fresh session).
    static let attemptsPerMailbox = 3

    /// Archives one account: lists its mailboxes, records new and gone ones, archives each selected one.
    ///
    /// Every mailbox the server lists is tried unless the source's `exclude` patterns name it (each
    /// exclusion is logged; case B15). Sessions go through the source's throttle (B09).
    func archiveAccount(_ job: BackfillJob, _ account: String, writer: ArchiveWriter, runID: Int64) throws {
        let throttle = SourceThrottles.throttle(run: self, job: job)
        let source = GatedSource(base: job.mailSource, throttle: throttle, selection: OpenMailbox())
        let holder = SessionHolder(source: source, account: account)
        defer { holder.drop(polite: true) }
        let remote: [RemoteMailbox]
        do {
            guard !throttle.hasGivenUp else { return recordThrottledOut(job, account, nil) }
            remote = try listMailboxes(holder, throttle)
        } catch {
            if throttle.hasGivenUp { return recordThrottledOut(job, account, error) }
            recordAccountError(account, error)
            progress("\(job.source)/\(account): \(error)")
            return
        }
        let accountRecord = try store.catalog.account(source: job.source, name: account)
        let known = try store.catalog.mailboxes(account: accountRecord)
        let knownNames = Set(known.map(\.name))
        if job.selection.only.isEmpty { try recordGoneMailboxes(known, listed: remote, runID: runID) }
        let collector = BodyCollector(store: store)
        // The account's messages share blocks; whatever its last block holds is committed when it ends.
        defer { try? writer.endStream(ObjectIdentifier(collector)) }
        var context = AccountContext(job: job, account: account, holder: holder, throttle: throttle,
                                     collector: collector, writer: writer, runID: runID)
        let patterns = MailboxSelection(include: job.selection.include, exclude: job.selection.exclude)
        for mailbox in remote where mailbox.selectable {
            guard job.selection.includes(mailbox.name) else {
                if !patterns.includes(mailbox.name) {
                    progress("\(job.source)/\(account)/\(mailbox.name.display): excluded by the source's include/exclude patterns")
                }
                continue
            }
            if stop.isSet { return }
            let record = try store.catalog.mailbox(account: accountRecord, name: mailbox.name, delimiter: mailbox.delimiter)
            if !knownNames.contains(mailbox.name) && !known.isEmpty {
                try store.catalog.recordEvent(.mailboxNew, mailbox: record.id, runID: runID, at: Timestamp.now())
            }
            if record.status != "active" { try store.catalog.setMailboxStatus(record.id, "active") }
            if try archiveListed(mailbox, record, &context) { return }
        }
    }

    /// An account left because its source is throttling and the run stopped waiting: reported as one
    /// entry for all its mailboxes (`*`), so that the run exits 75.
    func recordThrottledOut(_ job: BackfillJob, _ account: String, _ error: Error?) {
        var result = MailboxReport(source: job.source, account: account, mailbox: "*", mailboxWire: "*")
        result.gaveUp = true
        result.error = "not attempted: \(job.source) is throttling and the run stopped waiting\(error.map { " (\($0))" } ?? ""); re-run later"
        recordMailbox(result)
        progress(Self.progressLine(result))
    }

    /// Archives one listed mailbox and reports it; returns true when the account cannot go on.
    func archiveListed(_ mailbox: RemoteMailbox, _ record: MailboxRecord, _ context: inout AccountContext) throws -> Bool {
        var result = MailboxReport(source: context.job.source, account: context.account, mailbox: mailbox.name.display,
                                   mailboxWire: mailbox.name.wireString)
        let started = Date()
        var fatal = false
        if context.throttle.hasGivenUp && context.holder.session == nil {
            result.gaveUp = true
            result.error = "not attempted: \(context.job.source) is throttling and the run stopped waiting; re-run later"
        } else {
            fatal = try archiveWithRetries(record, &result, &context)
        }
        if result.uidValidityChanged { result.previousUIDValidity = record.uidValidity?.rawValue }
        result.seconds = Date().timeIntervalSince(started)
        recordMailbox(result)
        progress(Self.progressLine(result))
        return fatal
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

    static func progressLine(_ r: MailboxReport) -> String {
        if r.unchanged { return "\(r.source)/\(r.account)/\(r.mailbox): unchanged" }
        var line = "\(r.source)/\(r.account)/\(r.mailbox): \(r.listed) listed, \(r.new) new, \(r.alreadyArchived) already archived"
        if r.uidValidityChanged {
            let change = r.previousUIDValidity.map { "\($0)→" } ?? ""
            line += ", UIDVALIDITY changed \(change)\(r.uidValidity.map(String.init) ?? "?") (new generation; the old generation's rows kept, identical messages stored once)"
        }
        if r.throttleWait > 0 { line += String(format: ", waited %.1f s on throttling", r.throttleWait) }
        if r.expunged > 0 { line += ", \(r.expunged) expunged on the server" }
        if r.flagChanges > 0 { line += ", \(r.flagChanges) flag change\(r.flagChanges == 1 ? "" : "s") recorded as events" }
        if !r.pending.isEmpty { line += ", pending " + r.pending.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
        if let error = r.error { line += "; error: \(error)" }
        if let note = r.note { line += "; \(note)" }
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
