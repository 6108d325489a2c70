package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/patchbay/patchbay/internal/config"
	"time"
)

// inFlightTarget counts the requests it is serving at once and holds each
// one until the gate opens.
type inFlightTarget struct {
	*httptest.Server
	now, most atomic.Int32
	gate      chan struct{}
	openGate  sync.Once
}

func newInFlightTarget(t *testing.T) *inFlightTarget {
	t.Helper()
	it := &inFlightTarget{gate: make(chan struct{})}
	it.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := it.now.Add(1)
		defer it.now.Add(-1)
		for m := it.most.Load(); n > m && !it.most.CompareAndSwap(m, n); m = it.most.Load() {
		}
		select {
		case <-it.gate:
		case <-r.Context().Done():
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(func() { it.open(); it.Close() })
	return it
}

func (it *inFlightTarget) open() { it.openGate.Do(func() { close(it.gate) }) }

// budgetJob is the part of a job document the budget tests read.
type budgetJob struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Steps  []struct {
		Status string  `json:"status"`
		Error  *string `json:"error"`
		Input  struct {
			WaitedMS int64 `json:"waited_ms"`
		} `json:"input"`
	} `json:"steps"`
}

// budgetRecipe creates a manual recipe with one GET through conn.
func (s *server) budgetRecipe(name, conn string) string {
	s.t.Helper()
	return s.createRecipe(map[string]any{
		"name": name, "trigger": map[string]any{"type": "manual"},
		"steps": []any{map[string]any{"id": "call", "connection": conn, "method": "GET", "url": "/", "max_attempts": 1}},
	})
}

// startJob queues a test job of the recipe without waiting for it.
func (s *server) startJob(recipeID string) string {
	s.t.Helper()
	var j struct{ ID string }
	s.mustCall(202, "POST", "/api/v1/recipes/"+recipeID+"/test?wait=false", nil, &j)
	return j.ID
}

// finishedJob waits for a job and reads it with its step inputs.
func (s *server) finishedJob(id string) budgetJob {
	s.t.Helper()
	s.waitJob(id)
	var j budgetJob
	s.mustCall(200, "GET", "/api/v1/jobs/"+id, nil, &j)
	return j
}

// Two recipes share one connection with max_concurrent 2. The target
// holds every request until the test opens the gate, so while it is
// closed the jobs beyond the first two can only be waiting for the
// budget. Half the jobs start after the connection was updated (the
// catalog then opens it afresh), and still share the same budget.
func TestConnectionBudgetConcurrency(t *testing.T) {
	t.Parallel()
	target := newInFlightTarget(t)
	s := startServer(t)
	var conn struct{ ID string }
	doc := map[string]any{"name": "budgeted", "base_url": target.URL, "auth": map[string]any{"type": "none"},
		"limits": map[string]any{"max_concurrent": 2}}
	s.mustCall(201, "POST", "/api/v1/connections", doc, &conn)
	recipes := []string{s.budgetRecipe("budget a", "budgeted"), s.budgetRecipe("budget b", "budgeted")}

	var jobs []string
	for i := range 6 {
		jobs = append(jobs, s.startJob(recipes[i%2]))
	}
	waitFor(t, "two requests in flight", func() bool { return target.now.Load() == 2 })

	// A change that keeps the limits: the catalog reloads the connection.
	doc["timeout"] = "20s"
	var updated struct{ Timeout string }
	s.mustCall(200, "PUT", "/api/v1/connections/"+conn.ID, doc, &updated)
	if updated.Timeout != "20s" {
		t.Fatalf("update not applied: %+v", updated)
	}
	for i := range 6 {
		jobs = append(jobs, s.startJob(recipes[i%2]))
	}
	// Every job is claimed while the gate is closed: all but two wait,
	// in a worker (running) or, past the runner's budget wait, back on
	// the queue with the reason recorded.
	waitFor(t, "every job to have tried", func() bool {
		for _, id := range jobs {
			var j budgetJob
			s.mustCall(200, "GET", "/api/v1/jobs/"+id, nil, &j)
			deferred := len(j.Steps) > 0 && j.Steps[0].Error != nil && strings.Contains(*j.Steps[0].Error, "request budget")
			if j.Status != "running" && !deferred {
				return false
			}
		}
		return true
	})
	if n := target.now.Load(); n != 2 {
		t.Errorf("%d requests in flight while the gate is closed, want 2", n)
	}
	target.open()

	waited := 0
	for _, id := range jobs {
		j := s.finishedJob(id)
		if j.Status != "succeeded" {
			t.Errorf("job %s %s: %+v", id, j.Status, j.Steps)
			continue
		}
		if j.Steps[0].Input.WaitedMS > 0 {
			waited++
		}
	}
	if m := target.most.Load(); m > 2 {
		t.Errorf("the target saw %d requests at once, want at most 2", m)
	}
	if waited == 0 {
		t.Error("no job recorded waited_ms, yet all but two had to wait")
	}
}

// N requests at R per second (burst 1) take at least (N-1)/R: a lower
// bound only, as the box may be slow for reasons of its own.
func TestConnectionBudgetRate(t *testing.T) {
	t.Parallel()
	const n, perSecond = 6, 4.0
	target := newInFlightTarget(t)
	target.open()
	s := startServer(t)
	s.mustCall(201, "POST", "/api/v1/connections", map[string]any{"name": "rated", "base_url": target.URL,
		"auth": map[string]any{"type": "none"}, "limits": map[string]any{"requests_per_second": perSecond, "burst": 1}}, nil)
	recipe := s.budgetRecipe("rated", "rated")

	start := time.Now()
	var jobs []string
	for range n {
		jobs = append(jobs, s.startJob(recipe))
	}
	for _, id := range jobs {
		if j := s.finishedJob(id); j.Status != "succeeded" {
			t.Errorf("job %s %s: %+v", id, j.Status, j.Steps)
		}
	}
	min := time.Duration(float64(n-1) / perSecond * float64(time.Second))
	if elapsed := time.Since(start); elapsed < min {
		t.Errorf("%d requests at %v per second took %v, want at least %v", n, perSecond, elapsed, min)
	}
}

// Limits are validated with their paths.
func TestConnectionBudgetValidation(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	code, raw := s.raw("POST", "/api/v1/connections", map[string]any{"name": "bad-limits", "auth": map[string]any{"type": "none"},
		"limits": map[string]any{"requests_per_second": -1, "max_concurrent": -3}}, s.Token)
	var e struct {
		Error struct {
			Details []struct{ Path, Message string }
		} `json:"error"`
	}
	fatalIf(t, json.Unmarshal(raw, &e), "decode %s", raw)
	paths := map[string]bool{}
	for _, d := range e.Error.Details {
		paths[d.Path] = true
	}
	if code != 422 || !paths["limits.requests_per_second"] || !paths["limits.max_concurrent"] {
		t.Errorf("bad limits: %d %s, want 422 naming limits.requests_per_second and limits.max_concurrent", code, raw)
	}
}

// A connection whose budget is taken does not take the workers with it:
// its waiting jobs go back on the queue (not counted as attempts) and
// the jobs of other connections run meanwhile.
func TestBusyConnectionDoesNotHoldTheWorkers(t *testing.T) {
	t.Parallel()
	target := newInFlightTarget(t) // holds every request until opened
	free := httpbinServer(t)
	s := startServer(t, func(c *config.Config) { c.Workers = 2 })
	s.mustCall(201, "POST", "/api/v1/connections", map[string]any{"name": "narrow", "base_url": target.URL,
		"auth": map[string]any{"type": "none"}, "limits": map[string]any{"max_concurrent": 1}}, nil)
	narrow := s.budgetRecipe("narrow", "narrow")
	var jobs []string
	for range 4 {
		jobs = append(jobs, s.startJob(narrow))
	}
	waitFor(t, "the narrow connection's one request", func() bool { return target.now.Load() == 1 })

	other := s.startRecipe(map[string]any{"name": "other", "trigger": map[string]any{"type": "manual"},
		"steps": []any{map[string]any{"id": "call", "method": "GET", "url": free.URL + "/get"}}})
	var started struct{ ID string }
	s.mustCall(202, "POST", "/api/v1/recipes/"+other+"/run", `{}`, &started)
	// With two workers, one held by the request in flight, the other job
	// runs only if the narrow connection's waiting jobs gave their worker up.
	if j := s.finishedJob(started.ID); j.Status != "succeeded" {
		t.Fatalf("the other connection's job: %s %+v", j.Status, j.Steps)
	}
	if n := target.now.Load(); n != 1 {
		t.Fatalf("%d requests in flight at the narrow connection, want 1", n)
	}
	target.open()
	for _, id := range jobs {
		j := s.finishedJob(id)
		if j.Status != "succeeded" || j.Steps[0].Status != "succeeded" {
			t.Fatalf("narrow job %s: %s %+v", id, j.Status, j.Steps)
		}
	}
}
