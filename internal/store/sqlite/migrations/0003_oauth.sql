-- OAuth2 (issue 4). Tokens live apart from the connection document: a
-- refresh writes only this row. sealed is the secret.Box-sealed token set;
-- version goes up with every write, so a refresh can be saved only if no
-- other process refreshed or reauthorized meanwhile.
CREATE TABLE oauth_tokens (
    connection_id TEXT PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
    sealed        BLOB NOT NULL,
    status        TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    expires_at    INTEGER,
    version       INTEGER NOT NULL DEFAULT 1,
    -- grant_key names the grant the tokens belong to (provider, client,
    -- grant type, scopes): tokens saved under another key are not this
    -- connection's any more (it was edited).
    grant_key     TEXT NOT NULL DEFAULT '',
    updated_at    INTEGER NOT NULL
);

-- Authorizations under way: single use, expiring, bound to the browser
-- that started them by the SHA-256 of a cookie. Kept in the database so a
-- callback reaching another process finds its state.
CREATE TABLE oauth_states (
    state         TEXT PRIMARY KEY,
    connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    cookie_hash   BLOB NOT NULL,
    verifier      BLOB NOT NULL,
    expires_at    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX oauth_states_expiry ON oauth_states(expires_at);
