-- The first schema: one workspace, its API tokens, connections, recipes,
-- events (what triggers received) and jobs (the queue and the history at once).
-- Times are Unix microseconds. Ids are UUIDv7, so ordering by id is ordering
-- by creation time.

CREATE TABLE workspace (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    webhook_token TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    hash       BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE connections (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    doc        BLOB NOT NULL,
    secrets    BLOB,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE recipes (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    trigger_type TEXT NOT NULL,
    event        TEXT,
    state        TEXT NOT NULL DEFAULT 'stopped',
    capture      INTEGER NOT NULL DEFAULT 0,
    doc          BLOB NOT NULL,
    secrets      BLOB,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
-- One recipe per webhook event: the event is the last segment of its URL.
CREATE UNIQUE INDEX recipes_event ON recipes(event) WHERE event IS NOT NULL;

-- Events and jobs are WITHOUT ROWID tables keyed by their UUIDv7: rows are
-- stored in id (time) order, so inserts append, and no separate index of
-- the id has to be written with every row.
CREATE TABLE events (
    id         TEXT PRIMARY KEY,
    recipe_id  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    payload    BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE jobs (
    id          TEXT PRIMARY KEY,
    recipe_id   TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    status      TEXT NOT NULL,
    claims      INTEGER NOT NULL DEFAULT 0,
    -- run_at is when the queue next looks at the job: for a pending job, when
    -- it may run; for a running one, when its lease runs out.
    run_at      INTEGER NOT NULL,
    owner       TEXT,
    created_at  INTEGER NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER,
    steps       BLOB,
    error       TEXT
) WITHOUT ROWID;
-- History: newest first per recipe and status. A list of every status
-- merges the four ranges (see Jobs), which spares one more index written
-- with every job. The index also holds every column a list shows, so a
-- page of a long history is read from the index alone, not from job rows
-- that carry each step's request and response.
CREATE INDEX jobs_recipe_status ON jobs(recipe_id, status, id, created_at, finished_at, error);
-- Queue: one index serves both runnable jobs and expired leases.
CREATE INDEX jobs_queue ON jobs(run_at) WHERE status IN ('pending', 'running');
