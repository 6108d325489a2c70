-- Files received in multipart webhooks, too large to keep inline in the
-- trigger output, stored by the hex SHA-256 of their content in the same
-- transaction as their event. Content-addressed: the same file sent twice is
-- stored once.
CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    content    BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
