package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/store/sqlite"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

func TestBackupWhileWritingAndRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openStore(t, dir)
	before := storetest.EnqueueJobs(t, s, "r1", 50)
	if _, err := s.Enqueue(ctx, queue.NewJob{RecipeID: "r1", Payload: []byte(`{}`), Blobs: map[string][]byte{"dd4": []byte("file")}}); err != nil {
		t.Fatal(err)
	}
	// Writers keep committing during the copy.
	var stop atomic.Bool
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if _, err := s.Enqueue(ctx, queue.NewJob{RecipeID: "r1", Payload: []byte(`{"during":true}`)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	dest := filepath.Join(t.TempDir(), "copy.db")
	info, err := sqlite.Backup(ctx, dir, dest)
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if info.Jobs < 51 || info.Blobs != 1 {
		t.Fatalf("backup holds %d jobs and %d blobs, want at least 51 and 1", info.Jobs, info.Blobs)
	}
	if st, err := os.Stat(dest); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup file mode %v, %v; want 0600", st.Mode(), err)
	}

	// Restore refuses while the database is open (here: this process's store).
	if _, err := sqlite.Restore(ctx, dest, dir); !errors.Is(err, sqlite.ErrInUse) {
		t.Fatalf("restore into an open folder: %v, want ErrInUse", err)
	}
	s.Close()
	// A stale WAL of another database must not be replayed into the copy.
	if err := os.WriteFile(filepath.Join(dir, "patchbay.db-wal"), []byte("stale"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.Restore(ctx, dest, dir); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, "patchbay.db")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("restored database mode %v, %v; want 0600", st.Mode(), err)
	}
	r := openStore(t, dir)
	for _, e := range before {
		if _, err := r.Job(ctx, e.JobID); err != nil {
			t.Fatalf("job %s written before the backup: %v", e.JobID, err)
		}
	}
	if b, err := r.Blob(ctx, "dd4"); err != nil || string(b) != "file" {
		t.Fatalf("blob: %q %v", b, err)
	}
	if n, _ := r.CountJobs(ctx); n != info.Jobs {
		t.Fatalf("restored %d jobs, the copy had %d", n, info.Jobs)
	}
}

func TestInspectRefusesWhatIsNotPatchbay(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk")
	os.WriteFile(junk, []byte(strings.Repeat("not sqlite at all ", 100)), 0o600)

	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE t (x)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	futureDir := t.TempDir()
	openStore(t, futureDir).Close()
	future := filepath.Join(futureDir, "patchbay.db")
	db, err = sql.Open("sqlite", future)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	for path, want := range map[string]string{
		junk:                         "is not an SQLite database",
		other:                        "not patchbay's",
		future:                       "newer patchbay: migrations 9999",
		filepath.Join(dir, "absent"): "no such file",
	} {
		_, err := sqlite.Inspect(ctx, path)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Inspect(%s) = %v, want %q", filepath.Base(path), err, want)
		}
		target := t.TempDir()
		if _, err := sqlite.Restore(ctx, path, target); err == nil {
			t.Errorf("Restore(%s) succeeded", filepath.Base(path))
		}
		if _, err := os.Stat(filepath.Join(target, "patchbay.db")); err == nil {
			t.Errorf("Restore(%s) left a database", filepath.Base(path))
		}
	}
}
