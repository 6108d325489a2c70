-- Retention (issue 10, item 16): pruning deletes finished jobs, then the
-- events and blobs nothing refers to any more.
--
-- An event may be shared: a rerun enqueues a new job on the old event.
-- jobs counts the jobs that name the event, so an event is deleted with
-- its last job. A count rather than an index of jobs by event: intake
-- writes no more than before (the column takes its default), and only a
-- rerun and pruning touch it. An index measured 9% more CPU and 15% more
-- wall time per stored job in the store's intake.
ALTER TABLE events ADD COLUMN jobs INTEGER NOT NULL DEFAULT 1;
-- Events shared before this migration: a one-time count at upgrade.
UPDATE events SET jobs = shared.n
    FROM (SELECT event_id, COUNT(*) AS n FROM jobs GROUP BY event_id HAVING COUNT(*) > 1) AS shared
    WHERE events.id = shared.event_id;

-- Which stored thing refers to which blob. ref_id is the id of an event
-- whose payload names the blob (or of a job whose record does); a blob is
-- deleted by the pruner when its last reference goes. Blobs with no row
-- here at all (written by a path that does not record its references) are
-- never deleted by the pruner.
CREATE TABLE blob_refs (
    ref_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (ref_id, sha256)
) WITHOUT ROWID;
CREATE INDEX blob_refs_sha256 ON blob_refs(sha256);

-- Blobs stored before this migration: find the events that name them. This
-- reads every event once per blob, a one-time cost at upgrade; CROSS JOIN
-- keeps blobs the outer loop, so it is nil when no webhook ever carried a
-- large file, however many events there are.
INSERT OR IGNORE INTO blob_refs (ref_id, sha256)
    SELECT e.id, b.sha256 FROM blobs b CROSS JOIN events e WHERE instr(e.payload, 'sha256:' || b.sha256) > 0;
