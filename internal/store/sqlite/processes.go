package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
)

// Liveness (queue.Liveness) in SQLite: a row per process in processes,
// and a lock file per process in the data folder's processes/ folder,
// flocked by its process for its life. Every process sharing the file
// shares the folder (SQLite needs both on one host's file system), so a
// lock that can be taken is a lock whose process is gone, whatever killed
// it; that is what lets a single process that restarts after a SIGKILL
// take back its jobs in the time it takes to start, rather than a lease.

// registration is this Store's own liveness state for one owner.
type registration struct {
	lock      *os.File // nil where file locks are not available
	lockName  string
	startedAt int64
}

func (s *Store) processDir() string { return filepath.Join(filepath.Dir(s.path), "processes") }

// lockName is the lock file of owner: its name, made safe for a file name.
func lockName(owner string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, owner) + ".lock"
}

// Register takes owner's lock and records it alive.
func (s *Store) Register(ctx context.Context, owner string) error {
	reg := &registration{startedAt: micros(s.now())}
	if fileLocks {
		if err := os.MkdirAll(s.processDir(), 0o700); err != nil {
			return fmt.Errorf("register process: %w", err)
		}
		reg.lockName = lockName(owner)
		f, err := lockFile(filepath.Join(s.processDir(), reg.lockName))
		if err != nil {
			return fmt.Errorf("register process: lock %s: %w", reg.lockName, err)
		}
		reg.lock = f
	}
	s.liveMu.Lock()
	s.registered[owner] = reg
	s.liveMu.Unlock()
	if err := s.Beat(ctx, owner); err != nil {
		s.dropRegistration(owner)
		return err
	}
	return nil
}

// Beat records owner alive now. The upsert puts the row back if another
// process gave owner up for dead (its jobs are then lost to it already:
// their leases were released, and completing them answers ErrLeaseLost).
func (s *Store) Beat(ctx context.Context, owner string) error {
	s.liveMu.Lock()
	reg := s.registered[owner]
	s.liveMu.Unlock()
	if reg == nil {
		return fmt.Errorf("beat: %s is not registered", owner)
	}
	now := micros(s.now())
	err := s.writer.do(func(t *txn) error {
		_, err := t.exec(ctx, `INSERT INTO processes (owner, lock_file, started_at, beat_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (owner) DO UPDATE SET beat_at = excluded.beat_at`, owner, reg.lockName, reg.startedAt, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("beat: %w", err)
	}
	return nil
}

// ReleaseDead releases the jobs, trigger leases and named leases of every
// registered owner but self whose lock is free or whose beat is older than
// staleAfter.
func (s *Store) ReleaseDead(ctx context.Context, self string, staleAfter time.Duration) ([]queue.Released, error) {
	type proc struct {
		owner, lockFile string
		beatAt          int64
	}
	rows, err := s.query(ctx, `SELECT owner, lock_file, beat_at FROM processes WHERE owner != ?`, self)
	if err != nil {
		return nil, fmt.Errorf("release dead processes: %w", err)
	}
	var procs []proc
	for rows.Next() {
		var p proc
		if err := rows.Scan(&p.owner, &p.lockFile, &p.beatAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("release dead processes: %w", err)
		}
		procs = append(procs, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("release dead processes: %w", err)
	}
	now := s.now()
	var out []queue.Released
	for _, p := range procs {
		why := ""
		var held *os.File
		if p.lockFile != "" && fileLocks {
			// The lock is kept until the row is gone, so that two
			// processes never both release the same owner's jobs.
			if held, err = tryLockExisting(filepath.Join(s.processDir(), p.lockFile)); err != nil {
				return out, fmt.Errorf("release dead processes: %w", err)
			}
			if held != nil {
				why = "lock free"
			}
		}
		if why == "" && now.Sub(fromMicros(p.beatAt)) > staleAfter {
			why = "heartbeat stale"
		}
		if why == "" {
			continue
		}
		n, err := s.releaseOwner(ctx, p.owner, now)
		if held != nil {
			if err == nil {
				os.Remove(held.Name())
			}
			held.Close()
		}
		if err != nil {
			return out, err
		}
		out = append(out, queue.Released{Owner: p.owner, Jobs: n, Why: why})
	}
	if len(out) > 0 {
		s.signal()
	}
	return out, nil
}

// releaseOwner makes owner's running jobs runnable now, frees its trigger
// and named leases, and deletes its row, in one transaction.
func (s *Store) releaseOwner(ctx context.Context, owner string, now time.Time) (int, error) {
	var n int64
	err := s.writer.do(func(t *txn) error {
		res, err := t.exec(ctx, `UPDATE jobs SET run_at = ? WHERE status = 'running' AND owner = ?`, micros(now), owner)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE trigger_state SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?`, owner); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM leases WHERE owner = ?`, owner); err != nil {
			return err
		}
		_, err = t.exec(ctx, `DELETE FROM processes WHERE owner = ?`, owner)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("release jobs of %s: %w", owner, err)
	}
	return int(n), nil
}

// Unregister deletes owner's row, then drops and removes its lock file.
func (s *Store) Unregister(ctx context.Context, owner string) error {
	err := s.writer.do(func(t *txn) error {
		_, err := t.exec(ctx, `DELETE FROM processes WHERE owner = ?`, owner)
		return err
	})
	s.dropRegistration(owner)
	if err != nil {
		return fmt.Errorf("unregister process: %w", err)
	}
	return nil
}

// dropRegistration lets go of owner's lock file.
func (s *Store) dropRegistration(owner string) {
	s.liveMu.Lock()
	reg := s.registered[owner]
	delete(s.registered, owner)
	s.liveMu.Unlock()
	if reg != nil && reg.lock != nil {
		os.Remove(reg.lock.Name())
		reg.lock.Close()
	}
}
