extension Schema {
    /// A copy, inside the index, of each hash-chain record's (seq, run, hash); the records themselves
    /// live in `chain/log.jsonl`. Two copies in two files: `verify` reports a record missing from or
    /// changed in either (a deleted or truncated log is then visible even without an external head).
    static let v4Chain = """
    CREATE TABLE chain (
        seq INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL,
        hash TEXT NOT NULL
    );
    """
}
