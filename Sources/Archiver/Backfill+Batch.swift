import ArchiveModel
import Catalog
import Foundation
import PackStore

extension Backfill {
    /// Fetches batches (pipelined, `options.pipelineDepth` commands in flight) and hands each to the
    /// writer as soon as its tagged OK arrives. Only a FETCH carrying a requested UID and a body counts
    /// as a result (case B19); requested UIDs without one are recorded as pending with their reason
    /// (`missing`, B12; `nil-body`, B28). When the connection fails, the complete messages received so
    /// far are committed before the error goes up; a single isolated UID whose literal broke the framing
    /// is marked `failed` and skipped.
    func fetchBatches(_ holder: SessionHolder, _ batches: [[UID]], _ record: MailboxRecord, _ validity: UIDValidity,
                      _ result: inout MailboxReport, collector: BodyCollector, writer: ArchiveWriter,
                      tally: WriteTally, isolated: Bool) throws {
        let wanted = Set(batches.joined())
        let stream = ObjectIdentifier(collector)
        var staged: [UID: StagedMessage] = [:]
        var nilBodies = Set<UID>()
        var finished = Set<Int>()
        defer { staged.values.forEach { $0.blob.discard() } }
        var report = result
        defer { result = report }
        do {
            try holder.current().fetch(batches: batches, depth: options.pipelineDepth, body: collector, onMessage: { message in
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
                                            serverSize: message.serverSize, internalDate: message.internalDate,
                                            flags: message.flags.filter { $0.caseInsensitiveCompare("\\Recent") != .orderedSame })
            }, onBatchDone: { index in
                finished.insert(index)
                try submit(batches[index], &staged, nilBodies, record, validity, &report, writer: writer, tally: tally, stream: stream, failure: nil)
            })
        } catch {
            let open = batches.indices.filter { !finished.contains($0) }.flatMap { batches[$0] }
            guard isolated, let classified = error as? ClassifiedError, classified.isMessageLevel else {
                try submit(open.filter { staged[$0] != nil }, &staged, nilBodies, record, validity, &report,
                           writer: writer, tally: tally, stream: stream, failure: nil)
                throw error
            }
            holder.drop(polite: false)
            try submit(open, &staged, nilBodies, record, validity, &report, writer: writer, tally: tally, stream: stream, failure: error)
        }
    }

    /// Hands the staged messages of `uids` to the writer with the pending state of the rest.
    private func submit(_ uids: [UID], _ staged: inout [UID: StagedMessage], _ nilBodies: Set<UID>, _ record: MailboxRecord,
                        _ validity: UIDValidity, _ result: inout MailboxReport, writer: ArchiveWriter, tally: WriteTally,
                        stream: ArchiveWriter.StreamKey, failure: Error?) throws {
        let batch = uids.compactMap { staged.removeValue(forKey: $0) }
        let archivedNow = Set(batch.map(\.uid))
        let now = Timestamp.now()
        let pending: [PendingRow] = uids.filter { !archivedNow.contains($0) }.map { uid in
            let (reason, text): (PendingReason, String) = failure.map { (.failed, "\($0)") }
                ?? (nilBodies.contains(uid) ? (.nilBody, "the server answered BODY[] NIL") : (.missing, "the server sent no body for this UID"))
            return PendingRow(mailboxID: record.id, uidValidity: validity, uid: uid, reason: reason, error: text, at: now)
        }
        try writer.submit(batch, pending: pending, tally: tally, stream: stream)
        result.new += batch.count
        result.bytesFetched += batch.reduce(0) { $0 + $1.blob.rawLength }
        for row in pending { result.pending[row.reason.rawValue, default: 0] += 1 }
    }
}
