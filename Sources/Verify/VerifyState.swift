import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a verification cut short by `--max-duration` resumes: `<store>/verify-state.json`.
///
/// A *cycle* covers every pack once. The file names the kind of check (structure, read-data, or a
/// read-data sample), when the cycle started and the packs already done; the next run with the
/// same kind skips those. It is written atomically (temp file + rename) and removed when a cycle
/// completes. Losing it only means a cycle starts over.
struct VerifyState: Codable, Equatable {
    var version = 1
    /// `structure`, `read-data` or `read-data-subset:P`.
    var mode: String
    var cycleStarted: String
    var done: [String]

    enum CodingKeys: String, CodingKey {
        case version, mode, done
        case cycleStarted = "cycle_started"
    }

    static func url(store: URL) -> URL { store.appendingPathComponent("verify-state.json") }

    /// The saved state for `mode`, or nil when there is none (or it is for another mode, or unreadable).
    static func load(store: URL, mode: String) -> VerifyState? {
        guard let data = FileManager.default.contents(atPath: url(store: store).path),
              let state = try? JSONDecoder().decode(VerifyState.self, from: data), state.mode == mode else { return nil }
        return state
    }

    /// - Throws: file-system errors.
    func save(store: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let target = Self.url(store: store)
        let temp = store.appendingPathComponent(".verify-state.json.tmp")
        try encoder.encode(self).write(to: temp)
        guard rename(temp.path, target.path) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target.path]) }
    }

    static func remove(store: URL) {
        try? FileManager.default.removeItem(at: url(store: store))
    }
}
