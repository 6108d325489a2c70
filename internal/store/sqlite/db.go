// Package sqlite is the embedded backend: one SQLite file in WAL mode,
// written by a single goroutine that group-commits the writes of many
// concurrent callers (see writer.go), and read through a separate pool.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is the SQLite implementation of store.Store.
type Store struct {
	path   string
	read   *sql.DB
	write  *sql.DB
	writer *writer
	ready  chan struct{}
	now    func() time.Time

	readStmts sync.Map // query -> *sql.Stmt

	// liveMu guards registered: the owners this Store registered as
	// alive, with their held lock files (processes.go).
	liveMu     sync.Mutex
	registered map[string]*registration

	// lock is the shared lock on the data folder held while open (see
	// Restore, which needs it exclusively).
	lock *os.File
}

// Options tune a Store; the zero value is the production setting.
type Options struct {
	// Now replaces the clock in tests.
	Now func() time.Time
	// ReadConns caps the read pool (default 8).
	ReadConns int
}

// Open opens (creating if needed) the database file in dir and applies
// pending migrations before it returns.
func Open(ctx context.Context, dir string, opt Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	path := filepath.Join(dir, "patchbay.db")
	lock, err := lockDir(dir, false)
	if err != nil {
		return nil, err
	}
	s, err := open(ctx, path, opt)
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		return nil, err
	}
	s.lock = lock
	return s, nil
}

func open(ctx context.Context, path string, opt Options) (*Store, error) {
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	// synchronous=FULL: a commit is fsync'd before it returns, so a webhook
	// answered 2xx survives a power cut, not only a process crash.
	pragmas := []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(ON)"}
	dsn := func(extra ...string) string {
		q := url.Values{}
		for _, p := range append(pragmas, extra...) {
			q.Add("_pragma", p)
		}
		return "file:" + path + "?" + q.Encode()
	}
	write, err := sql.Open("sqlite", dsn()+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	// One connection: every write goes through the writer goroutine anyway,
	// and SQLite allows one writer at a time.
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := migrate(ctx, write); err != nil {
		write.Close()
		return nil, err
	}
	if err := chmodPrivate(path); err != nil {
		write.Close()
		return nil, err
	}
	read, err := sql.Open("sqlite", dsn("query_only(1)"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	n := opt.ReadConns
	if n <= 0 {
		n = 8
	}
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	read.SetConnMaxIdleTime(0)
	read.SetConnMaxLifetime(0)
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	s := &Store{path: path, read: read, write: write, ready: make(chan struct{}, 1), now: now,
		registered: map[string]*registration{}}
	if s.writer, err = startWriter(write); err != nil {
		read.Close()
		write.Close()
		return nil, fmt.Errorf("start writer: %w", err)
	}
	return s, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close stops the writer after it has committed what it was given, and
// closes both pools.
func (s *Store) Close() error {
	// A lock still held here belongs to an owner that did not
	// unregister: let it go as a dying process would (its file stays,
	// so others can tell at once that it is gone).
	s.liveMu.Lock()
	for o, reg := range s.registered {
		if reg.lock != nil {
			reg.lock.Close()
		}
		delete(s.registered, o)
	}
	s.liveMu.Unlock()
	s.writer.stop()
	s.readStmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	err := errors.Join(s.read.Close(), s.write.Close())
	if s.lock != nil {
		s.lock.Close() // releases the flock
	}
	return err
}

// Ping checks that the database answers and the schema is at the version
// this binary expects.
func (s *Store) Ping(ctx context.Context) error {
	var v int
	if err := s.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	want, err := latestMigration()
	if err != nil {
		return err
	}
	if v != want {
		return fmt.Errorf("database schema is at version %d, this binary needs %d", v, want)
	}
	return nil
}

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration file %s: name must start with a number and an underscore", e.Name())
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

func latestMigration() (int, error) {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0, err
	}
	return ms[len(ms)-1].version, nil
}

// migrate applies, each in its own transaction, the migrations not yet
// recorded. Two processes starting at once are serialised by BEGIN IMMEDIATE.
func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, m := range ms {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
		var done int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&done); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
		if done > 0 {
			tx.Rollback()
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, m.version, time.Now().UnixMicro()); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
	}
	return nil
}
