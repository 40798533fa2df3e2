import ArchiveModel
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which mailboxes to archive: shell-style patterns (`*`, `?`, `[…]`) on the display name.
public struct MailboxSelection: Sendable {
    public var include: [String]
    public var exclude: [String]
    /// Exact names given with `--mailbox` (display or wire form); empty means all.
    public var only: [String]

    public init(include: [String] = ["*"], exclude: [String] = [], only: [String] = []) {
        self.include = include.isEmpty ? ["*"] : include
        self.exclude = exclude
        self.only = only
    }

    /// Whether `name` is selected.
    public func includes(_ name: MailboxName) -> Bool {
        let display = name.display
        if !only.isEmpty && !only.contains(where: { $0 == display || $0 == name.wireString || (name.isInbox && $0.uppercased() == "INBOX") }) {
            return false
        }
        guard include.contains(where: { Self.matches($0, display) }) else { return false }
        return !exclude.contains(where: { Self.matches($0, display) })
    }

    static func matches(_ pattern: String, _ name: String) -> Bool {
        fnmatch(pattern, name, 0) == 0
    }
}
