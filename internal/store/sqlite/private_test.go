package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/store"
)

// modes returns the permission bits of the database's files.
func modes(t *testing.T, dir string) map[string]os.FileMode {
	t.Helper()
	out := map[string]os.FileMode{}
	for _, name := range []string{"patchbay.db", "patchbay.db-wal", "patchbay.db-shm"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = fi.Mode().Perm()
	}
	return out
}

// openWritten opens a store in dir and writes to it, so that the database
// and its -wal and -shm files all exist; closed when t ends.
func openWritten(t *testing.T, dir string) {
	t.Helper()
	s, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.EnsureWorkspace(context.Background(), store.Workspace{ID: "w", Name: "w", WebhookToken: "secret", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

func TestDatabaseFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	openWritten(t, dir)
	for name, m := range modes(t, dir) {
		if m != 0o600 {
			t.Errorf("%s is %v, want -rw-------", name, m)
		}
	}
}

func TestOpenTightensFilesLeftWide(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Kept open, so that -wal and -shm stay while they are widened.
	defer s.Close()
	for _, name := range []string{"patchbay.db", "patchbay.db-wal", "patchbay.db-shm"} {
		if err := os.Chmod(filepath.Join(dir, name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s2, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	for name, m := range modes(t, dir) {
		if m != 0o600 {
			t.Errorf("%s is %v after a second Open, want -rw-------", name, m)
		}
	}
}
