package sqlite

import (
	"context"
	"time"
)

// AcquireLease takes the named lease for owner until until, if it is free,
// ran out by now, or owner holds it already.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, now, until time.Time) (bool, error) {
	var n int64
	err := s.writer.do(func(t *txn) error {
		res, err := t.exec(ctx, `INSERT INTO leases (name, owner, until) VALUES (?1, ?2, ?3)
			ON CONFLICT (name) DO UPDATE SET owner = ?2, until = ?3 WHERE leases.until <= ?4 OR leases.owner = ?2`,
			name, owner, micros(until), micros(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n > 0, err
}

// ReleaseLease gives up owner's hold on the named lease.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	return s.writer.do(func(t *txn) error {
		_, err := t.exec(ctx, `DELETE FROM leases WHERE name = ? AND owner = ?`, name, owner)
		return err
	})
}
