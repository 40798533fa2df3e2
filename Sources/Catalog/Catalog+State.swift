import ArchiveModel
import Foundation
import GRDB

/// Why a listed UID is not archived yet.
public enum PendingReason: String, Sendable, Codable, CaseIterable {
    /// Listed by the server, but UID FETCH returned nothing for it (case B12).
    case missing
    /// The server answered `BODY[] NIL` (case B28).
    case nilBody = "nil-body"
    /// The literal was cut short or out of step with its count (cases B21, B31).
    case failed
    /// Larger than a configured cap.
    case tooLarge = "too-large"
}

/// One pending UID, for reports and retries.
public struct PendingUID: Sendable, Hashable {
    public let uid: UID
    public let reason: PendingReason
    public let attempts: Int
    public let lastError: String?
}

/// Something sync observed and recorded; archived content is never changed by it.
public enum EventKind: String, Sendable {
    case expunged, flags
    case uidValidityChanged = "uidvalidity-changed"
    case mailboxNew = "mailbox-new", mailboxGone = "mailbox-gone", mailboxRenamed = "mailbox-renamed"
}

/// A UID that was asked for and not archived, with why.
public struct PendingRow: Sendable {
    public let mailboxID: Int64
    public let uidValidity: UIDValidity
    public let uid: UID
    public let reason: PendingReason
    public let error: String?
    /// RFC 3339.
    public let at: String
    public init(mailboxID: Int64, uidValidity: UIDValidity, uid: UID, reason: PendingReason, error: String?, at: String) {
        self.mailboxID = mailboxID
        self.uidValidity = uidValidity
        self.uid = uid
        self.reason = reason
        self.error = error
        self.at = at
    }
}

extension Catalog {
    /// Records UIDs that were asked for but not archived, incrementing their attempt count.
    public func markPending(_ rows: [PendingRow]) throws {
        guard !rows.isEmpty else { return }
        try wrap { try db.write { db in try Self.insertPending(db, rows) } }
    }

    static func insertPending(_ db: Database, _ rows: [PendingRow]) throws {
        guard !rows.isEmpty else { return }
        let stmt = try db.cachedStatement(sql: """
            INSERT INTO uid_state (mailbox_id, uidvalidity, uid, state, attempts, last_error, first_seen, last_attempt)
            VALUES (?, ?, ?, ?, 1, ?, ?, ?)
            ON CONFLICT (mailbox_id, uidvalidity, uid) DO UPDATE SET
                state = excluded.state, attempts = attempts + 1, last_error = excluded.last_error, last_attempt = excluded.last_attempt
            """)
        for r in rows {
            try stmt.execute(arguments: [r.mailboxID, Int64(r.uidValidity.rawValue), Int64(r.uid.rawValue), r.reason.rawValue, r.error, r.at, r.at])
        }
    }

    /// The pending UIDs of one mailbox generation.
    public func pendingUIDs(mailbox: Int64, uidValidity: UIDValidity) throws -> [PendingUID] {
        try wrap {
            try db.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT uid, state, attempts, last_error FROM uid_state WHERE mailbox_id = ? AND uidvalidity = ? ORDER BY uid
                    """, arguments: [mailbox, Int64(uidValidity.rawValue)]).map {
                    PendingUID(uid: UID(UInt32($0[0] as Int64)), reason: PendingReason(rawValue: $0[1]) ?? .failed,
                               attempts: $0[2], lastError: $0[3])
                }
            }
        }
    }

    /// Appends an event.
    public func recordEvent(_ kind: EventKind, mailbox: Int64?, uidValidity: UIDValidity? = nil, uid: UID? = nil,
                            detail: String? = nil, runID: Int64?, at time: String) throws {
        try recordEvents(kind, mailbox: mailbox, uidValidity: uidValidity, uids: uid.map { [$0] } ?? [nil], detail: detail, runID: runID, at: time)
    }

    /// Appends one event per UID (nil: one event without a UID).
    public func recordEvents(_ kind: EventKind, mailbox: Int64?, uidValidity: UIDValidity?, uids: [UID?], detail: String?,
                             runID: Int64?, at time: String) throws {
        try wrap {
            try db.write { db in
                let stmt = try db.cachedStatement(sql: """
                    INSERT INTO events (run_id, mailbox_id, uidvalidity, uid, kind, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
                for uid in uids {
                    try stmt.execute(arguments: [runID, mailbox, uidValidity.map { Int64($0.rawValue) }, uid.map { Int64($0.rawValue) },
                                                 kind.rawValue, detail, time])
                }
            }
        }
    }

    /// UIDs of a mailbox generation already recorded as expunged.
    public func expungedUIDs(mailbox: Int64, uidValidity: UIDValidity) throws -> Set<UInt32> {
        try wrap {
            try db.read { db in
                Set(try Int64.fetchAll(db, sql: "SELECT uid FROM events WHERE kind = 'expunged' AND mailbox_id = ? AND uidvalidity = ?",
                                       arguments: [mailbox, Int64(uidValidity.rawValue)]).map { UInt32($0) })
            }
        }
    }

    /// Events of a kind, for reports and tests: (mailbox display name, UIDVALIDITY, UID, detail).
    public func events(kind: EventKind, account: String? = nil) throws -> [(mailbox: String, uidValidity: UInt32?, uid: UInt32?, detail: String?)] {
        try wrap {
            try db.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT mb.display_name, e.uidvalidity, e.uid, e.detail FROM events e
                    LEFT JOIN mailboxes mb ON mb.id = e.mailbox_id LEFT JOIN accounts a ON a.id = mb.account_id
                    WHERE e.kind = ? AND (? IS NULL OR a.name = ?) ORDER BY e.id
                    """, arguments: [kind.rawValue, account, account]).map {
                    ((($0[0] as String?) ?? ""), ($0[1] as Int64?).map { UInt32($0) }, ($0[2] as Int64?).map { UInt32($0) }, $0[3])
                }
            }
        }
    }

    /// Every mailbox row of an account.
    public func mailboxes(account: AccountRecord) throws -> [MailboxRecord] {
        try wrap {
            try db.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT id, wire_name, uidvalidity, uidnext, exists_count, highest_modseq, status FROM mailboxes WHERE account_id = ?
                    """, arguments: [account.id]).map { row in
                    var r = MailboxRecord(id: row[0], accountID: account.id, name: MailboxName(wire: row[1] as String),
                                          uidValidity: (row[2] as Int64?).map { UIDValidity(UInt32($0)) },
                                          uidNext: (row[3] as Int64?).map { UInt32($0) }, exists: (row[4] as Int64?).map { UInt32($0) })
                    r.highestModSeq = (row[5] as Int64?).map { UInt64($0) }
                    r.status = row[6]
                    return r
                }
            }
        }
    }

    /// Sets a mailbox's status (`active`, `gone`).
    public func setMailboxStatus(_ id: Int64, _ status: String) throws {
        try wrap { try db.write { db in try db.execute(sql: "UPDATE mailboxes SET status = ? WHERE id = ?", arguments: [status, id]) } }
    }

    /// Records HIGHESTMODSEQ (RFC 7162) seen at this run.
    public func setHighestModSeq(_ id: Int64, _ modseq: UInt64?) throws {
        try wrap {
            try db.write { db in
                try db.execute(sql: "UPDATE mailboxes SET highest_modseq = ? WHERE id = ?", arguments: [modseq.map { Int64($0) }, id])
            }
        }
    }
}
