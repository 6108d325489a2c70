package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/patchbay/patchbay/internal/store"
)

// Job reads one job with its trigger output.
func (s *Store) Job(ctx context.Context, id string) (store.Job, error) {
	var j store.Job
	var created int64
	var started, finished sql.NullInt64
	var errMsg sql.NullString
	err := s.queryRow(ctx, `SELECT j.id, j.recipe_id, j.event_id, j.status, j.claims, j.created_at, j.started_at, j.finished_at,
			e.payload, j.steps, j.error
		FROM jobs j JOIN events e ON e.id = j.event_id WHERE j.id = ?`, id).
		Scan(&j.ID, &j.RecipeID, &j.EventID, &j.Status, &j.Claims, &created, &started, &finished, &j.Trigger, &j.Steps, &errMsg)
	if errors.Is(err, sql.ErrNoRows) {
		return j, store.ErrNotFound
	}
	if err != nil {
		return j, fmt.Errorf("read job: %w", err)
	}
	j.CreatedAt, j.StartedAt, j.FinishedAt, j.Error = fromMicros(created), fromNullMicros(started), fromNullMicros(finished), errMsg.String
	return j, nil
}

// EventPayload reads the stored payload of an event: a job's trigger output.
func (s *Store) EventPayload(ctx context.Context, eventID string) ([]byte, error) {
	var b []byte
	err := s.queryRow(ctx, `SELECT payload FROM events WHERE id = ?`, eventID).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return b, err
}

// Blob reads a stored file by the hex SHA-256 of its content.
func (s *Store) Blob(ctx context.Context, sha256 string) ([]byte, error) {
	var b []byte
	err := s.queryRow(ctx, `SELECT content FROM blobs WHERE sha256 = ?`, sha256).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return b, err
}

// PutBlobs stores files by the hex SHA-256 of their content, in one
// transaction; content-addressed, so one already stored is left alone.
func (s *Store) PutBlobs(ctx context.Context, refID string, blobs map[string][]byte) error {
	now := micros(s.now())
	err := s.writer.do(func(t *txn) error { return putBlobs(ctx, t, refID, blobs, now) })
	if err != nil {
		return fmt.Errorf("store blobs: %w", err)
	}
	return nil
}

// putBlobs stores blobs and records that refID (an event or a job) refers
// to each, inside the writer's transaction.
func putBlobs(ctx context.Context, t *txn, refID string, blobs map[string][]byte, now int64) error {
	for sum, content := range blobs {
		if _, err := t.exec(ctx, `INSERT OR IGNORE INTO blobs (sha256, size, content, created_at) VALUES (?, ?, ?, ?)`,
			sum, int64(len(content)), content, now); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT OR IGNORE INTO blob_refs (ref_id, sha256) VALUES (?, ?)`, refID, sum); err != nil {
			return err
		}
	}
	return nil
}

// Jobs lists a recipe's jobs newest first, from p.Before on. Without a
// status filter it merges the newest page of each status, each an index
// range of (recipe_id, status, id).
func (s *Store) Jobs(ctx context.Context, p store.ListJobsParams) ([]store.JobSummary, error) {
	before := p.Before
	if before == "" {
		before = "~" // sorts after every UUID
	}
	const columns = `id, recipe_id, status, created_at, finished_at, error`
	var q string
	args := []any{p.RecipeID, before, p.Limit}
	if p.Status != "" {
		q = `SELECT ` + columns + ` FROM jobs WHERE recipe_id = ?1 AND status = ?4 AND id < ?2 ORDER BY id DESC LIMIT ?3`
		args = append(args, p.Status)
	} else {
		arm := func(status string) string {
			return `SELECT * FROM (SELECT ` + columns + ` FROM jobs WHERE recipe_id = ?1 AND status = '` + status + `' AND id < ?2 ORDER BY id DESC LIMIT ?3)`
		}
		q = `SELECT * FROM (` + arm("pending") + ` UNION ALL ` + arm("running") + ` UNION ALL ` + arm("succeeded") + ` UNION ALL ` + arm("failed") +
			`) ORDER BY id DESC LIMIT ?3`
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer rows.Close()
	out := make([]store.JobSummary, 0, p.Limit)
	for rows.Next() {
		var j store.JobSummary
		var created int64
		var finished sql.NullInt64
		var errMsg sql.NullString
		if err := rows.Scan(&j.ID, &j.RecipeID, &j.Status, &created, &finished, &errMsg); err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		j.CreatedAt, j.FinishedAt, j.Error = fromMicros(created), fromNullMicros(finished), errMsg.String
		out = append(out, j)
	}
	return out, rows.Err()
}

// CountEvents counts stored events.
func (s *Store) CountEvents(ctx context.Context) (int, error) {
	return s.count(ctx, `SELECT COUNT(*) FROM events`)
}

// CountJobs counts stored jobs.
func (s *Store) CountJobs(ctx context.Context) (int, error) {
	return s.count(ctx, `SELECT COUNT(*) FROM jobs`)
}

func (s *Store) count(ctx context.Context, q string) (int, error) {
	var n int
	err := s.queryRow(ctx, q).Scan(&n)
	return n, err
}
