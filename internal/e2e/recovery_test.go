package e2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// slowSink answers every request after delay and counts the requests it
// received by Idempotency-Key (one key per job step).
type slowSink struct {
	*httptest.Server
	mu      sync.Mutex
	started map[string]int
}

func newSlowSink(t *testing.T, delay time.Duration) *slowSink {
	k := &slowSink{started: map[string]int{}}
	k.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		k.mu.Lock()
		k.started[key]++
		k.mu.Unlock()
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(k.Close)
	return k
}

// count is the number of requests received with key.
func (k *slowSink) count(key string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.started[key]
}

// total is the number of requests received.
func (k *slowSink) total() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for _, v := range k.started {
		n += v
	}
	return n
}

// fill sends n webhooks to hook, waits until every job's step is at the
// sink, and returns the job ids.
func (k *slowSink) fill(t *testing.T, hook string, n int) []string {
	t.Helper()
	var jobs []string
	for i := 0; i < n; i++ {
		_, job := acceptWebhook(t, hook, "application/json", strings.NewReader(`{}`))
		jobs = append(jobs, job)
	}
	waitFor(t, "every job at the sink", func() bool { return k.total() == n })
	return jobs
}

// slowRecipe creates and starts a webhook recipe whose one step calls the
// sink, and returns its webhook URL.
func slowRecipe(t *testing.T, p *process, dir, sinkURL string) (*server, string) {
	s := &server{t: t, URL: p.url, DataDir: dir, Token: createToken(t, dir), logs: p.logs}
	s.startRecipe(map[string]any{
		"name": "slow", "trigger": map[string]any{"type": "webhook", "event": "slow"},
		"steps": []any{map[string]any{"id": "deliver", "method": "POST", "url": sinkURL, "timeout": "30s"}},
	})
	return s, s.webhookBase() + "/slow"
}

// A server SIGKILLed while its jobs run takes them back within seconds of
// its restart, not after their 30-second lease: the new process finds the
// old one's lock free.
func TestRestartTakesBackRunningJobsAtOnce(t *testing.T) {
	bin := patchbayBinary(t)
	dir := t.TempDir()
	sink := newSlowSink(t, 2*time.Second)
	lease := []string{"--job-lease", "30s"}
	p := startProcess(t, bin, dir, "", lease...)
	_, hook := slowRecipe(t, p, dir, sink.URL)
	const n = 8
	jobs := sink.fill(t, hook, n)
	fatalIf(t, p.cmd.Process.Signal(syscall.SIGKILL), "kill patchbay")
	p.cmd.Wait()
	if running := countWhere(t, dir, `status = 'running'`); running != n {
		t.Fatalf("%d jobs running at the kill, want %d", running, n)
	}

	restart := time.Now()
	startProcess(t, bin, dir, "", lease...)
	ready := time.Since(restart)
	var resumed time.Duration
	deadline := time.Now().Add(40 * time.Second)
	for {
		again := 0
		for _, j := range jobs {
			if sink.count(j+".deliver") >= 2 {
				again++
			}
		}
		if again == n && resumed == 0 {
			resumed = time.Since(restart)
		}
		if countWhere(t, dir, `status = 'succeeded'`) == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d jobs taken back 40s after the restart", again, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	finished := time.Since(restart)
	t.Logf("recovery after SIGKILL: ready after %s, every running job resumed after %s, all finished after %s (job lease 30s)",
		ready.Round(time.Millisecond), resumed.Round(time.Millisecond), finished.Round(time.Millisecond))
	if resumed > 10*time.Second {
		t.Errorf("running jobs resumed %s after the restart; want well under the 30s lease", resumed)
	}
}

// Two processes sharing one database: while B lives, A leaves B's running
// jobs alone (each reaches the sink once); when B is killed, A takes them
// back within seconds, not after their lease.
func TestSharedDatabaseTakesBackJobsOfKilledProcess(t *testing.T) {
	bin := patchbayBinary(t)
	dir := t.TempDir()
	sink := newSlowSink(t, 3*time.Second)
	lease := []string{"--job-lease", "30s"}
	a := startProcess(t, bin, dir, "", lease...)
	b := startProcess(t, bin, dir, "", lease...)
	// Created through B, so its webhooks are enqueued claimed by B.
	_, hook := slowRecipe(t, b, dir, sink.URL)
	const n = 4
	jobs := sink.fill(t, hook, n)
	// A beats and looks for dead processes every 2s: give it two rounds
	// with B alive.
	time.Sleep(2500 * time.Millisecond)
	if got := sink.total(); got != n {
		t.Fatalf("the sink saw %d requests while B was alive, want %d: A took jobs of a live process", got, n)
	}
	fatalIf(t, b.cmd.Process.Signal(syscall.SIGKILL), "kill B")
	b.cmd.Wait()
	killed := time.Now()
	waitFor(t, "A to take back B's jobs", func() bool {
		for _, j := range jobs {
			if sink.count(j+".deliver") < 2 {
				return false
			}
		}
		return true
	})
	took := time.Since(killed)
	t.Logf("A took back the %d running jobs of killed B after %s (job lease 30s)", n, took.Round(time.Millisecond))
	if took > 10*time.Second {
		t.Errorf("A took %s to take back B's jobs; want well under the 30s lease", took)
	}
	waitFor(t, "the jobs to finish", func() bool { return countWhere(t, dir, `status = 'succeeded'`) == n })
	if !strings.Contains(a.logs.String(), "took back the jobs of a dead process") {
		t.Errorf("A's log does not say it took back B's jobs:\n%s", a.logs.String())
	}
}
