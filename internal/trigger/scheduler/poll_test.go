package scheduler_test

import (
	"context"
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

// pagedList serves records 1..total as {"items": [{"id", "name"}]},
// pageSize to a page, the page number in ?page= (from 1); setTotal grows
// the list.
func pagedList(t *testing.T, total, pageSize int) (srv *httptest.Server, setTotal func(int)) {
	var mu sync.Mutex
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		items := []map[string]any{}
		for i := (page-1)*pageSize + 1; i <= page*pageSize && i <= total; i++ {
			items = append(items, map[string]any{"id": i, "name": fmt.Sprintf("record %d", i)})
		}
		json.NewEncoder(w).Encode(map[string]any{"items": items})
	}))
	t.Cleanup(srv.Close)
	return srv, func(n int) {
		mu.Lock()
		total = n
		mu.Unlock()
	}
}

// pagedTrigger polls pagedList hourly from page 1, two pages a poll at most,
// so that a list of more than 2*pageSize records takes several polls.
func pagedTrigger(srv *httptest.Server, since string, pageSize int) recipe.Trigger {
	one := 1
	return recipe.Trigger{Type: recipe.TriggerPolling, URL: srv.URL + "/items", Interval: recipe.Duration(time.Hour),
		ItemsPath: "items", IDPath: "id", Since: since,
		Pagination: &recipe.Pagination{Type: "page", Param: "page", Start: &one, PageSize: pageSize, MaxPages: 2}}
}

// A list longer than max_pages allows is read over several polls, each
// going on from where the last stopped, at once rather than an interval
// later: no record is left unread.
func TestPollResumesPastMaxPages(t *testing.T) {
	const total, pageSize = 23, 5
	srv, _ := pagedList(t, total, pageSize)
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	r := newRig(t, start)
	r.addRecipe("paged", pagedTrigger(srv, "all", pageSize))
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

// With since: now, a first read that takes several polls (more pages
// than max_pages) only remembers what exists, on every one of them; the
// record added afterwards is the one job.
func TestSinceNowSpansAFirstReadOverSeveralPolls(t *testing.T) {
	const pageSize = 5
	srv, setTotal := pagedList(t, 23, pageSize)
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	r := newRig(t, start)
	r.addRecipe("since-now", pagedTrigger(srv, "now", pageSize))
	readAll := func() {
		for i := 0; i < 3; i++ { // 5 pages, 2 per poll
			if n := r.runDue(); n != 1 {
				t.Fatalf("poll %d of a read: %d fired", i+1, n)
			}
			r.clock.Add(time.Millisecond)
		}
	}
	readAll()
	if n, _ := r.store.CountSeenRecords(t.Context(), "since-now"); n != 23 || len(r.payloads("since-now")) != 0 {
		t.Fatalf("after the first read: %d remembered, %d jobs; want 23 and none", n, len(r.payloads("since-now")))
	}
	setTotal(24)
	r.clock.Add(time.Hour)
	readAll()
	got := r.payloads("since-now")
	if len(got) != 1 || got[0]["id"] != float64(24) {
		t.Fatalf("jobs %v, want one, for record 24", got)
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
	var once sync.Once
	openGate := func() { once.Do(func() { close(release) }) }
	t.Cleanup(srv.Close)
	t.Cleanup(openGate) // runs first: a failed test does not leave the poll hanging
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	a := newRig(t, start)
	a.sched.Lease, a.sched.RenewEvery = time.Minute, 10*time.Millisecond // a minute of the test's clock; renewed often in real time
	b := newRigIn(t, a.dir, start, "other-owner")
	b.clock, b.sched.Now = a.clock, a.clock.Now
	a.addRecipe("slow", recipe.Trigger{Type: recipe.TriggerPolling, URL: srv.URL + "/items", Interval: recipe.Duration(time.Hour),
		ItemsPath: "items", IDPath: "id", Since: "all"})
	done := make(chan int)
	go func() { done <- a.runDue() }()
	waitRequests := func(n int) {
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			mu.Lock()
			got := requests
			mu.Unlock()
			if got >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d requests, want %d", got, n)
			}
		}
	}
	waitRequests(1)
	// Three times the lease passes on the test's clock while the poll
	// hangs; each time the claimer renews it before the other looks.
	for i := 0; i < 3; i++ {
		a.clock.Add(50 * time.Second)
		renewedPast := a.clock.Now().Add(30 * time.Second)
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			st, err := a.store.TriggerState(t.Context(), "slow")
			if err != nil {
				t.Fatal(err)
			}
			if st.LeaseUntil != nil && st.LeaseUntil.After(renewedPast) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("step %d: the lease was not renewed (until %v, clock %v)", i, st.LeaseUntil, a.clock.Now())
			}
		}
		if n := b.runDue(); n != 0 {
			t.Fatalf("step %d: a second scheduler took over a poll that was still running", i)
		}
	}
	openGate()
	if n := <-done; n != 1 {
		t.Fatalf("the slow poll: %d", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if requests != 1 || len(a.payloads("slow")) != 1 {
		t.Fatalf("%d polls and %d jobs, want 1 and 1", requests, len(a.payloads("slow")))
	}
}

// A poll that hangs does not hold up the other triggers: Run fires each
// on its own, so a schedule keeps ticking meanwhile.
func TestSlowPollDoesNotHoldUpTicks(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		json.NewEncoder(w).Encode(map[string]any{"items": []any{}})
	}))
	t.Cleanup(hung.Close)
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	r := newRig(t, time.Now())
	r.sched.Now, r.sched.Idle = time.Now, 20*time.Millisecond
	r.addRecipe("hung", recipe.Trigger{Type: recipe.TriggerPolling, URL: hung.URL + "/items", Interval: recipe.Duration(time.Hour),
		ItemsPath: "items", IDPath: "id", Since: "all"})
	r.addRecipe("ticker", recipe.Trigger{Type: recipe.TriggerSchedule, Every: recipe.Duration(time.Second)})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		r.sched.Run(ctx)
		close(stopped)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(r.payloads("ticker")) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d ticks in 10s while a poll hung, want 3", len(r.payloads("ticker")))
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel() // shutdown aborts the hung poll and hands it back
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if st, err := r.store.TriggerState(context.Background(), "hung"); err != nil || st.LeaseOwner != "" {
		t.Fatalf("the hung poll was not handed back at shutdown: %+v %v", st, err)
	}
}
