/// The SQL of each migration. Append new migrations; never edit a shipped one.
enum Schema {
    static let v1 = """
    CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        name TEXT NOT NULL,
        UNIQUE (source, name)
    );
    CREATE TABLE mailboxes (
        id INTEGER PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id),
        wire_name TEXT NOT NULL,
        display_name TEXT NOT NULL,
        delimiter TEXT,
        uidvalidity INTEGER,
        uidnext INTEGER,
        exists_count INTEGER,
        last_run INTEGER,
        UNIQUE (account_id, wire_name)
    );
    CREATE TABLE blobs (
        id BLOB PRIMARY KEY,
        pack TEXT NOT NULL,
        offset INTEGER NOT NULL,
        stored_length INTEGER NOT NULL,
        raw_length INTEGER NOT NULL,
        dictionary INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE INDEX blobs_pack ON blobs (pack, offset);
    CREATE TABLE messages (
        mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id),
        uidvalidity INTEGER NOT NULL,
        uid INTEGER NOT NULL,
        blob BLOB NOT NULL,
        size INTEGER NOT NULL,
        server_size INTEGER,
        internaldate TEXT,
        flags TEXT NOT NULL DEFAULT '',
        run_id INTEGER,
        PRIMARY KEY (mailbox_id, uidvalidity, uid)
    ) WITHOUT ROWID;
    CREATE INDEX messages_blob ON messages (blob);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        started TEXT NOT NULL,
        finished TEXT,
        status TEXT,
        summary TEXT
    );
    """
}

extension Schema {
    /// Per-UID state (what is not archived yet, and why), events seen by sync, mailbox sync state.
    static let v2 = """
    CREATE TABLE uid_state (
        mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id),
        uidvalidity INTEGER NOT NULL,
        uid INTEGER NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 1,
        last_error TEXT,
        first_seen TEXT NOT NULL,
        last_attempt TEXT NOT NULL,
        PRIMARY KEY (mailbox_id, uidvalidity, uid)
    ) WITHOUT ROWID;
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        run_id INTEGER,
        mailbox_id INTEGER REFERENCES mailboxes(id),
        uidvalidity INTEGER,
        uid INTEGER,
        kind TEXT NOT NULL,
        detail TEXT,
        at TEXT NOT NULL
    );
    CREATE INDEX events_mailbox ON events (mailbox_id, uidvalidity, uid);
    ALTER TABLE mailboxes ADD COLUMN highest_modseq INTEGER;
    ALTER TABLE mailboxes ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
    """
}
