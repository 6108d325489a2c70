package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/patchbay/patchbay/internal/queue"
)

// The queue lives in the jobs table: a job is runnable while status is
// pending and run_at has come; a claim flips it to running with a lease; a
// lease that runs out puts it back to pending. Every change goes through
// the writer, so claims and completions of many workers share commits.

// Enqueue stores each job, and the event it carries, in one transaction.
func (s *Store) Enqueue(ctx context.Context, jobs ...queue.NewJob) ([]queue.Enqueued, error) {
	out := make([]queue.Enqueued, len(jobs))
	now := micros(s.now())
	for i, j := range jobs {
		out[i] = newEnqueued(j)
	}
	err := s.writer.do(func(t *txn) error {
		for i, j := range jobs {
			if err := insertJob(ctx, t, j, out[i], now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("enqueue: %w", err)
	}
	// Jobs enqueued claimed are already with their runner: waking the
	// claim loop for them would only cost it two empty writes.
	for _, j := range jobs {
		if j.Owner == "" {
			s.signal()
			break
		}
	}
	return out, nil
}

// newEnqueued names the event and job a NewJob will create.
func newEnqueued(j queue.NewJob) queue.Enqueued {
	e := queue.Enqueued{EventID: j.EventID, JobID: newID()}
	if e.EventID == "" {
		e.EventID = newID()
	}
	return e
}

// insertJob stores one job, with its event unless it reuses an event,
// inside the writer's transaction. The event refers to its blobs:
// retention deletes a blob when the last event naming it goes.
func insertJob(ctx context.Context, t *txn, j queue.NewJob, e queue.Enqueued, now int64) error {
	if err := putBlobs(ctx, t, e.EventID, j.Blobs, now); err != nil {
		return err
	}
	if j.EventID == "" {
		if _, err := t.exec(ctx, `INSERT INTO events (id, recipe_id, created_at, payload) VALUES (?, ?, ?, ?)`,
			e.EventID, j.RecipeID, now, j.Payload); err != nil {
			return err
		}
	} else {
		// One more job names the event: retention keeps it until the last goes.
		if _, err := t.exec(ctx, `UPDATE events SET jobs = jobs + 1 WHERE id = ?`, j.EventID); err != nil {
			return err
		}
	}
	if j.Owner != "" {
		_, err := t.exec(ctx, `INSERT INTO jobs (id, recipe_id, event_id, status, claims, run_at, owner, created_at, started_at)
			VALUES (?, ?, ?, 'running', 1, ?, ?, ?, ?)`,
			e.JobID, j.RecipeID, e.EventID, now+j.Lease.Microseconds(), j.Owner, now, now)
		return err
	}
	_, err := t.exec(ctx, `INSERT INTO jobs (id, recipe_id, event_id, status, run_at, created_at) VALUES (?, ?, ?, 'pending', ?, ?)`,
		e.JobID, j.RecipeID, e.EventID, now, now)
	return err
}

// Claim leases up to max due jobs to owner: pending jobs whose time has
// come, and running jobs whose lease ran out (their worker died).
func (s *Store) Claim(ctx context.Context, owner string, max int, lease time.Duration) ([]queue.Claimed, error) {
	var out []queue.Claimed
	now := s.now()
	err := s.writer.do(func(t *txn) error {
		out = out[:0]
		rows, err := t.query(ctx, `UPDATE jobs SET status = 'running', owner = ?1, run_at = ?2, claims = claims + 1,
				started_at = COALESCE(started_at, ?3)
			WHERE id IN (SELECT id FROM jobs WHERE status IN ('pending', 'running') AND run_at <= ?3 ORDER BY run_at LIMIT ?4)
			RETURNING id, recipe_id, event_id, claims, steps, started_at`,
			owner, micros(now.Add(lease)), micros(now), max)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c queue.Claimed
			var started int64
			if err := rows.Scan(&c.JobID, &c.RecipeID, &c.EventID, &c.Claims, &c.Steps, &started); err != nil {
				return err
			}
			c.StartedAt = fromMicros(started)
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("claim jobs: %w", err)
	}
	return out, nil
}

// Extend renews owner's leases.
func (s *Store) Extend(ctx context.Context, owner string, ids []string, lease time.Duration) error {
	if len(ids) == 0 {
		return nil
	}
	until := micros(s.now().Add(lease))
	args := make([]any, 0, len(ids)+2)
	args = append(args, until, owner)
	for _, id := range ids {
		args = append(args, id)
	}
	q := `UPDATE jobs SET run_at = ? WHERE owner = ? AND status = 'running' AND id IN (?` + strings.Repeat(",?", len(ids)-1) + `)`
	return s.writer.do(func(t *txn) error {
		// Not cached: the id count varies from call to call.
		_, err := t.execOnce(ctx, q, args...)
		return err
	})
}

// Complete records the job's final status, once.
func (s *Store) Complete(ctx context.Context, owner, id, status string, steps []byte, errMsg string) error {
	if err := checkFinal(status); err != nil {
		return err
	}
	return s.updateHeld(ctx, completeJob, status, steps, nullString(errMsg), micros(s.now()), id, owner)
}

// completeJob finishes a job its owner holds; its arguments are status,
// steps, error, finished_at, id and owner.
const completeJob = `UPDATE jobs SET status = ?, steps = ?, error = ?, finished_at = ?, owner = NULL
		WHERE id = ? AND owner = ? AND status = 'running'`

// checkFinal refuses a status a job cannot finish with.
func checkFinal(status string) error {
	if status != queue.StatusSucceeded && status != queue.StatusFailed {
		return fmt.Errorf("complete job: status %q is not final", status)
	}
	return nil
}

// RetryAt saves progress and makes the job runnable at at.
func (s *Store) RetryAt(ctx context.Context, owner, id string, at time.Time, steps []byte) error {
	err := s.updateHeld(ctx, `UPDATE jobs SET status = 'pending', steps = ?, run_at = ?, owner = NULL
		WHERE id = ? AND owner = ? AND status = 'running'`, steps, micros(at), id, owner)
	if err == nil {
		s.signal()
	}
	return err
}

// updateHeld runs an update that applies only while owner holds the job.
func (s *Store) updateHeld(ctx context.Context, query string, args ...any) error {
	return s.execOne(ctx, queue.ErrLeaseLost, query, args...)
}

// Ready is signalled when this process made work runnable.
func (s *Store) Ready() <-chan struct{} { return s.ready }

func (s *Store) signal() {
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// newID returns a UUIDv7: unique, and ordered by creation time, so that
// "newest first" is an index scan on the primary key.
func newID() string { return uuid.Must(uuid.NewV7()).String() }
