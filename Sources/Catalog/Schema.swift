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

extension Schema {
    /// A smaller index for block entries (docs/store-format.md, "The index").
    ///
    /// A blob's location is split into the pack entry that holds it (`entries`: one row per entry,
    /// a block's row shared by all its members) and the blob's place in it (`blob_index`: `member`
    /// is the byte offset inside a block's content, NULL for an entry that holds one blob). Pack IDs
    /// are stored once (`packs`) and referred to by integer. `blobs` stays as a view with the old
    /// columns plus `compression` and `member`. The `blobs_pack` and `messages_blob` indexes are
    /// dropped: together they were over half of the index, and what used them (verify, `ls --blob`)
    /// reads the whole table anyway.
    static let v5Entries = """
    CREATE TABLE packs (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    );
    CREATE TABLE entries (
        id INTEGER PRIMARY KEY,
        pack INTEGER NOT NULL REFERENCES packs(id),
        offset INTEGER NOT NULL,
        stored_length INTEGER NOT NULL,
        dictionary INTEGER NOT NULL,
        compression INTEGER NOT NULL,
        UNIQUE (pack, offset)
    );
    CREATE TABLE blob_index (
        id BLOB PRIMARY KEY,
        entry INTEGER NOT NULL REFERENCES entries(id),
        member INTEGER,
        raw_length INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO packs (name) SELECT DISTINCT pack FROM blobs ORDER BY pack;
    INSERT INTO entries (pack, offset, stored_length, dictionary, compression)
        SELECT p.id, b.offset, b.stored_length, b.dictionary, 1 FROM blobs b JOIN packs p ON p.name = b.pack
        ORDER BY b.pack, b.offset;
    INSERT INTO blob_index (id, entry, member, raw_length)
        SELECT b.id, e.id, NULL, b.raw_length FROM blobs b JOIN packs p ON p.name = b.pack
        JOIN entries e ON e.pack = p.id AND e.offset = b.offset;
    DROP INDEX blobs_pack;
    DROP TABLE blobs;
    DROP INDEX messages_blob;
    CREATE VIEW blobs (id, pack, offset, stored_length, raw_length, dictionary, compression, member) AS
        SELECT b.id, p.name, e.offset, e.stored_length, b.raw_length, e.dictionary, e.compression, b.member
        FROM blob_index b JOIN entries e ON e.id = b.entry JOIN packs p ON p.id = e.pack;
    """
}
