package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Backup and restore (issue 10, item 18). A copy is made with VACUUM INTO
// through a read-only connection of its own: one read transaction, so the
// copy is the database as of one commit, while the server goes on
// writing (WAL readers do not block writers). Blobs live in the database
// (table blobs), so the copy holds them. The secret key does not: it is
// a file beside the database or a flag, and the caller says so.

// ErrInUse is returned by Restore while a process has the database open.
var ErrInUse = errors.New("the data folder is in use by a running patchbay (stop the server first)")

// DatabaseFileName is the database file inside the data folder.
const DatabaseFileName = "patchbay.db"

// BackupInfo describes a copy of the database.
type BackupInfo struct {
	Path        string
	Bytes       int64
	Version     int // the newest migration applied
	Recipes     int
	Connections int
	Jobs        int
	Blobs       int
	// SealedSample is one sealed secret of the copy (nil if it has none):
	// a caller can check that a key opens it.
	SealedSample []byte
}

// Backup writes a consistent copy of the database in dir to dest, mode
// 0600, replacing dest atomically (a temporary file in dest's folder,
// then a rename).
func Backup(ctx context.Context, dir, dest string) (BackupInfo, error) {
	src := filepath.Join(dir, DatabaseFileName)
	if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
		return BackupInfo{}, fmt.Errorf("no database in %s (is --data-dir the server's data folder?)", dir)
	} else if err != nil {
		return BackupInfo{}, err
	}
	if err := copyDatabase(ctx, src, dest); err != nil {
		return BackupInfo{}, err
	}
	return Inspect(ctx, dest)
}

// Inspect checks that path is a patchbay database whose migrations this
// binary knows, and counts what it holds.
func Inspect(ctx context.Context, path string) (BackupInfo, error) {
	info := BackupInfo{Path: path}
	st, err := os.Stat(path)
	if err != nil {
		return info, err
	}
	if !st.Mode().IsRegular() {
		return info, fmt.Errorf("%s is not a file", path)
	}
	info.Bytes = st.Size()
	db, err := openReadOnly(path)
	if err != nil {
		return info, err
	}
	defer db.Close()
	var check string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&check); err != nil {
		return info, notDatabase(path, err)
	}
	if check != "ok" {
		return info, fmt.Errorf("%s is damaged: %s", path, check)
	}
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&tables); err != nil {
		return info, notDatabase(path, err)
	}
	if tables == 0 {
		return info, fmt.Errorf("%s is an SQLite database but not patchbay's (it has no schema_migrations table)", path)
	}
	known := map[int]bool{}
	ms, err := migrations()
	if err != nil {
		return info, err
	}
	for _, m := range ms {
		known[m.version] = true
	}
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return info, fmt.Errorf("read %s: %w", path, err)
	}
	var unknown []string
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return info, fmt.Errorf("read %s: %w", path, err)
		}
		if !known[v] {
			unknown = append(unknown, fmt.Sprint(v))
		}
		info.Version = v
	}
	rows.Close()
	if len(unknown) > 0 {
		return info, fmt.Errorf("%s was made by a newer patchbay: migrations %s are unknown to this binary", path, strings.Join(unknown, ", "))
	}
	if info.Version == 0 {
		return info, fmt.Errorf("%s is not a patchbay database (no migration applied)", path)
	}
	for _, c := range []struct {
		n     *int
		table string
	}{{&info.Recipes, "recipes"}, {&info.Connections, "connections"}, {&info.Jobs, "jobs"}, {&info.Blobs, "blobs"}} {
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+c.table).Scan(c.n); err != nil {
			return info, fmt.Errorf("%s is not a complete patchbay database: %w", path, err)
		}
	}
	err = db.QueryRowContext(ctx, `SELECT secrets FROM connections WHERE length(secrets) > 0
		UNION ALL SELECT secrets FROM recipes WHERE length(secrets) > 0 LIMIT 1`).Scan(&info.SealedSample)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return info, fmt.Errorf("read %s: %w", path, err)
	}
	return info, nil
}

// Restore replaces the database in dir with the copy at src, after
// checking it (Inspect). It refuses with ErrInUse while any process has
// the database in dir open. The old -wal and -shm files are removed (a
// stale WAL replayed into the new file would corrupt it); the copy is
// written beside the database and renamed over it.
func Restore(ctx context.Context, src, dir string) (BackupInfo, error) {
	info, err := Inspect(ctx, src)
	if err != nil {
		return info, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return info, fmt.Errorf("create data folder: %w", err)
	}
	lock, err := lockDir(dir, true)
	if errors.Is(err, errInUse) {
		return info, ErrInUse
	}
	if err != nil {
		return info, err
	}
	if lock != nil {
		defer lock.Close()
	}
	dest := filepath.Join(dir, DatabaseFileName)
	tmp := dest + ".restoring"
	if err := copyDatabase(ctx, src, tmp); err != nil {
		return info, err
	}
	for _, stale := range []string{dest + "-wal", dest + "-shm", dest + "-journal"} {
		if err := os.Remove(stale); err != nil && !errors.Is(err, os.ErrNotExist) {
			os.Remove(tmp)
			return info, fmt.Errorf("remove %s: %w", stale, err)
		}
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.Remove(tmp)
		return info, fmt.Errorf("put the copy in place: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return info, err
	}
	return Inspect(ctx, dest)
}

// copyDatabase writes a consistent copy of src to dest: VACUUM INTO a
// fresh 0600 file beside dest, fsync, rename.
func copyDatabase(ctx context.Context, src, dest string) error {
	tmp := dest + ".tmp"
	os.Remove(tmp) // a leftover of an interrupted copy
	// VACUUM INTO writes into an existing empty file and keeps its mode:
	// the copy holds every job and sealed secret, so it is 0600 from birth.
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	f.Close()
	db, err := openReadOnly(src)
	if err != nil {
		os.Remove(tmp)
		return err
	}
	_, err = db.ExecContext(ctx, `VACUUM INTO ?`, tmp)
	db.Close()
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("copy %s: %w", src, notDatabase(src, err))
	}
	if f, err = os.OpenFile(tmp, os.O_RDWR, 0); err == nil {
		err = f.Sync()
		f.Close()
	}
	if err == nil {
		err = os.Rename(tmp, dest)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", dest, err)
	}
	return syncDir(filepath.Dir(dest))
}

func openReadOnly(path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Set("mode", "ro")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// notDatabase words SQLite's "file is not a database" for a person.
func notDatabase(path string, err error) error {
	if strings.Contains(err.Error(), "not a database") {
		return fmt.Errorf("%s is not an SQLite database", path)
	}
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
