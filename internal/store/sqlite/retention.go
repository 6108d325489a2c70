package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/store"
)

// Retention: every query below is an index range or a key lookup. Job ids
// are UUIDv7, so "created before T" is "id below the smallest id of T's
// millisecond", a range of jobs_recipe_status (recipe_id, status, id, …);
// no index of finished_at is needed. events.jobs (0007) counts the jobs
// that name an event; blob_refs says what still refers to a blob.

// defaultPruneLimit is PruneJobsParams.Limit's default: a batch small
// enough that the writer's transaction it joins stays short for the
// webhooks committed in the same transaction.
const defaultPruneLimit = 100

// JobRecipes lists distinct recipe ids of jobs, one index seek each.
func (s *Store) JobRecipes(ctx context.Context, after string, max int) ([]string, error) {
	var out []string
	for len(out) < max {
		var id string
		err := s.queryRow(ctx, `SELECT recipe_id FROM jobs WHERE recipe_id > ? ORDER BY recipe_id LIMIT 1`, after).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list recipes with jobs: %w", err)
		}
		out = append(out, id)
		after = id
	}
	return out, nil
}

// PruneCutoff reads the larger of the two bounds.
func (s *Store) PruneCutoff(ctx context.Context, recipeID string, before time.Time, keep int) (string, error) {
	cutoff := ""
	if !before.IsZero() {
		cutoff = idBefore(before)
	}
	if keep > 0 {
		// The keep-th newest finished job: the merge of two index ranges.
		var kth string
		err := s.queryRow(ctx, `SELECT id FROM (
				SELECT * FROM (SELECT id FROM jobs WHERE recipe_id = ?1 AND status = 'succeeded' ORDER BY id DESC LIMIT ?2)
				UNION ALL
				SELECT * FROM (SELECT id FROM jobs WHERE recipe_id = ?1 AND status = 'failed' ORDER BY id DESC LIMIT ?2)
			) ORDER BY id DESC LIMIT 1 OFFSET ?3`, recipeID, keep, keep-1).Scan(&kth)
		switch {
		case errors.Is(err, sql.ErrNoRows): // fewer than keep finished jobs
		case err != nil:
			return "", fmt.Errorf("find the newest %d jobs: %w", keep, err)
		case kth > cutoff:
			cutoff = kth
		}
	}
	return cutoff, nil
}

// PruneJobs picks its batch on the read pool, then deletes it through the
// writer, so the writer's transaction holds only the deletes.
func (s *Store) PruneJobs(ctx context.Context, p store.PruneJobsParams) (store.PruneResult, error) {
	if p.Below == "" {
		return store.PruneResult{}, nil
	}
	limit := p.Limit
	if limit <= 0 {
		limit = defaultPruneLimit
	}
	type victim struct{ job, event string }
	var victims []victim
	for _, status := range []string{"succeeded", "failed"} {
		if len(victims) >= limit {
			break
		}
		rows, err := s.query(ctx, `SELECT id, event_id FROM jobs WHERE recipe_id = ? AND status = ? AND id < ? ORDER BY id LIMIT ?`,
			p.RecipeID, status, p.Below, limit-len(victims))
		if err != nil {
			return store.PruneResult{}, fmt.Errorf("prune jobs: %w", err)
		}
		for rows.Next() {
			var v victim
			if err := rows.Scan(&v.job, &v.event); err != nil {
				rows.Close()
				return store.PruneResult{}, fmt.Errorf("prune jobs: %w", err)
			}
			victims = append(victims, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return store.PruneResult{}, fmt.Errorf("prune jobs: %w", err)
		}
	}
	if len(victims) == 0 {
		return store.PruneResult{}, nil
	}
	var res store.PruneResult
	err := s.writer.do(func(t *txn) error {
		res = store.PruneResult{}
		var refs []string          // ids whose blob references go: deleted jobs and events
		events := map[string]int{} // event id -> its jobs deleted here
		for _, v := range victims {
			// The status check is the promise: a job that is pending or
			// running is never deleted, whatever the caller picked.
			r, err := t.exec(ctx, `DELETE FROM jobs WHERE id = ? AND status IN ('succeeded', 'failed')`, v.job)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n > 0 {
				res.Jobs++
				refs = append(refs, v.job)
				events[v.event]++
			}
		}
		for ev, n := range events {
			if _, err := t.exec(ctx, `UPDATE events SET jobs = jobs - ? WHERE id = ?`, n, ev); err != nil {
				return err
			}
			r, err := t.exec(ctx, `DELETE FROM events WHERE id = ? AND jobs <= 0`, ev)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n > 0 {
				res.Events++
				refs = append(refs, ev)
			}
		}
		n, err := dropRefs(ctx, t, refs)
		res.Blobs = n
		return err
	})
	if err != nil {
		return store.PruneResult{}, fmt.Errorf("prune jobs: %w", err)
	}
	return res, nil
}

// CompleteWithoutPayload completes the job and forgets its trigger
// output in one transaction.
func (s *Store) CompleteWithoutPayload(ctx context.Context, owner, id, status string, steps []byte, errMsg string) error {
	if err := checkFinal(status); err != nil {
		return err
	}
	now := micros(s.now())
	var held bool
	err := s.writer.do(func(t *txn) error {
		held = false
		rows, err := t.query(ctx, completeJob+` RETURNING event_id, recipe_id`, status, steps, nullString(errMsg), now, id, owner)
		if err != nil {
			return err
		}
		var eventID, recipeID string
		if rows.Next() {
			held = true
			err = rows.Scan(&eventID, &recipeID)
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		if err != nil || !held {
			return err
		}
		// A shared event (a rerun) is rare: only then are the recipe's
		// unfinished jobs looked through for one that still needs it.
		r, err := t.exec(ctx, `UPDATE events SET payload = 'null' WHERE id = ?1 AND (jobs = 1 OR NOT EXISTS (
				SELECT 1 FROM jobs WHERE recipe_id = ?2 AND status IN ('pending', 'running') AND event_id = ?1))`, eventID, recipeID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return nil
		}
		_, err = dropRefs(ctx, t, []string{eventID})
		return err
	})
	if err != nil {
		return err
	}
	if !held {
		return queue.ErrLeaseLost
	}
	return nil
}

// dropRefs removes the blob references held by ids and deletes the blobs
// that have none left. It returns how many blobs it deleted.
func dropRefs(ctx context.Context, t *txn, ids []string) (int, error) {
	var sums []string
	for _, id := range ids {
		rows, err := t.query(ctx, `DELETE FROM blob_refs WHERE ref_id = ? RETURNING sha256`, id)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			var sum string
			if err := rows.Scan(&sum); err != nil {
				rows.Close()
				return 0, err
			}
			sums = append(sums, sum)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	deleted := 0
	for _, sum := range sums {
		r, err := t.exec(ctx, `DELETE FROM blobs WHERE sha256 = ?1 AND NOT EXISTS (SELECT 1 FROM blob_refs WHERE sha256 = ?1)`, sum)
		if err != nil {
			return 0, err
		}
		if n, _ := r.RowsAffected(); n > 0 {
			deleted++
		}
	}
	return deleted, nil
}

// idBefore is the smallest UUIDv7 of t's millisecond: every id made
// earlier sorts below it, every id made then or later above.
func idBefore(t time.Time) string {
	ms := t.UnixMilli()
	if ms < 0 {
		ms = 0
	}
	h := fmt.Sprintf("%012x", ms&(1<<48-1))
	return h[:8] + "-" + h[8:] + "-0000-0000-000000000000"
}
