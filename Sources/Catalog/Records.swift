import ArchiveModel

/// An account row: one login identity of one configured source.
public struct AccountRecord: Sendable, Hashable {
    public let id: Int64
    public let source: String
    public let name: String
}

/// A mailbox row, with the state seen at the last run.
public struct MailboxRecord: Sendable, Hashable {
    public let id: Int64
    public let accountID: Int64
    public let name: MailboxName
    public var uidValidity: UIDValidity?
    /// The UIDNEXT seen when the mailbox was last examined.
    public var uidNext: UInt32?
    public var exists: UInt32?
    /// HIGHESTMODSEQ seen at the last run (RFC 7162), when the server has CONDSTORE.
    public var highestModSeq: UInt64?
    /// `active`, or `gone` once the server no longer lists it.
    public var status: String = "active"

    public init(id: Int64, accountID: Int64, name: MailboxName, uidValidity: UIDValidity?, uidNext: UInt32?, exists: UInt32?) {
        self.id = id
        self.accountID = accountID
        self.name = name
        self.uidValidity = uidValidity
        self.uidNext = uidNext
        self.exists = exists
    }
}

/// Where a blob lives: pack ID (32 hex characters), byte offset of its entry, and lengths in bytes.
public struct BlobRow: Sendable, Hashable {
    public let id: BlobID
    public let pack: String
    public let offset: UInt64
    public let storedLength: UInt64
    public let rawLength: UInt64
    public let dictionary: UInt32
    /// For a blob inside a block entry, its byte offset in the block's content; nil when the entry holds this blob alone.
    public let member: UInt64?

    public init(id: BlobID, pack: String, offset: UInt64, storedLength: UInt64, rawLength: UInt64, dictionary: UInt32,
                member: UInt64? = nil) {
        self.id = id
        self.pack = pack
        self.offset = offset
        self.storedLength = storedLength
        self.rawLength = rawLength
        self.dictionary = dictionary
        self.member = member
    }

    /// The pack entry's compression kind: 2 (a block) for a member, 1 otherwise.
    public var compression: UInt8 { member == nil ? 1 : 2 }
}

/// One archived message: (mailbox, UIDVALIDITY, UID) → blob.
public struct MessageRow: Sendable, Hashable {
    public let mailboxID: Int64
    public let uidValidity: UIDValidity
    public let uid: UID
    public let blob: BlobID
    /// Bytes of the literal the server sent (the raw message).
    public let size: UInt64
    /// RFC822.SIZE as the server announced it; advisory only.
    public let serverSize: UInt64?
    /// INTERNALDATE in RFC 3339 form.
    public let internalDate: String?
    public let flags: [String]

    public init(mailboxID: Int64, uidValidity: UIDValidity, uid: UID, blob: BlobID, size: UInt64,
                serverSize: UInt64?, internalDate: String?, flags: [String]) {
        self.mailboxID = mailboxID
        self.uidValidity = uidValidity
        self.uid = uid
        self.blob = blob
        self.size = size
        self.serverSize = serverSize
        self.internalDate = internalDate
        self.flags = flags
    }
}

/// A message as listed by `coffer ls`: the row joined with its account and mailbox.
public struct ListedMessage: Sendable, Hashable {
    public let source: String
    public let account: String
    public let mailbox: MailboxName
    public let uidValidity: UIDValidity
    public let uid: UID
    public let blob: BlobID
    public let size: UInt64
    public let internalDate: String?
    public let flags: [String]
}

/// Which messages to list; nil fields match everything.
public struct MessageFilter: Sendable {
    public var accounts: [String] = []
    /// Display or wire names.
    public var mailboxes: [String] = []
    public var uid: UID?
    public var uidValidity: UIDValidity?
    public var blob: BlobID?
    public init() {}
}
