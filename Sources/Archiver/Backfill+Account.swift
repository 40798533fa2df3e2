import ArchiveModel
import Catalog
import Foundation
import PackStore

extension Backfill {
    /// Archives one account over one session; reconnects once per mailbox after a transient failure.
    func archiveAccount(_ job: BackfillJob, _ account: String, writer: ArchiveWriter, runID: Int64) throws {
        let accountRecord = try store.catalog.account(source: job.source, name: account)
        var session: MailSession
        do { session = try job.mailSource.openSession(account: account) } catch {
            recordAccountError(account, error)
            progress("\(job.source)/\(account): \(error)")
            return
        }
        defer { session.close() }
        let remote: [RemoteMailbox]
        do { remote = try session.mailboxes() } catch {
            recordAccountError(account, error)
            return
        }
        let collector = BodyCollector(spillDirectory: store.spillDirectory)
        for mailbox in remote where mailbox.selectable && job.selection.includes(mailbox.name) {
            if stop.isSet { return }
            let record = try store.catalog.mailbox(account: accountRecord, name: mailbox.name, delimiter: mailbox.delimiter)
            var result = MailboxReport(source: job.source, account: account, mailbox: mailbox.name.display,
                                       mailboxWire: mailbox.name.wireString)
            let started = Date()
            do {
                try archiveMailbox(session, record, &result, collector: collector, writer: writer, runID: runID)
            } catch let error as ClassifiedError where error.failureClass == .transient {
                result.error = "\(error)"
                if let fresh = try? job.mailSource.openSession(account: account) {
                    session.close()
                    session = fresh
                }
            } catch let error as ClassifiedError {
                result.error = "\(error)"
                if error.failureClass == .authentication || error.failureClass == .configuration {
                    recordAccountError(account, error)
                    return
                }
            } catch let error as WriteFailure {
                throw error.underlying
            } catch {
                result.error = "\(error)"
            }
            result.seconds = Date().timeIntervalSince(started)
            recordMailbox(result)
            progress(Self.progressLine(result))
        }
    }

    /// EXAMINE, list UIDs, fetch what is missing in batches.
    func archiveMailbox(_ session: MailSession, _ record: MailboxRecord, _ result: inout MailboxReport,
                        collector: BodyCollector, writer: ArchiveWriter, runID: Int64) throws {
        let status = try session.examine(record.name)
        result.uidValidity = status.uidValidity.rawValue
        try store.catalog.updateMailbox(record.id, uidValidity: status.uidValidity, uidNext: status.uidNext,
                                        exists: status.exists, runID: runID)
        let listed = status.exists == 0 ? [] : try session.uids()
        let archived = try store.catalog.archivedUIDs(mailbox: record.id, uidValidity: status.uidValidity)
        let missing = listed.filter { !archived.contains($0.rawValue) }
        result.listed = listed.count
        result.alreadyArchived = listed.count - missing.count
        var start = 0
        while start < missing.count {
            if stop.isSet { return }
            let batch = Array(missing[start..<min(start + options.batchSize, missing.count)])
            try fetchBatch(session, batch, record, status.uidValidity, &result, collector: collector, writer: writer)
            start += batch.count
        }
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
