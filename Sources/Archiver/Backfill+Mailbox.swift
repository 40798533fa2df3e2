import ArchiveModel
import Catalog
import Foundation
import PackStore

extension Backfill {
    /// One mailbox: (sync) STATUS and skip when unchanged; EXAMINE; list UIDs; record expunges;
    /// fetch what is not archived in batches, renewing the session before its credentials expire.
    func archiveMailbox(_ holder: SessionHolder, _ record: MailboxRecord, _ result: inout MailboxReport,
                        collector: BodyCollector, writer: ArchiveWriter, runID: Int64, isolate: Bool,
                        helpers: HelperSessions? = nil) throws {
        if holder.isExpiring { holder.drop(polite: true) }
        if options.incremental && !options.fullCheck, try isUnchanged(holder, record) {
            result.unchanged = true
            result.uidValidity = record.uidValidity?.rawValue
            return
        }
        let status = try holder.current().examine(record.name)
        result.uidValidity = status.uidValidity.rawValue
        if let old = record.uidValidity, old != status.uidValidity, !result.uidValidityChanged {
            result.uidValidityChanged = true
            try store.catalog.recordEvent(.uidValidityChanged, mailbox: record.id, uidValidity: status.uidValidity,
                                          detail: "was \(old)", runID: runID, at: Timestamp.now())
        }
        let listed = status.exists == 0 ? [] : try holder.current().uids()
        let archived = try store.catalog.archivedUIDs(mailbox: record.id, uidValidity: status.uidValidity)
        if options.incremental || options.fullCheck {
            result.expunged += try recordExpunges(record, status.uidValidity, listed, archived, runID)
            result.flagChanges += try recordFlagChanges(holder, record, status, archived, runID)
        }
        let missing = listed.filter { !archived.contains($0.rawValue) }
        result.listed = listed.count
        result.alreadyArchived = max(result.alreadyArchived, listed.count - missing.count - result.new)
        result.pending = [:]
        let tally = WriteTally()
        result.tallies.append(tally)
        try fetchMissing(holder, missing, record, status, &result, collector: collector, writer: writer, tally: tally,
                         isolate: isolate, helpers: helpers)
        // The mailbox's state is recorded only once its messages are committed (they may wait in the
        // account's open block): a crash in between must leave the mailbox looking unfinished.
        let catalog = store.catalog
        try writer.afterCommit(of: ObjectIdentifier(collector)) {
            try catalog.updateMailbox(record.id, uidValidity: status.uidValidity, uidNext: status.uidNext,
                                      exists: status.exists, runID: runID)
            try catalog.setHighestModSeq(record.id, status.highestModSeq)
        }
    }

    /// STATUS says nothing changed since the last run and nothing is pending: one round trip, no EXAMINE.
    func isUnchanged(_ holder: SessionHolder, _ record: MailboxRecord) throws -> Bool {
        guard let validity = record.uidValidity, let uidNext = record.uidNext, let exists = record.exists else { return false }
        let status = try holder.current().status(record.name)
        guard status.uidValidity == validity, status.uidNext == uidNext, status.exists == exists else { return false }
        if let modseq = status.highestModSeq, modseq != record.highestModSeq { return false }
        return try store.catalog.pendingUIDs(mailbox: record.id, uidValidity: validity).isEmpty
    }

    /// Archived UIDs the server no longer lists are recorded once as expunged; their archived copies stay.
    func recordExpunges(_ record: MailboxRecord, _ validity: UIDValidity, _ listed: [UID], _ archived: Set<UInt32>, _ runID: Int64) throws -> Int {
        let onServer = Set(listed.map(\.rawValue))
        let already = try store.catalog.expungedUIDs(mailbox: record.id, uidValidity: validity)
        let gone = archived.subtracting(onServer).subtracting(already).sorted().map { UID($0) }
        guard !gone.isEmpty else { return 0 }
        try store.catalog.recordEvents(.expunged, mailbox: record.id, uidValidity: validity, uids: gone, detail: nil,
                                       runID: runID, at: Timestamp.now())
        return gone.count
    }

    /// With CONDSTORE: flag changes of archived messages since the stored HIGHESTMODSEQ become events
    /// (the archived blob and its row are never touched).
    func recordFlagChanges(_ holder: SessionHolder, _ record: MailboxRecord, _ status: RemoteMailboxStatus,
                           _ archived: Set<UInt32>, _ runID: Int64) throws -> Int {
        guard let stored = record.highestModSeq, let now = status.highestModSeq, now > stored,
              record.uidValidity == status.uidValidity else { return 0 }
        let changes = try holder.current().flagChanges(since: stored).filter { archived.contains($0.uid.rawValue) }
        for change in changes {
            try store.catalog.recordEvent(.flags, mailbox: record.id, uidValidity: status.uidValidity, uid: change.uid,
                                          detail: change.flags.joined(separator: " "), runID: runID, at: Timestamp.now())
        }
        return changes.count
    }

    /// Replaces an expiring session with a fresh one and re-opens the mailbox; UIDVALIDITY must not have changed.
    func renew(_ holder: SessionHolder, _ record: MailboxRecord, expected: UIDValidity) throws {
        holder.drop(polite: true)
        let status = try holder.current().examine(record.name)
        guard status.uidValidity == expected else { throw UIDValidityChanged(mailbox: record.name.display) }
    }
}
