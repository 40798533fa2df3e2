import ArchiveModel
import Catalog
import Foundation
import PackStore

extension Backfill {
    /// Fetches one batch and commits it. Only a FETCH carrying a requested UID and a body counts as a
    /// result (case B19); requested UIDs without one are recorded as pending with their reason
    /// (`missing`, B12; `nil-body`, B28). When the connection fails mid-batch, the complete messages
    /// received so far are committed before the error goes up; a single isolated UID whose literal
    /// broke the framing is marked `failed` and skipped.
    func fetchBatch(_ holder: SessionHolder, _ uids: [UID], _ record: MailboxRecord, _ validity: UIDValidity,
                    _ result: inout MailboxReport, collector: BodyCollector, writer: ArchiveWriter,
                    tally: WriteTally, isolated: Bool) throws {
        let wanted = Set(uids)
        var staged: [UID: StagedMessage] = [:]
        var nilBodies = Set<UID>()
        defer { staged.values.forEach { $0.blob.discard() } }
        var failure: Error?
        do {
            try holder.current().fetch(uids, body: collector) { message in
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
        } catch {
            failure = error
        }
        let batch = uids.compactMap { staged[$0] }
        staged.removeAll()
        let archivedNow = Set(batch.map(\.uid))
        var pending: [(UID, PendingReason, String?)]
        if let failure {
            guard isolated, let classified = failure as? ClassifiedError, classified.isMessageLevel else {
                try writer.submit(batch, pending: [], tally: tally)
                result.new += batch.count
                result.bytesFetched += batch.reduce(0) { $0 + $1.blob.rawLength }
                throw failure
            }
            holder.drop(polite: false)
            pending = uids.filter { !archivedNow.contains($0) }.map { ($0, PendingReason.failed, "\(failure)") }
        } else {
            pending = uids.filter { !archivedNow.contains($0) }.map { uid in
                nilBodies.contains(uid) ? (uid, PendingReason.nilBody, "the server answered BODY[] NIL")
                                        : (uid, PendingReason.missing, "the server sent no body for this UID")
            }
        }
        let now = Timestamp.now()
        try writer.submit(batch, pending: pending.map {
            PendingRow(mailboxID: record.id, uidValidity: validity, uid: $0.0, reason: $0.1, error: $0.2, at: now)
        }, tally: tally)
        result.new += batch.count
        result.bytesFetched += batch.reduce(0) { $0 + $1.blob.rawLength }
        for (_, reason, _) in pending { result.pending[reason.rawValue, default: 0] += 1 }
    }
}
