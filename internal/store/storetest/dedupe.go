package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/store"
)

func job(recipeID string) queue.NewJob {
	return queue.NewJob{RecipeID: recipeID, Payload: []byte(`{}`)}
}

func key(k string, w time.Duration) store.DedupeKey { return store.DedupeKey{Key: k, Window: w} }

// 100 copies at the same moment (they share a group commit) make one job;
// every copy is answered with its ids.
func enqueueOnceConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	StartedRecipe(t, s, "r1")
	var wg sync.WaitGroup
	got := make([]queue.Enqueued, 100)
	dups := make([]bool, 100)
	start := make(chan struct{})
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			var err error
			got[i], dups[i], err = s.EnqueueOnce(ctx, job("r1"), key("same", time.Minute))
			if err != nil {
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	firsts := 0
	for i := range got {
		if got[i] != got[0] {
			t.Fatalf("copy %d answered %+v, copy 0 %+v", i, got[i], got[0])
		}
		if !dups[i] {
			firsts++
		}
	}
	if firsts != 1 {
		t.Fatalf("%d copies were taken as the first delivery, want 1", firsts)
	}
	if n, _ := s.CountJobs(ctx); n != 1 {
		t.Fatalf("%d jobs, want 1", n)
	}
}

// Repeats of a key within its window get the first delivery's ids and
// store nothing; another key or another recipe makes a new job. (Expiry
// needs a clock the backend reads, so each backend tests it itself.)
func enqueueOnceRepeatReturnsFirstIDs(t *testing.T, s store.Store) {
	ctx := context.Background()
	StartedRecipe(t, s, "r1")
	StartedRecipe(t, s, "r2")
	first, dup, err := s.EnqueueOnce(ctx, job("r1"), key("d-1", time.Hour))
	if err != nil || dup || first.JobID == "" || first.EventID == "" {
		t.Fatalf("first delivery: %+v dup %v, %v", first, dup, err)
	}
	for i := range 10 {
		again, dup, err := s.EnqueueOnce(ctx, job("r1"), key("d-1", time.Hour))
		if err != nil || !dup || again != first {
			t.Fatalf("repeat %d: %+v dup %v %v, want %+v", i, again, dup, err, first)
		}
	}
	other, dup, err := s.EnqueueOnce(ctx, job("r1"), key("d-2", time.Hour))
	if err != nil || dup || other == first {
		t.Fatalf("another key: %+v dup %v %v", other, dup, err)
	}
	elsewhere, dup, err := s.EnqueueOnce(ctx, job("r2"), key("d-1", time.Hour))
	if err != nil || dup || elsewhere == first {
		t.Fatalf("the same key of another recipe: %+v dup %v %v", elsewhere, dup, err)
	}
	if n, _ := s.CountJobs(ctx); n != 3 {
		t.Fatalf("%d jobs, want 3", n)
	}
	if n, _ := s.CountEvents(ctx); n != 3 {
		t.Fatalf("%d events, want 3", n)
	}
	if j, err := s.Job(ctx, first.JobID); err != nil || j.EventID != first.EventID || j.RecipeID != "r1" || j.Status != queue.StatusPending {
		t.Fatalf("the first delivery's job: %+v %v", j, err)
	}
}

var dedupeTests = map[string]func(*testing.T, store.Store){
	"RepeatReturnsFirstIDs":      enqueueOnceRepeatReturnsFirstIDs,
	"ConcurrentCopiesMakeOneJob": enqueueOnceConcurrent,
}
