import ArchiveModel
import Catalog
import Foundation
import PackStore

extension Backfill {
    /// Attempts per mailbox when the connection breaks (each on a fresh session).
    static let attemptsPerMailbox = 3

    /// Archives one account: lists its mailboxes and archives each selected one.
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
        let collector = BodyCollector(spillDirectory: store.spillDirectory)
        for mailbox in remote where mailbox.selectable && job.selection.includes(mailbox.name) {
            if stop.isSet { return }
            let record = try store.catalog.mailbox(account: accountRecord, name: mailbox.name, delimiter: mailbox.delimiter)
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

    /// Archives one mailbox, reconnecting after transient failures (a dropped connection, an expired
    /// session such as Exchange's `BYE … AccessTokenExpired`): committed batches stay, the retry
    /// fetches only what is still missing. Returns true when the account cannot go on.
    func archiveWithRetries(_ holder: SessionHolder, _ record: MailboxRecord, _ result: inout MailboxReport,
                            collector: BodyCollector, writer: ArchiveWriter, runID: Int64) throws -> Bool {
        for attempt in 1...Self.attemptsPerMailbox {
            do {
                try archiveMailbox(holder, record, &result, collector: collector, writer: writer, runID: runID)
                result.error = nil
                return false
            } catch let error as WriteFailure {
                throw error.underlying
            } catch let error as ClassifiedError where error.failureClass == .transient {
                result.error = "\(error)"
                holder.drop(polite: false)
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

    /// EXAMINE, list UIDs, fetch what is missing in batches; renews the session between batches
    /// before its credentials expire.
    func archiveMailbox(_ holder: SessionHolder, _ record: MailboxRecord, _ result: inout MailboxReport,
                        collector: BodyCollector, writer: ArchiveWriter, runID: Int64) throws {
        if holder.isExpiring { holder.drop(polite: true) }
        let status = try holder.current().examine(record.name)
        result.uidValidity = status.uidValidity.rawValue
        try store.catalog.updateMailbox(record.id, uidValidity: status.uidValidity, uidNext: status.uidNext,
                                        exists: status.exists, runID: runID)
        let listed = status.exists == 0 ? [] : try holder.current().uids()
        let archived = try store.catalog.archivedUIDs(mailbox: record.id, uidValidity: status.uidValidity)
        let missing = listed.filter { !archived.contains($0.rawValue) }
        result.listed = listed.count
        result.alreadyArchived = max(result.alreadyArchived, listed.count - missing.count - result.new)
        var start = 0
        while start < missing.count {
            if stop.isSet { return }
            if holder.isExpiring { try renew(holder, record, expected: status.uidValidity) }
            let batch = Array(missing[start..<min(start + options.batchSize, missing.count)])
            try fetchBatch(try holder.current(), batch, record, status.uidValidity, &result, collector: collector, writer: writer)
            start += batch.count
        }
    }

    /// Replaces an expiring session with a fresh one and re-opens the mailbox; UIDVALIDITY must not have changed.
    func renew(_ holder: SessionHolder, _ record: MailboxRecord, expected: UIDValidity) throws {
        holder.drop(polite: true)
        let status = try holder.current().examine(record.name)
        guard status.uidValidity == expected else { throw UIDValidityChanged(mailbox: record.name.display) }
    }

    /// Fetches one batch and commits it. Only a FETCH carrying a requested UID and a body counts as a result.
    func fetchBatch(_ session: MailSession, _ uids: [UID], _ record: MailboxRecord, _ validity: UIDValidity,
                    _ result: inout MailboxReport, collector: BodyCollector, writer: ArchiveWriter) throws {
        let wanted = Set(uids)
        var staged: [UID: StagedMessage] = [:]
        var nilBodies = Set<UID>()
        defer { staged.values.forEach { $0.blob.discard() } }
        try session.fetch(uids, body: collector) { message in
            let blob = collector.take()
            guard let uid = message.uid, wanted.contains(uid) else { blob?.discard(); return }
            let encoded: EncodedBlob?
            switch message.body {
            case .streamed: encoded = blob
            case .inline(let bytes): encoded = try collector.encodeInline(bytes)
            case .nil: nilBodies.insert(uid); encoded = nil
            case .absent: encoded = nil
            }
            guard let encoded else { return }
            staged[uid]?.blob.discard()
            staged[uid] = StagedMessage(mailboxID: record.id, uidValidity: validity, uid: uid, blob: encoded,
                                        serverSize: message.serverSize, internalDate: message.internalDate, flags: message.flags)
        }
        let batch = uids.compactMap { staged[$0] }
        let written: (newBlobs: Int, newBytes: UInt64)
        do { written = try writer.commit(batch) } catch { throw WriteFailure(underlying: error) }
        staged.removeAll()
        result.new += batch.count
        result.blobsNew += written.newBlobs
        result.bytesFetched += batch.reduce(0) { $0 + $1.blob.rawLength }
        let missing = uids.count - batch.count - nilBodies.count
        if missing > 0 { result.pending["missing", default: 0] += missing }
        if !nilBodies.isEmpty { result.pending["nil-body", default: 0] += nilBodies.count }
    }

    static func progressLine(_ r: MailboxReport) -> String {
        var line = "\(r.source)/\(r.account)/\(r.mailbox): \(r.listed) listed, \(r.new) new, \(r.alreadyArchived) already archived"
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
