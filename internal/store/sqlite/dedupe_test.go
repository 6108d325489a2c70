package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/sqlite"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// A clock tests move by hand.
type fakeClock struct{ us atomic.Int64 }

func (c *fakeClock) now() time.Time      { return time.UnixMicro(c.us.Load()) }
func (c *fakeClock) add(d time.Duration) { c.us.Add(d.Microseconds()) }
func newClock(t time.Time) *fakeClock    { c := &fakeClock{}; c.us.Store(t.UnixMicro()); return c }
func job(recipeID string) queue.NewJob {
	return queue.NewJob{RecipeID: recipeID, Payload: []byte(`{}`)}
}
func key(k string, w time.Duration) store.DedupeKey { return store.DedupeKey{Key: k, Window: w} }

// openClocked opens a store in dir whose clock is c; closed when t ends.
func openClocked(t *testing.T, dir string, c *fakeClock) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), dir, sqlite.Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Repeats within the window get the first delivery's ids and store
// nothing; other keys, other recipes and expired keys make new jobs.
func TestEnqueueOnce(t *testing.T) {
	ctx := context.Background()
	clock := newClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	dir := t.TempDir()
	s := openClocked(t, dir, clock)
	storetest.StartedRecipe(t, s, "r1")
	storetest.StartedRecipe(t, s, "r2")

	first, dup, err := s.EnqueueOnce(ctx, job("r1"), key("d-1", time.Hour))
	if err != nil || dup {
		t.Fatalf("first delivery: dup %v, %v", dup, err)
	}
	for i := 0; i < 100; i++ {
		again, dup, err := s.EnqueueOnce(ctx, job("r1"), key("d-1", time.Hour))
		if err != nil || !dup || again != first {
			t.Fatalf("repeat %d: %+v dup %v %v, want %+v", i, again, dup, err, first)
		}
	}
	if n, _ := s.CountJobs(ctx); n != 1 {
		t.Fatalf("%d jobs after 101 copies, want 1", n)
	}
	other, dup, _ := s.EnqueueOnce(ctx, job("r1"), key("d-2", time.Hour))
	if dup || other == first {
		t.Fatal("another key was taken as a repeat")
	}
	elsewhere, dup, _ := s.EnqueueOnce(ctx, job("r2"), key("d-1", time.Hour))
	if dup || elsewhere == first {
		t.Fatal("the same key of another recipe was taken as a repeat")
	}
	clock.add(time.Hour)
	later, dup, _ := s.EnqueueOnce(ctx, job("r1"), key("d-1", time.Hour))
	if dup || later == first {
		t.Fatal("a key past its window was taken as a repeat")
	}
	// The renewed key holds for a new window.
	if again, dup, _ := s.EnqueueOnce(ctx, job("r1"), key("d-1", time.Hour)); !dup || again != later {
		t.Fatalf("renewed key: %+v dup %v, want %+v", again, dup, later)
	}
	if n, _ := s.CountJobs(ctx); n != 4 {
		t.Fatalf("%d jobs, want 4", n)
	}
	if n, _ := s.CountEvents(ctx); n != 4 {
		t.Fatalf("%d events, want 4", n)
	}
	// Deleting a recipe takes its keys with it.
	if err := s.DeleteRecipe(ctx, "r2", 0); err != nil {
		t.Fatal(err)
	}
	if n := dedupeRows(t, dir, "r2"); n != 0 {
		t.Fatalf("%d keys of a deleted recipe remain", n)
	}
}

// Expired keys are deleted a few at a time by later deliveries.
func TestEnqueueOncePrunesExpiredKeys(t *testing.T) {
	ctx := context.Background()
	clock := newClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	dir := t.TempDir()
	s := openClocked(t, dir, clock)
	storetest.StartedRecipe(t, s, "r1")
	for i := 0; i < 40; i++ {
		if _, _, err := s.EnqueueOnce(ctx, job("r1"), key(fmt.Sprint("old-", i), time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	clock.add(2 * time.Second)
	for i := 0; i < 3; i++ {
		s.EnqueueOnce(ctx, job("r1"), key(fmt.Sprint("new-", i), time.Hour))
	}
	if n := dedupeRows(t, dir, "r1"); n != 3 {
		t.Fatalf("%d keys kept after 3 deliveries pruned 16 each, want the 3 live ones", n)
	}
}

func dedupeRows(t *testing.T, dir, recipeID string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "patchbay.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM webhook_dedupe WHERE recipe_id = ?`, recipeID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
