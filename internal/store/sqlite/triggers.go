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

// defaultMaxSeen bounds the seen records kept per polling recipe.
const defaultMaxSeen = 50_000

// maxTicksKept bounds the fired-tick log per recipe.
const maxTicksKept = 1000

// ArmTrigger sets the recipe's next poll or tick to due, frees any lease
// and drops a resume point (a recipe that starts, or whose trigger was
// edited, polls afresh from the first page).
func (s *Store) ArmTrigger(ctx context.Context, recipeID string, due time.Time) error {
	now := micros(s.now())
	return s.writer.do(func(t *txn) error {
		return armTrigger(ctx, t, recipeID, due, now)
	})
}

// armTrigger upserts a recipe's trigger row due at due, inside the
// writer's transaction.
func armTrigger(ctx context.Context, t *txn, recipeID string, due time.Time, now int64) error {
	_, err := t.exec(ctx, `INSERT INTO trigger_state (recipe_id, next_due, armed_at, updated_at) VALUES (?1, ?2, ?2, ?3)
		ON CONFLICT (recipe_id) DO UPDATE SET next_due = ?2, armed_at = ?2, lease_owner = NULL, lease_until = NULL, resume = NULL, updated_at = ?3`,
		recipeID, micros(due), now)
	return err
}

// DisarmTrigger removes a recipe's trigger row, seen records and ticks.
func (s *Store) DisarmTrigger(ctx context.Context, recipeID string) error {
	return s.writer.do(func(t *txn) error {
		return deleteTriggerRows(ctx, t, recipeID)
	})
}

// deleteTriggerRows removes what a recipe's trigger keeps.
func deleteTriggerRows(ctx context.Context, t *txn, recipeID string) error {
	for _, q := range []string{`DELETE FROM trigger_state WHERE recipe_id = ?`,
		`DELETE FROM trigger_ticks WHERE recipe_id = ?`, `DELETE FROM seen_records WHERE recipe_id = ?`} {
		if _, err := t.exec(ctx, q, recipeID); err != nil {
			return err
		}
	}
	return nil
}

// StartRecipe starts a stopped recipe and, with arm, arms its trigger, in
// one transaction: a recipe is never started without its trigger armed,
// and two starts at once arm it once.
func (s *Store) StartRecipe(ctx context.Context, id string, arm bool, armAt time.Time) (bool, error) {
	now := micros(s.now())
	var changed, found bool
	err := s.writer.do(func(t *txn) error {
		changed, found = false, false
		res, err := t.exec(ctx, `UPDATE recipes SET state = 'started', version = version + 1, updated_at = ? WHERE id = ? AND state <> 'started'`, now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			changed, found = true, true
			if arm {
				return armTrigger(ctx, t, id, armAt, now)
			}
			return nil
		}
		rows, err := t.query(ctx, `SELECT 1 FROM recipes WHERE id = ?`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		found = rows.Next()
		return rows.Err()
	})
	if err == nil && !found {
		err = store.ErrNotFound
	}
	return changed, err
}

// NextTriggerDue is the earliest due time among started recipes; a leased
// row counts from when its lease runs out.
func (s *Store) NextTriggerDue(ctx context.Context) (time.Time, error) {
	st, err := s.readStmt(ctx, `SELECT MIN(CASE WHEN ts.lease_until IS NOT NULL AND ts.lease_until > ts.next_due
			THEN ts.lease_until ELSE ts.next_due END)
		FROM trigger_state ts JOIN recipes r ON r.id = ts.recipe_id WHERE r.state = 'started'`)
	if err != nil {
		return time.Time{}, err
	}
	var v sql.NullInt64
	if err := st.QueryRowContext(ctx).Scan(&v); err != nil {
		return time.Time{}, err
	}
	if !v.Valid {
		return time.Time{}, nil
	}
	return fromMicros(v.Int64), nil
}

// ClaimTriggers leases the due polls and ticks of started recipes to owner.
// A lease that ran out (its process died mid-poll) is taken over.
func (s *Store) ClaimTriggers(ctx context.Context, owner string, now time.Time, max int, lease time.Duration) ([]store.TriggerClaim, error) {
	var out []store.TriggerClaim
	err := s.writer.do(func(t *txn) error {
		out = out[:0]
		rows, err := t.query(ctx, `UPDATE trigger_state SET lease_owner = ?1, lease_until = ?2
			WHERE recipe_id IN (
				SELECT ts.recipe_id FROM trigger_state ts JOIN recipes r ON r.id = ts.recipe_id
				WHERE r.state = 'started' AND ts.next_due <= ?3 AND (ts.lease_until IS NULL OR ts.lease_until <= ?3)
				ORDER BY ts.next_due LIMIT ?4)
			RETURNING recipe_id, next_due, armed_at, COALESCE(cursor, ''), resume, polled, failures`,
			owner, micros(now.Add(lease)), micros(now), max)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c store.TriggerClaim
			var due, armed, polled int
			if err := rows.Scan(&c.RecipeID, &due, &armed, &c.Cursor, &c.Resume, &polled, &c.Failures); err != nil {
				return err
			}
			c.Due, c.ArmedAt = fromMicros(int64(due)), fromMicros(int64(armed))
			c.Polled = polled != 0
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("claim triggers: %w", err)
	}
	return out, nil
}

// ExtendTrigger renews a lease while a long poll runs.
func (s *Store) ExtendTrigger(ctx context.Context, recipeID, owner string, due, until time.Time) error {
	return s.execOne(ctx, queue.ErrLeaseLost, `UPDATE trigger_state SET lease_until = ? WHERE recipe_id = ? AND lease_owner = ? AND next_due = ?`,
		micros(until), recipeID, owner, micros(due))
}

// CompleteTrigger ends a claimed poll or tick in one transaction. Nothing is
// created unless owner still holds the lease on the claimed due time, and
// nothing twice: the fired tick is unique by recipe and due time, and a
// record id already seen starts no job.
func (s *Store) CompleteTrigger(ctx context.Context, c store.TriggerCompletion) (store.TriggerOutcome, error) {
	var out store.TriggerOutcome
	maxSeen := c.MaxSeen
	if maxSeen <= 0 {
		maxSeen = defaultMaxSeen
	}
	now := micros(c.Now)
	// Ids are made outside the transaction function, which may run twice.
	planned := make([]queue.Enqueued, len(c.Records)+len(c.Jobs))
	for i, r := range c.Records {
		if r.Job != nil {
			planned[i] = newEnqueued(*r.Job)
		}
	}
	for i, j := range c.Jobs {
		planned[len(c.Records)+i] = newEnqueued(j)
	}
	err := s.writer.do(func(t *txn) error {
		out = store.TriggerOutcome{}
		var cursor any
		if c.Cursor != nil {
			cursor = *c.Cursor
		}
		held, err := s.holdsTrigger(ctx, t, c)
		if err != nil || !held {
			out.LeaseLost = !held
			return err
		}
		if !c.Failed {
			res, err := t.exec(ctx, `INSERT OR IGNORE INTO trigger_ticks (recipe_id, due_at, fired_at, fired_by, jobs) VALUES (?, ?, ?, ?, 0)`,
				c.RecipeID, micros(c.FiredAt), now, c.Owner)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				// This due time fired before: its jobs exist already.
				// Only the schedule moves on; cursor, resume point and
				// seen set stay as they are, so no record is skipped.
				out.AlreadyFired = true
				_, err := t.exec(ctx, `UPDATE trigger_state SET next_due = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?
					WHERE recipe_id = ?`, micros(c.Next), now, c.RecipeID)
				return err
			}
		}
		if _, err := t.exec(ctx, `UPDATE trigger_state SET next_due = ?, lease_owner = NULL, lease_until = NULL,
				cursor = COALESCE(?, cursor), resume = CASE WHEN ? THEN NULL WHEN ? THEN resume ELSE ? END,
				polled = ?, failures = ?, health = COALESCE(?, health), updated_at = ?
			WHERE recipe_id = ?`,
			micros(c.Next), cursor, c.DropResume, c.Failed, c.Resume, c.Polled, c.Failures, c.Health, now, c.RecipeID); err != nil {
			return err
		}
		if c.Failed {
			return nil
		}
		for i, r := range c.Records {
			// A record seen again is marked seen now: the bound retires
			// the records least recently seen, never one the API still
			// lists (unless it lists more than the bound).
			seq := now*1000 + int64(min(i, 999))
			res, err := t.exec(ctx, `UPDATE seen_records SET seq = ? WHERE recipe_id = ? AND record_id = ?`, seq, c.RecipeID, r.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				out.Duplicates++
				continue
			}
			if _, err := t.exec(ctx, `INSERT INTO seen_records (recipe_id, record_id, seq) VALUES (?, ?, ?)`, c.RecipeID, r.ID, seq); err != nil {
				return err
			}
			out.Seen++
			if r.Job == nil {
				continue
			}
			if err := insertJob(ctx, t, *r.Job, planned[i], now); err != nil {
				return err
			}
			out.Jobs = append(out.Jobs, planned[i])
		}
		for i, j := range c.Jobs {
			if err := insertJob(ctx, t, j, planned[len(c.Records)+i], now); err != nil {
				return err
			}
			out.Jobs = append(out.Jobs, planned[len(c.Records)+i])
		}
		if len(out.Jobs) > 0 {
			if _, err := t.exec(ctx, `UPDATE trigger_ticks SET jobs = ? WHERE recipe_id = ? AND due_at = ?`,
				len(out.Jobs), c.RecipeID, micros(c.FiredAt)); err != nil {
				return err
			}
		}
		if out.Seen > 0 {
			if _, err := t.exec(ctx, `DELETE FROM seen_records WHERE recipe_id = ?1 AND seq < (
					SELECT seq FROM seen_records WHERE recipe_id = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)`,
				c.RecipeID, maxSeen-1); err != nil {
				return err
			}
		}
		_, err = t.exec(ctx, `DELETE FROM trigger_ticks WHERE recipe_id = ?1 AND due_at < (
				SELECT due_at FROM trigger_ticks WHERE recipe_id = ?1 ORDER BY due_at DESC LIMIT 1 OFFSET ?2)`,
			c.RecipeID, maxTicksKept-1)
		return err
	})
	if err != nil {
		return store.TriggerOutcome{}, fmt.Errorf("complete trigger: %w", err)
	}
	if len(out.Jobs) > 0 {
		s.signal()
	}
	return out, nil
}

// holdsTrigger says whether c.Owner still holds the lease on the claimed
// due time of a recipe that is still started (inside the writer's
// transaction, so nothing moves meanwhile): a recipe stopped while its
// poll ran gets no jobs from it, and its cursor and seen set stay as they
// were, so the records are new when it starts again.
func (s *Store) holdsTrigger(ctx context.Context, t *txn, c store.TriggerCompletion) (bool, error) {
	rows, err := t.query(ctx, `SELECT 1 FROM trigger_state ts JOIN recipes r ON r.id = ts.recipe_id
		WHERE ts.recipe_id = ? AND ts.lease_owner = ? AND ts.next_due = ? AND r.state = 'started'`,
		c.RecipeID, c.Owner, micros(c.Due))
	if err != nil {
		return false, err
	}
	defer rows.Close()
	held := rows.Next()
	return held, rows.Err()
}

// TriggerState reads a recipe's trigger state.
func (s *Store) TriggerState(ctx context.Context, recipeID string) (store.TriggerState, error) {
	st, err := s.readStmt(ctx, `SELECT next_due, COALESCE(lease_owner, ''), lease_until, COALESCE(cursor, ''), polled, failures, health, updated_at
		FROM trigger_state WHERE recipe_id = ?`)
	if err != nil {
		return store.TriggerState{}, err
	}
	ts := store.TriggerState{RecipeID: recipeID}
	var due, updated int64
	var leaseUntil sql.NullInt64
	err = st.QueryRowContext(ctx, recipeID).Scan(&due, &ts.LeaseOwner, &leaseUntil, &ts.Cursor, &ts.Polled, &ts.Failures, &ts.Health, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return ts, store.ErrNotFound
	}
	if err != nil {
		return ts, err
	}
	ts.NextDue, ts.UpdatedAt, ts.LeaseUntil = fromMicros(due), fromMicros(updated), fromNullMicros(leaseUntil)
	return ts, nil
}

// CountSeenRecords counts the records a polling recipe remembers.
func (s *Store) CountSeenRecords(ctx context.Context, recipeID string) (int, error) {
	st, err := s.readStmt(ctx, `SELECT COUNT(*) FROM seen_records WHERE recipe_id = ?`)
	if err != nil {
		return 0, err
	}
	var n int
	err = st.QueryRowContext(ctx, recipeID).Scan(&n)
	return n, err
}
