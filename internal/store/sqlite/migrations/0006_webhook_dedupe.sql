-- Inbound deduplication (issue 10, item 14): the delivery ids a webhook
-- recipe has taken, each with the event and job its first delivery made,
-- until expires_at. The key is inserted in the same transaction as that
-- event and job, so two copies of one delivery cannot both make a job.
-- Deleting a recipe deletes its keys.
CREATE TABLE webhook_dedupe (
    recipe_id  TEXT NOT NULL REFERENCES recipes(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    job_id     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (recipe_id, key)
);
-- Expired keys are pruned a few at a time, oldest expiry first.
CREATE INDEX webhook_dedupe_expires ON webhook_dedupe(expires_at);
