import ArchiveModel

/// What one run did to one mailbox.
public struct MailboxReport: Sendable, Codable {
    public var source: String
    public var account: String
    public var mailbox: String
    public var mailboxWire: String
    public var uidValidity: UInt32?
    /// Messages the server listed.
    public var listed = 0
    /// Listed messages that were already archived before this run.
    public var alreadyArchived = 0
    /// Messages archived by this run.
    public var new = 0
    /// Messages listed but not archived, by reason (missing, nil-body, failed).
    public var pending: [String: Int] = [:]
    /// Bytes of message bodies received.
    public var bytesFetched: UInt64 = 0
    /// Blobs this run added to the store (the rest were duplicates).
    public var blobsNew = 0
    public var error: String?
    public var seconds: Double = 0
    /// The server's UIDVALIDITY differs from the archived generation: a new generation was started.
    public var uidValidityChanged = false
    /// Sync found nothing new (STATUS unchanged) and fetched nothing.
    public var unchanged = false
    /// UIDs newly recorded as expunged on the server (the archived copies stay).
    public var expunged = 0
    /// Archived messages whose flags changed on the server (recorded as events).
    public var flagChanges = 0
    /// The archived generation's UIDVALIDITY when it changed (case B27).
    public var previousUIDValidity: UInt32?
    /// Seconds spent waiting because the server throttled (cases B09, B10); not a failure by itself.
    public var throttleWait: Double = 0
    /// The run stopped waiting on this mailbox's throttling after `max_throttle_wait` (exit 75).
    public var gaveUp = false
    /// The server refused this mailbox to an authenticated session twice (B08, B11).
    public var permissionDenied = false
    /// A plain-words observation, e.g. that a folder holds no fetchable mail (case B15).
    public var note: String?
    /// The writer's counts for this mailbox's batches; final once the run's writer is closed, when
    /// they are added to `blobsNew` (the writer decides what is new after the mailbox is done).
    var tallies: [WriteTally] = []

    enum CodingKeys: String, CodingKey {
        case source, account, mailbox, listed, new, pending, error, seconds
        case mailboxWire = "mailbox_wire", uidValidity = "uidvalidity", alreadyArchived = "already_archived"
        case bytesFetched = "bytes_fetched", blobsNew = "blobs_new"
        case uidValidityChanged = "uidvalidity_changed", unchanged, expunged, flagChanges = "flag_changes"
        case previousUIDValidity = "previous_uidvalidity", throttleWait = "throttle_wait_seconds", gaveUp = "gave_up"
        case permissionDenied = "permission_denied", note
    }
}

/// The outcome of a backfill or sync.
public struct RunReport: Sendable, Codable {
    public var runID: Int64?
    public var kind: String
    public var started: String
    public var seconds: Double = 0
    public var mailboxes: [MailboxReport] = []
    /// Accounts that could not be processed at all, with the reason.
    public var accountErrors: [String: String] = [:]
    /// Set when credentials were refused; the run stopped.
    public var authenticationFailure: String?
    /// Set when the configuration is unusable (e.g. untrusted certificate); the run stopped.
    public var configurationFailure: String?
    /// True when every account error was a temporary condition (network, server unavailable).
    public var accountErrorsTransient = true
    public var interrupted = false
    /// Set only in the record the index keeps (``indexRecord``), whose mailbox list is filtered.
    public var totals: RunTotals?

    public var messagesNew: Int { mailboxes.reduce(0) { $0 + $1.new } }
    public var bytesFetched: UInt64 { mailboxes.reduce(0) { $0 + $1.bytesFetched } }
    public var blobsNew: Int { mailboxes.reduce(0) { $0 + $1.blobsNew } }
    /// True when the run gave up on a temporary condition (throttling) after the configured wait.
    public var gaveUp: Bool { mailboxes.contains { $0.gaveUp } }
    /// True when every selected mailbox was fully archived.
    public var complete: Bool {
        accountErrors.isEmpty && authenticationFailure == nil && configurationFailure == nil && !interrupted
            && mailboxes.allSatisfy { $0.error == nil && $0.pending.isEmpty }
    }

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", kind, started, seconds, mailboxes, interrupted, totals
        case accountErrors = "account_errors", authenticationFailure = "authentication_failure"
        case configurationFailure = "configuration_failure", accountErrorsTransient = "account_errors_transient"
    }
}

extension RunReport {
    /// What the index keeps of a run (`runs.summary`): the report with only the mailboxes that have
    /// something to say (an error, pending UIDs, a new UIDVALIDITY generation, expunges, flag
    /// changes, a note, throttling given up), plus totals. A scheduled sync of 800 unchanged
    /// mailboxes would otherwise add about 300 KB of JSON to the index every run; what a mailbox
    /// fetched stays in its message rows (`messages.run_id`).
    var indexRecord: RunReport {
        var record = self
        record.mailboxes = mailboxes.filter { m in
            m.error != nil || !m.pending.isEmpty || m.uidValidityChanged || m.expunged > 0 || m.flagChanges > 0
                || m.note != nil || m.gaveUp || m.permissionDenied
        }
        record.totals = RunTotals(mailboxes: mailboxes.count, messagesNew: messagesNew, blobsNew: blobsNew,
                                  bytesFetched: bytesFetched, unchanged: mailboxes.filter(\.unchanged).count)
        return record
    }
}

/// Totals of a run, kept in the index with its notable mailboxes (``RunReport/indexRecord``).
public struct RunTotals: Sendable, Codable {
    public var mailboxes: Int
    public var messagesNew: Int
    public var blobsNew: Int
    public var bytesFetched: UInt64
    public var unchanged: Int

    enum CodingKeys: String, CodingKey {
        case mailboxes, unchanged
        case messagesNew = "messages_new", blobsNew = "blobs_new", bytesFetched = "bytes_fetched"
    }
}
