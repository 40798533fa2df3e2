extension Schema {
    /// Header fields extracted from archived messages, for `coffer ls` filters (issue 7 fills this in).
    static let v3Headers = """
    CREATE TABLE headers_placeholder (id INTEGER PRIMARY KEY);
    """
}
