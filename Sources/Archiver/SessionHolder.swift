import ArchiveModel
import Foundation

/// Owns the session of one account on one fetch thread and replaces it when it breaks
/// or when its credentials are about to expire.
final class SessionHolder {
    private let source: any MailSource
    let account: String
    private(set) var session: MailSession?
    /// Seconds before `validUntil` at which a session is renewed between batches.
    let renewalMargin: TimeInterval = 60

    init(source: any MailSource, account: String) {
        self.source = source
        self.account = account
    }

    /// The current session, opened if needed.
    func current() throws -> MailSession {
        if let session { return session }
        let fresh = try source.openSession(account: account)
        session = fresh
        return fresh
    }

    /// True when the session's credentials expire within the renewal margin.
    var isExpiring: Bool {
        guard let until = session?.validUntil else { return false }
        return until.timeIntervalSinceNow < renewalMargin
    }

    /// Drops the current session (closing it politely unless it is known broken).
    func drop(polite: Bool) {
        if polite { session?.close() }
        session = nil
    }
}
