package sqlite

import (
	"context"
	"fmt"

	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/store"
)

// pruneDedupeBatch is how many expired delivery keys each deduplicated
// insert deletes: more than it adds, so the table keeps up with the
// traffic, and few enough that no insert waits on a long delete.
const pruneDedupeBatch = 16

// EnqueueOnce stores j unless the recipe took key within its window. The
// look-up, the event, the job and the key share one transaction of the
// single writer, so a second copy — in the same batch or a later one, in
// this process or another sharing the file — finds the first one's key.
func (s *Store) EnqueueOnce(ctx context.Context, j queue.NewJob, key store.DedupeKey) (queue.Enqueued, bool, error) {
	now := s.now()
	nowUS, expires := micros(now), micros(now.Add(key.Window))
	fresh := newEnqueued(j)
	var out queue.Enqueued
	var duplicate bool
	err := s.writer.do(func(t *txn) error {
		// May run twice (see writer.loop): assign, never accumulate.
		out, duplicate = fresh, false
		rows, err := t.query(ctx, `SELECT event_id, job_id FROM webhook_dedupe WHERE recipe_id = ? AND key = ? AND expires_at > ?`,
			j.RecipeID, key.Key, nowUS)
		if err != nil {
			return err
		}
		if rows.Next() {
			err = rows.Scan(&out.EventID, &out.JobID)
			duplicate = err == nil
		}
		if err == nil {
			err = rows.Err()
		}
		rows.Close()
		if err != nil || duplicate {
			return err
		}
		if err := insertJob(ctx, t, j, fresh, nowUS); err != nil {
			return err
		}
		// An expired key of the same delivery id is replaced.
		if _, err := t.exec(ctx, `INSERT INTO webhook_dedupe (recipe_id, key, event_id, job_id, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (recipe_id, key) DO UPDATE SET event_id = excluded.event_id, job_id = excluded.job_id,
				created_at = excluded.created_at, expires_at = excluded.expires_at`,
			j.RecipeID, key.Key, fresh.EventID, fresh.JobID, nowUS, expires); err != nil {
			return err
		}
		_, err = t.exec(ctx, `DELETE FROM webhook_dedupe WHERE rowid IN
			(SELECT rowid FROM webhook_dedupe WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`, nowUS, pruneDedupeBatch)
		return err
	})
	if err != nil {
		return queue.Enqueued{}, false, fmt.Errorf("enqueue once: %w", err)
	}
	if !duplicate && j.Owner == "" {
		s.signal()
	}
	return out, duplicate, nil
}
