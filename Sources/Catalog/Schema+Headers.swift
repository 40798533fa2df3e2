extension Schema {
    /// The columns of the `headers` table (see ``v3Headers``).
    static let headerColumns = """
    (
        id INTEGER PRIMARY KEY,
        blob BLOB NOT NULL UNIQUE,
        status TEXT NOT NULL,
        extractor INTEGER NOT NULL,
        message_id TEXT,
        date INTEGER,
        from_text TEXT,
        to_text TEXT,
        cc_text TEXT,
        bcc_text TEXT,
        subject TEXT
    )
    """

    /// Header fields extracted from archived messages, for `coffer ls` filters and `--text`.
    ///
    /// One row per *blob* (the same bytes always give the same headers), written after a run or
    /// lazily by `ls`; a blob without a row is simply not indexed yet. `status` is `ok`, or
    /// `unreadable` when the blob could not be read (the row keeps the indexer from retrying every
    /// time; `verify` reports the damage). `extractor` is the version of the extraction rules, so a
    /// later version can re-index what an older one wrote. `date` is the Date header in UTC seconds.
    ///
    /// `headers_fts` is a contentless FTS5 table (only the index is stored, not the text) whose
    /// rowid is `headers.id`: sender, recipients (To, Cc, Bcc), subject and the first text/plain part.
    static let v3Headers = """
    DROP TABLE IF EXISTS headers_placeholder;
    CREATE TABLE headers \(headerColumns);
    CREATE INDEX headers_message_id ON headers (message_id);
    CREATE INDEX headers_date ON headers (date);
    CREATE VIRTUAL TABLE headers_fts USING fts5(
        sender, recipients, subject, body, content = '', tokenize = 'unicode61 remove_diacritics 2'
    );
    """
}

extension Schema {
    /// The header index in `headers.sqlite` (attached as `headers_db`), created when missing: the same
    /// tables as ``v3Headers``, which migration `v6-headers-file` removes from `index.sqlite`. The
    /// file holds derived data only (rebuilt from the packs by `coffer ls`), so it is synced less
    /// strictly and may be deleted; `coffer stats` reports its size apart from the index.
    static let headersFile = """
    CREATE TABLE IF NOT EXISTS headers_db.headers \(headerColumns);
    CREATE INDEX IF NOT EXISTS headers_db.headers_message_id ON headers (message_id);
    CREATE INDEX IF NOT EXISTS headers_db.headers_date ON headers (date);
    CREATE VIRTUAL TABLE IF NOT EXISTS headers_db.headers_fts USING fts5(
        sender, recipients, subject, body, content = '', tokenize = 'unicode61 remove_diacritics 2'
    );
    """
}
