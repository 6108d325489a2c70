package e2e

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// flakyTarget answers 503 twice (the first time with Retry-After: 1), then
// 200, and remembers every Idempotency-Key it saw. It is written here
// because no ready-made server fails a set number of times and then
// recovers.
type flakyTarget struct {
	mu    sync.Mutex
	keys  []string
	times []time.Time
}

func (f *flakyTarget) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.keys = append(f.keys, r.Header.Get("Idempotency-Key"))
	f.times = append(f.times, time.Now())
	n := len(f.keys)
	f.mu.Unlock()
	switch n {
	case 1:
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
	case 2:
		w.WriteHeader(http.StatusServiceUnavailable)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok": true}`))
	}
}

func TestRetriesKeepOneIdempotencyKey(t *testing.T) {
	t.Parallel()
	target := &flakyTarget{}
	srv := httptest.NewServer(target)
	defer srv.Close()
	s := startServer(t)
	id := s.createRecipe(map[string]any{
		"name": "flaky", "trigger": map[string]any{"type": "manual"},
		"steps": []any{map[string]any{"id": "call", "method": "POST", "url": srv.URL + "/orders", "body": map[string]any{"a": 1}}},
	})
	var j jobDoc
	s.mustCall(200, "POST", "/api/v1/recipes/"+id+"/test", nil, &j)
	if j.Status != "succeeded" {
		t.Fatalf("job %s: %s", j.Status, deref(j.Error))
	}
	st := j.Steps[0]
	if st.Attempts != 3 || st.Output.Status != 200 {
		t.Fatalf("step attempts = %d, status %d; want 3 attempts ending in 200", st.Attempts, st.Output.Status)
	}
	target.mu.Lock()
	defer target.mu.Unlock()
	if len(target.keys) != 3 {
		t.Fatalf("target saw %d requests, want 3", len(target.keys))
	}
	if target.keys[0] == "" || target.keys[0] != target.keys[1] || target.keys[1] != target.keys[2] {
		t.Errorf("Idempotency-Keys = %q, want one key on every attempt", target.keys)
	}
	if st.Input.Headers["Idempotency-Key"] != target.keys[0] {
		t.Errorf("recorded key %q, sent %q", st.Input.Headers["Idempotency-Key"], target.keys[0])
	}
	if gap := target.times[1].Sub(target.times[0]); gap < time.Second {
		t.Errorf("second attempt came %v after the first; Retry-After asked for 1s", gap)
	}
}

// TestRetriesGiveUp: a target that never recovers fails the job after
// max_attempts, with every attempt counted and the last response kept.
func TestRetriesGiveUp(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	s := startServer(t)
	id := s.createRecipe(map[string]any{
		"name": "down", "trigger": map[string]any{"type": "manual"},
		"steps": []any{map[string]any{"id": "call", "url": srv.URL, "max_attempts": 2}},
	})
	var j jobDoc
	s.mustCall(200, "POST", "/api/v1/recipes/"+id+"/test", nil, &j)
	if j.Status != "failed" || j.Steps[0].Attempts != 2 || j.Steps[0].Output.Status != 502 {
		t.Fatalf("job %s, step %+v", j.Status, j.Steps[0])
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 2 {
		t.Errorf("target called %d times, want 2", calls)
	}
}
