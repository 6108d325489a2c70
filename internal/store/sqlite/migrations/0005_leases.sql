-- Named leases: one holder at a time across every process that shares the
-- database, until the lease runs out or its holder releases it. Used so
-- that one process refreshes an OAuth2 token while the others wait for the
-- result (a provider that rotates refresh tokens may revoke the grant when
-- one refresh token is used twice).
CREATE TABLE leases (
    name  TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    until INTEGER NOT NULL
) WITHOUT ROWID;
