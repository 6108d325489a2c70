package scheduler_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/trigger/scheduler"
)

// newestFirstList serves records total..1 newest first, two to a page
// (?page= from 1), only those with an id above ?since=.
func newestFirstList(t *testing.T) (*httptest.Server, func(int)) {
	var mu sync.Mutex
	total := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		since, _ := strconv.Atoi(r.URL.Query().Get("since"))
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		var all []map[string]any
		for i := total; i > since; i-- {
			all = append(all, map[string]any{"id": i})
		}
		items := []map[string]any{}
		for i := (page - 1) * 2; i < page*2 && i < len(all); i++ {
			items = append(items, all[i])
		}
		json.NewEncoder(w).Encode(map[string]any{"items": items})
	}))
	t.Cleanup(srv.Close)
	return srv, func(n int) { mu.Lock(); total = n; mu.Unlock() }
}

// A read that spans several polls (max_pages) and is given up half way,
// by a restart or an edit, starts again from the cursor it began with:
// the cursor of the pages read so far is stored only when the read ends,
// so no older page is skipped.
func TestReadGivenUpHalfWayLosesNoRecord(t *testing.T) {
	srv, setTotal := newestFirstList(t)
	r := newRig(t, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	one := 1
	sr := r.addRecipe("nf", recipe.Trigger{Type: recipe.TriggerPolling, URL: srv.URL + "/items",
		Query: map[string]string{"since": "{{cursor}}"}, Interval: recipe.Duration(time.Hour),
		ItemsPath: "items", IDPath: "id", CursorPath: "id", Order: "newest_first", Since: "all",
		Pagination: &recipe.Pagination{Type: "page", Param: "page", Start: &one, PageSize: 2, MaxPages: 1}})
	r.runDue()
	setTotal(6)
	r.clock.Add(time.Hour)
	r.runDue()                                                    // reads 6,5; truncated; cursor -> 6; resume at page 2
	if err := r.sched.Arm(context.Background(), sr); err != nil { // stop+start, or any trigger edit (Replan)
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		r.clock.Add(time.Hour)
		r.runDue()
	}
	if got := r.payloads("nf"); len(got) != 6 {
		t.Errorf("jobs for %d of 6 records", len(got))
	}
}

// A recipe stopped while its poll runs gets no jobs from that poll; its
// records stay new for when it starts again.
func TestStoppedDuringPollStartsNoJobs(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.Write([]byte(`{"items":[{"id":1},{"id":2}]}`))
	}))
	t.Cleanup(srv.Close)
	r := newRig(t, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	r.addRecipe("st", recipe.Trigger{Type: recipe.TriggerPolling, URL: srv.URL + "/items", Interval: recipe.Duration(time.Hour),
		ItemsPath: "items", IDPath: "id", Since: "all"})
	done := make(chan struct{})
	go func() { r.runDue(); close(done) }()
	time.Sleep(200 * time.Millisecond) // the poll is waiting on the server
	if err := r.store.SetRecipeState(context.Background(), "st", recipe.StateStopped); err != nil {
		t.Fatal(err)
	}
	close(release)
	<-done
	if n := len(r.payloads("st")); n > 0 {
		t.Errorf("stopped before its poll completed, yet %d jobs were started", n)
	}
	if n, _ := r.store.CountSeenRecords(context.Background(), "st"); n != 0 {
		t.Errorf("%d records remembered from a poll whose recipe was stopped, want 0", n)
	}
}

// countingStore counts the scheduler's reads of the next due time.
type countingStore struct {
	store.Store
	next atomic.Int64
}

func (c *countingStore) NextTriggerDue(ctx context.Context) (time.Time, error) {
	c.next.Add(1)
	return c.Store.NextTriggerDue(ctx)
}

// With every slot busy the loop waits for one to free, rather than look
// for due work every few milliseconds.
func TestRunWaitsWhenEverySlotIsBusy(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
		w.Write([]byte(`{"items":[]}`))
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(block) })
	r := newRig(t, time.Now())
	r.sched.Now = time.Now
	for i := 0; i < 17; i++ {
		r.addRecipe("slow"+strconv.Itoa(i), recipe.Trigger{Type: recipe.TriggerPolling, URL: srv.URL + "/items",
			Interval: recipe.Duration(time.Hour), ItemsPath: "items", IDPath: "id"})
	}
	cs := &countingStore{Store: r.store}
	s := &scheduler.Scheduler{Store: cs, Catalog: r.cat, Executor: r.sched.Executor, Owner: "o"}
	ctx, cancel := context.WithCancel(context.Background())
	go s.Run(ctx)
	time.Sleep(500 * time.Millisecond)
	before := cs.next.Load()
	time.Sleep(time.Second)
	n := cs.next.Load() - before
	cancel()
	if n > 10 {
		t.Errorf("NextTriggerDue called %d times in 1s while all slots are busy", n)
	}
}

// A resume point whose page token has expired (the API answers 400) is
// given up: the read starts again from its first page.
func TestExpiredResumeTokenStartsTheReadAgain(t *testing.T) {
	var expired atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("next")
		if tok != "" && expired.Load() {
			http.Error(w, `{"error":"invalid or expired page token"}`, 400)
			return
		}
		if tok == "" {
			w.Write([]byte(`{"items":[{"id":1}],"next":"t2"}`))
		} else {
			w.Write([]byte(`{"items":[{"id":2}]}`))
		}
	}))
	t.Cleanup(srv.Close)
	r := newRig(t, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	r.addRecipe("tok", recipe.Trigger{Type: recipe.TriggerPolling, URL: srv.URL + "/items", Interval: recipe.Duration(time.Minute),
		ItemsPath: "items", IDPath: "id", Since: "all",
		Pagination: &recipe.Pagination{Type: "token", TokenPath: "next", TokenParam: "next", MaxPages: 1}})
	r.runDue()
	expired.Store(true)
	for i := 0; i < 20; i++ {
		r.clock.Add(time.Hour)
		r.runDue()
	}
	ts, _ := r.store.TriggerState(context.Background(), "tok")
	if ts.Failures >= 20 {
		t.Errorf("%d consecutive failures on the stale resume token; never starts over", ts.Failures)
	}
}

// An empty page ends a read even when it carries a next token (change
// feeds do): an hourly poll does not run on and on.
func TestEmptyPageEndsTheRead(t *testing.T) {
	var reqs atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := reqs.Add(1)
		if r.URL.Query().Get("cursor") == "" {
			w.Write([]byte(`{"items":[{"id":1},{"id":2}],"next_cursor":"c1"}`))
			return
		}
		w.Write([]byte(`{"items":[],"next_cursor":"c` + strconv.Itoa(int(n)+1) + `"}`))
	}))
	t.Cleanup(srv.Close)
	r := newRig(t, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	r.addRecipe("feed", recipe.Trigger{Type: recipe.TriggerPolling, URL: srv.URL + "/items", Interval: recipe.Duration(time.Hour),
		ItemsPath: "items", IDPath: "id", Since: "all",
		Pagination: &recipe.Pagination{Type: "token", TokenPath: "next_cursor", TokenParam: "cursor", MaxPages: 5}})
	fired := 0
	for i := 0; i < 20; i++ {
		r.clock.Add(time.Second)
		fired += r.runDue()
	}
	if fired > 2 {
		t.Errorf("an hourly poll ran %d times in 20 s (%d requests)", fired, reqs.Load())
	}
}

// since: now with a time cursor: records changed after the start become
// jobs even when the first read of the list succeeds only later (the API
// was down when the recipe started); older ones are only remembered.
func TestSinceNowCountsRecordsAfterTheStart(t *testing.T) {
	start := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	var down atomic.Bool
	down.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"items": []map[string]any{
			{"id": "old", "updated_at": "2026-06-01T11:00:00Z"},
			{"id": "new", "updated_at": "2026-06-01T12:30:00Z"},
		}})
	}))
	t.Cleanup(srv.Close)
	r := newRig(t, start)
	r.addRecipe("later", recipe.Trigger{Type: recipe.TriggerPolling, URL: srv.URL + "/items", Interval: recipe.Duration(time.Minute),
		ItemsPath: "items", IDPath: "id", CursorPath: "updated_at", Since: "now"})
	r.runDue() // fails: the API is down
	down.Store(false)
	r.clock.Add(time.Hour)
	r.runDue()
	got := r.payloads("later")
	if len(got) != 1 || got[0]["id"] != "new" {
		t.Fatalf("jobs %v, want one, for the record changed after the start", got)
	}
}
