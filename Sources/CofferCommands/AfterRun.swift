import Archiver
import Foundation
import Ledger

/// What follows every backfill or sync, after its rows are committed: the run's hash-chain record
/// (fast, and done even after Ctrl-C). It cannot fail the run: a record that could not be written is
/// appended by the next run. The header index (for `ls` filters and `export`) is built lazily by
/// the commands that need it, so archiving never pays for re-reading what it just wrote.
enum AfterRun {
    static func finish(_ store: ArchiveStore, stop: StopFlag) {
        do {
            let appended = try ChainAppender(store: store.directory, catalog: store.catalog, packs: store.packs)
                .appendPendingRuns(now: Timestamp.now())
            if let head = appended.last { Console.error("chain: record \(head.seq) appended; head \(head.hash)") }
        } catch {
            Console.error("warning: the hash-chain record of this run was not written (\(error)); the next backfill or sync appends it")
        }
    }
}
