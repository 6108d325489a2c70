-- Retention (issue 10, item 16): pruning deletes finished jobs, then the
-- events and blobs no job refers to any more.
--
-- An event may be shared (a rerun enqueues a new job on the old event), so
-- an event is deleted only when no job names it: this index answers that
-- question for each deleted job. It is written with every job at intake;
-- event ids are UUIDv7, so its inserts append at the right edge of the tree.
CREATE INDEX jobs_event ON jobs(event_id);

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
