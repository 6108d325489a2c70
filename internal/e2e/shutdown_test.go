package e2e

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/config"
)

// TestShutdownRequeuesRunningSteps: a step still running when the shutdown
// timeout ends is cancelled and put back on the queue without counting an
// attempt; the next start runs it to the end.
func TestShutdownRequeuesRunningSteps(t *testing.T) {
	// Not parallel: it bounds how long a shutdown takes.
	var calls atomic.Int32
	started := make(chan struct{}, 1)
	// A target that hangs on its first request and answers the second at
	// once: written here because the test needs to control the timing.
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			started <- struct{}{}
			select {
			case <-r.Context().Done():
			case <-time.After(20 * time.Second):
			}
			return
		}
		w.Write([]byte(`{"done": true}`))
	}))
	defer target.Close()

	dir := t.TempDir()
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.AllowPrivateNetworks = "127.0.0.1:0", dir, true
	cfg.ShutdownTimeout = 300 * time.Millisecond
	s := startServerWith(t, cfg)
	id := s.createRecipe(map[string]any{
		"name": "slow", "trigger": map[string]any{"type": "manual"},
		"steps": []any{map[string]any{"id": "slow", "url": target.URL}},
	})
	var j jobDoc
	s.mustCall(202, "POST", "/api/v1/recipes/"+id+"/test?wait=false", nil, &j)
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the step never reached the target")
	}
	begin := time.Now()
	fatalIf(t, s.app.Stop(context.Background()), "stop")
	if took := time.Since(begin); took > 5*time.Second {
		t.Errorf("shutdown took %v with a 300ms timeout", took)
	}
	if n := countWhere(t, dir, `status = 'pending'`); n != 1 {
		t.Fatalf("after shutdown %d jobs are pending, want the interrupted one", n)
	}

	s2 := startServerWith(t, cfg)
	done := s2.waitJob(j.ID)
	if done.Status != "succeeded" || done.Steps[0].Attempts != 1 {
		t.Fatalf("after restart: job %s, attempts %d (the interrupted attempt must not count): %s",
			done.Status, done.Steps[0].Attempts, deref(done.Error))
	}
	if calls.Load() != 2 {
		t.Errorf("target called %d times, want 2", calls.Load())
	}
}

// TestHealthReadyMetrics: the operations endpoints answer without a token.
func TestHealthReadyMetrics(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	for path, want := range map[string]string{"/healthz": `"ok"`, "/readyz": `"ready"`, "/metrics": "patchbay_webhooks_accepted_total"} {
		status, body := s.raw("GET", path, nil, "")
		if status != 200 || !bytes.Contains(body, []byte(want)) {
			t.Errorf("GET %s = %d %.200s, want 200 containing %s", path, status, body, want)
		}
	}
}
