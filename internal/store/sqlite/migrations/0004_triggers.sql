-- Polling and schedule triggers. Each started polling or schedule recipe has
-- one trigger_state row: it is the durable, leased unit of work of that
-- trigger ("the poll or tick due at next_due"), claimed like a queue job
-- by whichever process comes first, and completed in the same transaction
-- that creates its jobs, records the records it saw and moves next_due on.
-- So a poll or tick fires once however many processes share the database,
-- and a process that dies mid-poll loses nothing: its lease runs out and
-- another process polls again.
CREATE TABLE trigger_state (
    recipe_id   TEXT PRIMARY KEY,
    next_due    INTEGER NOT NULL,
    -- armed_at: when the recipe last started (or its trigger was edited);
    -- since: now counts records after it as new.
    armed_at    INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER,
    -- cursor: the poll cursor ({{cursor}}), kept across failures.
    cursor      TEXT,
    -- resume: where a poll cut short by max_pages goes on from (JSON).
    resume      BLOB,
    -- polled: the first poll has run (since: now remembers records only).
    polled      INTEGER NOT NULL DEFAULT 0,
    failures    INTEGER NOT NULL DEFAULT 0,
    -- health: JSON of the last poll or tick (and the last failure).
    health      BLOB,
    updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- Every poll or tick that fired, unique by recipe and due time: a second
-- completion of the same due time cannot create jobs again. Bounded per
-- recipe (the oldest are retired).
CREATE TABLE trigger_ticks (
    recipe_id TEXT NOT NULL,
    due_at    INTEGER NOT NULL,
    fired_at  INTEGER NOT NULL,
    fired_by  TEXT NOT NULL,
    jobs      INTEGER NOT NULL,
    PRIMARY KEY (recipe_id, due_at)
) WITHOUT ROWID;

-- Records a polling trigger has seen, by the id at its id_path. Bounded per
-- recipe: past the limit the oldest are retired (seq orders them).
CREATE TABLE seen_records (
    recipe_id TEXT NOT NULL,
    record_id TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    PRIMARY KEY (recipe_id, record_id)
) WITHOUT ROWID;
CREATE INDEX seen_records_age ON seen_records(recipe_id, seq);
