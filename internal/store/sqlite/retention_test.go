package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// Blobs and shared events stored before migration 0007 get their
// references and counts at upgrade, so retention handles them too.
func TestMigrationCountsEarlierBlobsAndSharedEvents(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openStore(t, dir)
	a, err := s.Enqueue(ctx, queue.NewJob{RecipeID: "r1", Payload: []byte(`{"scan":{"blob":"sha256:ee5"}}`),
		Blobs: map[string][]byte{"ee5": []byte("old file"), "ff6": []byte("named by no event")}})
	if err != nil {
		t.Fatal(err)
	}
	storetest.FinishAll(t, s)
	if _, err := s.Enqueue(ctx, queue.NewJob{RecipeID: "r1", EventID: a[0].EventID}); err != nil { // a rerun
		t.Fatal(err)
	}
	storetest.FinishAll(t, s)
	s.Close()
	// Back to the schema before 0007.
	db, err := sql.Open("sqlite", filepath.Join(dir, "patchbay.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TABLE blob_refs`, `ALTER TABLE events DROP COLUMN jobs`, `DELETE FROM schema_migrations WHERE version = 7`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	s = openStore(t, dir)
	// Keep the newest: the first job goes, the event stays for the rerun.
	if res := storetest.PruneAll(t, s, "r1", time.Time{}, 1, 100); res != (store.PruneResult{Jobs: 1}) {
		t.Fatalf("pruned %+v, want the first job only", res)
	}
	if _, err := s.EventPayload(ctx, a[0].EventID); err != nil {
		t.Fatalf("the shared event went with its first job: %v", err)
	}
	res := storetest.PruneAll(t, s, "r1", time.Now().Add(time.Hour), 0, 100)
	if res != (store.PruneResult{Jobs: 1, Events: 1, Blobs: 1}) {
		t.Fatalf("pruned %+v, want the rerun, the event and the blob it named", res)
	}
	if _, err := s.Blob(ctx, "ee5"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("blob of the pruned event: %v", err)
	}
	if _, err := s.Blob(ctx, "ff6"); err != nil {
		t.Errorf("a blob no reference was ever recorded for is kept: %v", err)
	}
}
