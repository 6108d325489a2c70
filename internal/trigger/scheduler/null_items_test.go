package scheduler_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/recipe"
)

// An API that answers {"items": null} while it has no records: the first
// poll of a since: now recipe is a successful read of an empty list, so
// the records that appear afterwards start jobs rather than being taken as
// the baseline by a later "first" read.
func TestSinceNowAfterNullItemsStartsJobs(t *testing.T) {
	var mu sync.Mutex
	var items []map[string]any // nil: encoded as null
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"items": items})
	}))
	t.Cleanup(srv.Close)

	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	r := newRig(t, start)
	r.addRecipe("null-list", recipe.Trigger{Type: recipe.TriggerPolling, URL: srv.URL + "/items",
		Interval: recipe.Duration(time.Hour), ItemsPath: "items", IDPath: "id", Since: "now"})
	if n := r.runDue(); n != 1 {
		t.Fatalf("first pass: %d polls fired, want 1", n)
	}
	st, err := r.store.TriggerState(t.Context(), "null-list")
	if err != nil {
		t.Fatal(err)
	}
	if st.Failures != 0 || !st.Polled {
		t.Fatalf("after polling an empty (null) list: %d failures, polled %v (health %s); want a successful first read", st.Failures, st.Polled, st.Health)
	}

	mu.Lock()
	items = []map[string]any{{"id": 1}, {"id": 2}}
	mu.Unlock()
	r.clock.Add(time.Hour)
	if n := r.runDue(); n != 1 {
		t.Fatalf("second pass: %d polls fired, want 1", n)
	}
	got := r.payloads("null-list")
	if len(got) != 2 || got[0]["id"] != float64(1) || got[1]["id"] != float64(2) {
		t.Fatalf("jobs %v, want one for each record that appeared after the start", got)
	}
}
