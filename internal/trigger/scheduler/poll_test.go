package scheduler_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/recipe"
)

// A list longer than max_pages allows is read over several polls, each
// going on from where the last stopped, at once rather than an interval
// later: no record is left unread.
func TestPollResumesPastMaxPages(t *testing.T) {
	const total, pageSize = 23, 5
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		items := []map[string]any{}
		for i := (page-1)*pageSize + 1; i <= page*pageSize && i <= total; i++ {
			items = append(items, map[string]any{"id": i, "name": fmt.Sprintf("record %d", i)})
		}
		json.NewEncoder(w).Encode(map[string]any{"items": items})
	}))
	defer srv.Close()
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	r := newRig(t, start)
	one := 1
	r.addRecipe("paged", recipe.Trigger{Type: recipe.TriggerPolling, URL: srv.URL + "/items", Interval: recipe.Duration(time.Hour),
		ItemsPath: "items", IDPath: "id", Since: "all",
		Pagination: &recipe.Pagination{Type: "page", Param: "page", Start: &one, PageSize: pageSize, MaxPages: 2}})
	polls := 0
	for ; polls < 10 && len(r.payloads("paged")) < total; polls++ {
		if polls > 0 {
			r.clock.Add(time.Millisecond) // "at once": as soon as the clock has moved at all
		}
		if n := r.runDue(); n != 1 {
			t.Fatalf("poll %d: %d fired, want the resumed poll due at once (%d jobs so far)", polls+1, n, len(r.payloads("paged")))
		}
	}
	got := r.payloads("paged")
	if len(got) != total || polls != 3 {
		t.Fatalf("%d records in %d polls, want %d in 3 (2+2+1 pages)", len(got), polls, total)
	}
	for i, p := range got {
		if p["id"] != float64(i+1) {
			t.Fatalf("job %d is record %v: want every record once, oldest first", i, p["id"])
		}
	}
	// Done: the next poll is an interval away and starts at page 1 again.
	r.clock.Add(time.Millisecond)
	if n := r.runDue(); n != 0 {
		t.Fatalf("after the last page %d more polls ran at once", n)
	}
	r.clock.Add(time.Hour)
	r.runDue()
	if n := len(r.payloads("paged")); n != total {
		t.Fatalf("%d jobs after a full re-read, want still %d", n, total)
	}
}

// A poll that takes longer than the lease keeps its claim (the claimer
// renews it), so a second process does not poll the same due time again.
func TestLongPollKeepsItsLease(t *testing.T) {
	var mu sync.Mutex
	requests := 0
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		mu.Unlock()
		<-release
		json.NewEncoder(w).Encode(map[string]any{"items": []map[string]any{{"id": 1}}})
	}))
	defer srv.Close()
	defer close(release)
	// Real time here: the lease is renewed by a ticker.
	a := newRig(t, time.Now())
	a.sched.Now, a.sched.Lease = time.Now, time.Second
	b := newRigIn(t, a.dir, time.Now(), "other-owner")
	b.sched.Now, b.sched.Lease = time.Now, time.Second
	a.addRecipe("slow", recipe.Trigger{Type: recipe.TriggerPolling, URL: srv.URL + "/items", Interval: recipe.Duration(time.Hour),
		ItemsPath: "items", IDPath: "id", Since: "all"})
	done := make(chan int)
	go func() { done <- a.runDue() }()
	deadline := time.Now().Add(2500 * time.Millisecond) // two and a half leases
	for time.Now().Before(deadline) {
		if n := b.runDue(); n != 0 {
			t.Fatalf("a second scheduler took over a poll that was still running")
		}
		time.Sleep(50 * time.Millisecond)
	}
	release <- struct{}{}
	if n := <-done; n != 1 {
		t.Fatalf("the slow poll: %d", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if requests != 1 || len(a.payloads("slow")) != 1 {
		t.Fatalf("%d polls and %d jobs, want 1 and 1", requests, len(a.payloads("slow")))
	}
}
