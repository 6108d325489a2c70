-- Processes that run jobs on this database, so that one can tell at once
-- when another has died rather than wait out its leases: each holds an
-- exclusive lock (flock) on its lock file in the data folder for as long as
-- it lives (the kernel drops the lock when the process dies, SIGKILL
-- included), and beats here every few seconds. A process whose lock is free,
-- or whose beat is older than a job lease, is dead: its jobs are made
-- runnable at once and its row goes.
CREATE TABLE processes (
    owner      TEXT PRIMARY KEY,
    -- lock_file: the file's name in the data folder's processes/ folder;
    -- empty where file locks are not available (then the beat alone tells).
    lock_file  TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    beat_at    INTEGER NOT NULL
) WITHOUT ROWID;
