package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/store"
)

// The helpers below set up the state a promise starts from. They are
// exported so that a backend's own tests (its migrations, files, locks)
// build that state the same way instead of keeping copies.

// StartedRecipe stores a started polling recipe, the owner a trigger row
// or a dedupe key needs.
func StartedRecipe(t testing.TB, s store.Store, id string) {
	t.Helper()
	now := time.Now()
	err := s.CreateRecipe(context.Background(), store.Recipe{ID: id, Name: id, TriggerType: "polling", State: "started",
		Doc: []byte(`{}`), CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
}

// EnqueueJobs stores n jobs of recipeID and returns them oldest first.
func EnqueueJobs(t testing.TB, s store.Store, recipeID string, n int) []queue.Enqueued {
	t.Helper()
	var out []queue.Enqueued
	for i := 0; i < n; i++ {
		e, err := s.Enqueue(context.Background(), queue.NewJob{RecipeID: recipeID, Payload: []byte(fmt.Sprintf(`{"n":%d}`, i))})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e...)
	}
	return out
}

// FinishAll claims every runnable job and completes it, alternating
// succeeded and failed so that both statuses are pruned.
func FinishAll(t testing.TB, s store.Store) {
	t.Helper()
	ctx := context.Background()
	claimed, err := s.Claim(ctx, "w", 1000, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range claimed {
		status := queue.StatusSucceeded
		if i%2 == 1 {
			status = queue.StatusFailed
		}
		if err := s.Complete(ctx, "w", c.JobID, status, []byte(`[]`), ""); err != nil {
			t.Fatal(err)
		}
	}
}

// PruneAll runs batches of limit jobs until nothing more is due and
// returns what they deleted in all.
func PruneAll(t testing.TB, s store.Store, recipeID string, before time.Time, keep, limit int) store.PruneResult {
	t.Helper()
	ctx := context.Background()
	cutoff, err := s.PruneCutoff(ctx, recipeID, before, keep)
	if err != nil {
		t.Fatal(err)
	}
	var total store.PruneResult
	for i := 0; ; i++ {
		r, err := s.PruneJobs(ctx, store.PruneJobsParams{RecipeID: recipeID, Below: cutoff, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		total = total.Add(r)
		if r.Jobs < limit {
			return total
		}
		if i > 1000 {
			t.Fatal("pruning does not end")
		}
	}
}
