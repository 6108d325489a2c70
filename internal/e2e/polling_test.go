package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/config"
)

// recordSource is a local API whose list of records grows while a test
// runs: GET /items lists them ({"items": [...]}), oldest first, only those
// updated after ?updated_since= when given; it can be told to fail. POST
// /sink receives what recipe steps send, so a test sees each job's record.
type recordSource struct {
	mu      sync.Mutex
	records []map[string]any
	failing int // answer 500 while > 0
	// nullWhenEmpty answers {"items": null}, as some APIs do, when no
	// record matches; otherwise the list is [].
	nullWhenEmpty bool
	polls         int
	cursors       []string // the updated_since values polls sent
	sunk          []string // record ids the steps delivered
	srv           *httptest.Server
}

func newRecordSource(t *testing.T, n int) *recordSource {
	src := &recordSource{}
	for i := 1; i <= n; i++ {
		src.add()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items", func(w http.ResponseWriter, r *http.Request) {
		src.mu.Lock()
		defer src.mu.Unlock()
		src.polls++
		if src.failing > 0 {
			http.Error(w, `{"error":"upstream is down"}`, http.StatusInternalServerError)
			return
		}
		since := r.URL.Query().Get("updated_since")
		if r.URL.Query().Has("updated_since") {
			src.cursors = append(src.cursors, since)
		}
		var items []map[string]any
		if !src.nullWhenEmpty {
			items = []map[string]any{}
		}
		for _, rec := range src.records {
			if since == "" || rec["updated_at"].(string) > since {
				items = append(items, rec)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"items": items})
	})
	mux.HandleFunc("POST /sink", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			ID string `json:"id"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		src.mu.Lock()
		src.sunk = append(src.sunk, body.ID)
		src.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	src.srv = httptest.NewServer(mux)
	t.Cleanup(src.srv.Close)
	return src
}

// add appends a record, updated one second after the previous one.
func (s *recordSource) add() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.records) + 1
	id := fmt.Sprintf("rec-%03d", n)
	s.records = append(s.records, map[string]any{"id": id, "name": "record " + id,
		"updated_at": time.Date(2026, 1, 1, 0, 0, n, 0, time.UTC).Format(time.RFC3339)})
	return id
}

func (s *recordSource) pollCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polls
}

func (s *recordSource) setFailing(n int) {
	s.mu.Lock()
	s.failing = n
	s.mu.Unlock()
}

func (s *recordSource) delivered() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]string(nil), s.sunk...)
	sort.Strings(out)
	return out
}

// pollingRecipe polls src every second and sends each record's id to its sink.
func pollingRecipe(src *recordSource, extra map[string]any) map[string]any {
	trig := map[string]any{"type": "polling", "url": src.srv.URL + "/items", "interval": "1s",
		"items_path": "items", "id_path": "id",
		"response_example": `{"items": [{"id": "rec-001", "name": "record rec-001", "updated_at": "2026-01-01T00:00:01Z"}]}`}
	for k, v := range extra {
		trig[k] = v
	}
	return map[string]any{"name": "poll records", "trigger": trig, "steps": []any{map[string]any{
		"id": "deliver", "action": "http_request", "method": "POST", "url": src.srv.URL + "/sink",
		"body": map[string]any{"id": "{{trigger.id}}"}, "response_type": "raw"}}}
}

// triggerHealthView is the trigger_health of a recipe view.
type triggerHealthView struct {
	Status      string          `json:"status"`
	Cursor      string          `json:"cursor"`
	SeenRecords *int            `json:"seen_records"`
	NextRunAt   *time.Time      `json:"next_run_at"`
	Last        json.RawMessage `json:"last"`
}

func (s *server) triggerHealth(id string) triggerHealthView {
	s.t.Helper()
	var v struct {
		TriggerHealth *triggerHealthView `json:"trigger_health"`
	}
	s.mustCall(200, "GET", "/api/v1/recipes/"+id, nil, &v)
	if v.TriggerHealth == nil {
		s.t.Fatalf("recipe %s has no trigger_health", id)
	}
	return *v.TriggerHealth
}

// recipeJobs counts a recipe's jobs, and how many have finished.
func (s *server) recipeJobs(id string) (total, finished int) {
	s.t.Helper()
	var list struct {
		Jobs []struct {
			Status string `json:"status"`
		} `json:"jobs"`
	}
	s.mustCall(200, "GET", "/api/v1/recipes/"+id+"/jobs?limit=200", nil, &list)
	for _, j := range list.Jobs {
		if j.Status == "succeeded" || j.Status == "failed" {
			finished++
		}
	}
	return len(list.Jobs), finished
}

// A list that grows between polls: one job per new record, none for the
// records there before the first start (since: now), none twice over many
// polls and a restart of patchbay in between.
func TestPollingOneJobPerNewRecord(t *testing.T) {
	t.Parallel()
	src := newRecordSource(t, 3)
	dir := t.TempDir()
	srv := startServer(t, func(c *config.Config) { c.DataDir = dir })
	id := srv.startRecipe(pollingRecipe(src, nil))
	waitFor(t, "the first poll", func() bool { return srv.triggerHealth(id).Status == "ok" })
	if h := srv.triggerHealth(id); h.SeenRecords == nil || *h.SeenRecords != 3 {
		t.Fatalf("after the first poll the trigger remembers %v records, want the 3 that existed", h.SeenRecords)
	}

	src.add()
	src.add()
	waitFor(t, "2 jobs", func() bool { _, done := srv.recipeJobs(id); return done == 2 })
	src.add()
	waitFor(t, "3 jobs", func() bool { _, done := srv.recipeJobs(id); return done == 3 })
	polls := src.pollCount()
	waitFor(t, "three more polls", func() bool { return src.pollCount() >= polls+3 })

	// Restart on the same data folder: the seen set survives.
	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.app.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	srv = startServer(t, func(c *config.Config) { c.DataDir = dir })
	polls = src.pollCount()
	waitFor(t, "polls after the restart", func() bool { return src.pollCount() >= polls+2 })
	src.add()
	waitFor(t, "4 jobs", func() bool { _, done := srv.recipeJobs(id); return done == 4 })
	polls = src.pollCount()
	waitFor(t, "two more polls", func() bool { return src.pollCount() >= polls+2 })

	if total, _ := srv.recipeJobs(id); total != 4 {
		t.Fatalf("%d jobs, want 4 (records 4 to 7)", total)
	}
	want := []string{"rec-004", "rec-005", "rec-006", "rec-007"}
	if got := src.delivered(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("delivered %v, want %v (each new record once)", got, want)
	}
	if n := countRows(t, dir, `SELECT COUNT(*) FROM trigger_ticks WHERE recipe_id = '`+id+`'`); n < 6 {
		t.Fatalf("only %d polls recorded", n)
	}
}

// A cursor-based API: {{cursor}} sends the largest updated_at seen, so each
// poll asks only for what changed since.
func TestPollingCursor(t *testing.T) {
	t.Parallel()
	src := newRecordSource(t, 2)
	srv := startServer(t)
	id := srv.startRecipe(pollingRecipe(src, map[string]any{
		"query": map[string]any{"updated_since": "{{cursor}}"}, "cursor_path": "updated_at", "since": "all"}))
	waitFor(t, "2 jobs", func() bool { _, done := srv.recipeJobs(id); return done == 2 })
	src.add()
	waitFor(t, "3 jobs", func() bool { _, done := srv.recipeJobs(id); return done == 3 })
	if h := srv.triggerHealth(id); h.Cursor != "2026-01-01T00:00:03Z" {
		t.Fatalf("cursor = %q, want the newest updated_at", h.Cursor)
	}
	var cursors []string
	waitFor(t, "a poll that sends the new cursor", func() bool {
		src.mu.Lock()
		defer src.mu.Unlock()
		cursors = append(cursors[:0], src.cursors...)
		return cursors[len(cursors)-1] == "2026-01-01T00:00:03Z"
	})
	if len(cursors) < 2 || cursors[0] != "" || cursors[len(cursors)-1] != "2026-01-01T00:00:03Z" {
		t.Fatalf("the polls sent updated_since %q: want empty first, then the cursor", cursors)
	}
	if got := src.delivered(); fmt.Sprint(got) != "[rec-001 rec-002 rec-003]" {
		t.Fatalf("delivered %v", got)
	}
	// What the polls did is in the metrics.
	if v, ok := whMetric(t, srv, `patchbay_poll_records_total{result="job"}`); !ok || v != 3 {
		t.Errorf("patchbay_poll_records_total{result=\"job\"} = %v (%v), want 3", v, ok)
	}
	if v, ok := whMetric(t, srv, `patchbay_trigger_runs_total{kind="poll",outcome="ok"}`); !ok || v < 2 {
		t.Errorf("patchbay_trigger_runs_total{kind=\"poll\",outcome=\"ok\"} = %v (%v), want the polls made", v, ok)
	}
	if _, ok := whMetric(t, srv, `patchbay_poll_duration_seconds_count`); !ok {
		t.Error("no patchbay_poll_duration_seconds histogram")
	}
}

// A poll target that fails and recovers: the failures start no job, show
// as the trigger's health with the failing response, keep the cursor, and
// the records added meanwhile are picked up once it recovers.
func TestPollingFailureAndRecovery(t *testing.T) {
	t.Parallel()
	src := newRecordSource(t, 1)
	srv := startServer(t)
	id := srv.startRecipe(pollingRecipe(src, map[string]any{
		"query": map[string]any{"updated_since": "{{cursor}}"}, "cursor_path": "updated_at"}))
	waitFor(t, "the first poll", func() bool { return srv.triggerHealth(id).Status == "ok" })
	cursor := srv.triggerHealth(id).Cursor

	src.setFailing(1)
	src.add()
	src.add()
	var h triggerHealthView
	waitFor(t, "the poll to fail", func() bool { h = srv.triggerHealth(id); return h.Status == "failing" })
	var last struct {
		ConsecutiveFailures int `json:"consecutive_failures"`
		LastFailure         *struct {
			Stage    string          `json:"stage"`
			Error    string          `json:"error"`
			Request  json.RawMessage `json:"request"`
			Response json.RawMessage `json:"response"`
		} `json:"last_failure"`
	}
	if err := json.Unmarshal(h.Last, &last); err != nil || last.LastFailure == nil {
		t.Fatalf("failing health has no last_failure: %s", h.Last)
	}
	if last.ConsecutiveFailures < 1 || last.LastFailure.Error == "" || len(last.LastFailure.Response) == 0 {
		t.Fatalf("the failure does not show what failed: %s", h.Last)
	}
	if total, _ := srv.recipeJobs(id); total != 0 {
		t.Fatalf("a failed poll started %d jobs", total)
	}
	if h.Cursor != cursor {
		t.Fatalf("the cursor moved from %q to %q during failures", cursor, h.Cursor)
	}

	src.setFailing(0)
	waitFor(t, "2 jobs after recovery", func() bool { _, done := srv.recipeJobs(id); return done == 2 })
	h = srv.triggerHealth(id)
	if h.Status != "ok" || h.Cursor != "2026-01-01T00:00:03Z" {
		t.Fatalf("after recovery: status %q cursor %q", h.Status, h.Cursor)
	}
	if got := src.delivered(); fmt.Sprint(got) != "[rec-002 rec-003]" {
		t.Fatalf("delivered %v", got)
	}
}

// A poll goes through its connection: base URL and auth applied, the
// secret masked in the failure shown as health; a connection a polling
// recipe uses cannot be deleted.
func TestPollingThroughConnection(t *testing.T) {
	t.Parallel()
	const key = "poll-secret-key-1234"
	src := newRecordSource(t, 1)
	guarded := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != key {
			http.Error(w, `{"error":"bad key"}`, http.StatusUnauthorized)
			return
		}
		src.srv.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(guarded.Close)
	srv := startServer(t)
	var conn struct{ ID string }
	srv.mustCall(201, "POST", "/api/v1/connections", map[string]any{"name": "records", "base_url": guarded.URL,
		"auth": map[string]any{"type": "header", "headers": map[string]any{"X-Api-Key": "wrong-key-5678"}}}, &conn)
	doc := pollingRecipe(src, map[string]any{"connection": "records", "url": "/items", "since": "all"})
	id := srv.startRecipe(doc)
	var h triggerHealthView
	waitFor(t, "the poll to fail with 401", func() bool { h = srv.triggerHealth(id); return h.Status == "failing" })
	if !strings.Contains(string(h.Last), `"X-Api-Key":"****"`) || strings.Contains(string(h.Last), "wrong-key-5678") {
		t.Fatalf("the failing request must show the header masked: %s", h.Last)
	}
	if !strings.Contains(string(h.Last), `"status":401`) {
		t.Fatalf("the failure does not show the 401 response: %s", h.Last)
	}

	srv.mustCall(200, "PUT", "/api/v1/connections/"+conn.ID, map[string]any{"name": "records", "base_url": guarded.URL,
		"auth": map[string]any{"type": "header", "headers": map[string]any{"X-Api-Key": key}}}, nil)
	waitFor(t, "the job after the fix", func() bool { _, done := srv.recipeJobs(id); return done == 1 })

	code, raw := srv.raw("DELETE", "/api/v1/connections/"+conn.ID, nil, srv.Token)
	if code != 409 || !strings.Contains(string(raw), "poll records") {
		t.Fatalf("deleting a connection a polling recipe uses = %d %s, want 409 naming the recipe", code, raw)
	}
}

// A polling API that answers {"items": null} while it has nothing: the
// first poll of a since: now recipe succeeds with no records, and the
// records that appear afterwards start jobs.
func TestPollingNullItemsThenRecords(t *testing.T) {
	src := newRecordSource(t, 0)
	src.nullWhenEmpty = true
	srv := startServer(t)
	id := srv.startRecipe(pollingRecipe(src, map[string]any{"since": "now"}))
	var h triggerHealthView
	waitFor(t, "the first poll", func() bool { h = srv.triggerHealth(id); return h.Status != "waiting" })
	if h.Status != "ok" {
		t.Fatalf("after polling a null list the trigger is %q (%s), want ok", h.Status, h.Last)
	}
	r1, r2 := src.add(), src.add()
	waitFor(t, "2 jobs", func() bool { _, done := srv.recipeJobs(id); return done == 2 })
	// Jobs start oldest first but run at once, so they may arrive in either order.
	if got := src.delivered(); len(got) != 2 || got[0] != r1 || got[1] != r2 {
		t.Fatalf("delivered %v, want %s and %s", got, r1, r2)
	}
}
