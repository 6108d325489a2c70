package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/store"
)

// startedRecipe stores a started polling recipe, the owner a trigger row
// or a dedupe key needs.
func startedRecipe(t testing.TB, s store.Store, id string) {
	t.Helper()
	now := time.Now()
	err := s.CreateRecipe(context.Background(), store.Recipe{ID: id, Name: id, TriggerType: "polling", State: "started",
		Doc: []byte(`{}`), CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
}

// enqueueJobs stores n jobs of recipeID and returns them oldest first.
func enqueueJobs(t *testing.T, s store.Store, recipeID string, n int) []queue.Enqueued {
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
