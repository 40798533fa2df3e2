import Archiver
import Foundation
import Retrieval

/// Fills the header index for messages that have none yet, never failing the command that asked.
enum HeaderIndexing {
    /// Indexes what is missing; on a read-only or busy store says so and goes on with what is indexed.
    static func ensure(_ store: ArchiveStore, quiet: Bool, shouldStop: () -> Bool = { false }) {
        let indexer = HeaderIndexer(catalog: store.catalog, packs: store.packs)
        var last = Date()
        do {
            let n = try indexer.indexMissing(shouldStop: shouldStop) { done, total in
                guard !quiet, Date().timeIntervalSince(last) >= 2 || done == total else { return }
                last = Date()
                Console.error("indexing headers: \(done)/\(total) messages")
            }
            if n > 0 && !quiet { Console.error("indexed the headers of \(n) messages") }
        } catch {
            Console.error("warning: could not index message headers (\(error)); header filters see only the messages indexed so far")
        }
    }
}
