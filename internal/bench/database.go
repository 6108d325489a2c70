package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the same pure-Go driver patchbay uses
)

// dbFile is patchbay's SQLite file in its data folder.
func dbFile(dataDir string) string { return filepath.Join(dataDir, "patchbay.db") }

// openDB opens patchbay's database from outside the server: read-only
// while the server runs (counting is all the bench does then), read-write
// only once it has stopped (the history load).
func openDB(dataDir string, readOnly bool) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	if readOnly {
		q.Set("mode", "ro")
	}
	db, err := sql.Open("sqlite", "file:"+dbFile(dataDir)+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, db.Ping()
}

// unfinishedJobs counts jobs still pending or running. Two counts, each
// answered by one of the queue's partial indexes, not a table scan.
func unfinishedJobs(ctx context.Context, db *sql.DB) (int64, error) {
	var n int64
	err := db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM jobs WHERE status = 'pending')
		+ (SELECT COUNT(*) FROM jobs WHERE status = 'running')`).Scan(&n)
	return n, err
}

// countJobs counts every stored job.
func countJobs(ctx context.Context, db *sql.DB) (int64, error) {
	var n int64
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs`).Scan(&n)
	return n, err
}

// dbSizes is the size of the database file and of its write-ahead log.
func dbSizes(dataDir string) (db, wal int64) {
	if fi, err := os.Stat(dbFile(dataDir)); err == nil {
		db = fi.Size()
	}
	if fi, err := os.Stat(dbFile(dataDir) + "-wal"); err == nil {
		wal = fi.Size()
	}
	return db, wal
}

// waitDrained polls until no job is pending or running, and returns how
// long that took. A backlog that does not shrink for a minute is an error:
// the workers are stuck, and waiting longer would not help.
func waitDrained(ctx context.Context, dataDir string, progress func(string, ...any)) (time.Duration, error) {
	db, err := openDB(dataDir, true)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	begin := time.Now()
	lastN, lastChange, lastLog := int64(-1), begin, begin
	for {
		n, err := unfinishedJobs(ctx, db)
		if err != nil {
			return time.Since(begin), fmt.Errorf("count unfinished jobs: %w", err)
		}
		if n == 0 {
			return time.Since(begin), nil
		}
		now := time.Now()
		if n != lastN {
			lastN, lastChange = n, now
		}
		if now.Sub(lastChange) > time.Minute {
			return time.Since(begin), fmt.Errorf("%d jobs still unfinished, none finished in the last minute", n)
		}
		if now.Sub(lastLog) > 10*time.Second {
			progress("  draining: %d jobs unfinished", n)
			lastLog = now
		}
		select {
		case <-ctx.Done():
			return time.Since(begin), ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
