package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// buildBinary builds cmd/patchbay once per test run.
var buildOnce struct {
	sync.Once
	path string
	err  error
}

func patchbayBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "patchbay-bin")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "patchbay")
		out, err := exec.Command("go", "build", "-o", buildOnce.path, "github.com/patchbay/patchbay/cmd/patchbay").CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

// process is a patchbay server running as its own OS process.
type process struct {
	cmd  *exec.Cmd
	logs *syncBuffer
	url  string
}

// startProcess starts patchbay serve; extra flags come last, so they
// override the defaults here (a short job lease among them).
func startProcess(t *testing.T, bin, dataDir, addr string, extra ...string) *process {
	t.Helper()
	p := &process{logs: &syncBuffer{}, url: "http://" + addr}
	args := append([]string{"serve", "--data-dir", dataDir, "--addr", addr, "--allow-private-networks",
		"--job-lease", "2s", "--retry-base", "100ms"}, extra...)
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	fatalIf(t, p.cmd.Start(), "start patchbay process")
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("patchbay did not become ready: %v\n%s", err, p.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCrashLosesNothing kills the server with SIGKILL while it accepts
// webhooks and runs jobs, restarts it on the same data folder, and checks
// that every webhook answered 2xx produced exactly one job, and that every
// job finished.
func TestCrashLosesNothing(t *testing.T) {
	bin := patchbayBinary(t)
	dir := t.TempDir()
	addr, err := net0{}.listen()
	fatalIf(t, err, "find a port")

	// The sink counts deliveries by Idempotency-Key (one key per job step);
	// it is slow enough that jobs are in flight when the kill comes.
	var sinkMu sync.Mutex
	delivered := map[string]int{}
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(5 * time.Millisecond)
		sinkMu.Lock()
		delivered[r.Header.Get("Idempotency-Key")]++
		sinkMu.Unlock()
		w.Write([]byte(`{"ok":true}`))
	}))
	defer sink.Close()

	p := startProcess(t, bin, dir, addr)
	token := createToken(t, dir)
	s := &server{t: t, URL: p.url, DataDir: dir, Token: token, logs: p.logs}
	id := s.createRecipe(map[string]any{
		"name": "crash", "trigger": map[string]any{"type": "webhook", "event": "crash"},
		"steps": []any{map[string]any{"id": "deliver", "method": "POST", "url": sink.URL, "body": map[string]any{"n": "{{trigger.n}}"}}},
	})
	s.mustCall(200, "POST", "/api/v1/recipes/"+id+"/start", nil, nil)
	hook := s.webhookBase() + "/crash"

	// Producers post until the process dies; every 2xx is recorded.
	var accMu sync.Mutex
	accepted := map[string]string{} // event id -> job id
	var sent atomic.Int64
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil && i < 100000; i++ {
				n := sent.Add(1)
				resp, err := client.Post(hook, "application/json", bytes.NewReader([]byte(fmt.Sprintf(`{"n": %d}`, n))))
				if err != nil {
					continue
				}
				var a struct {
					ID    string `json:"id"`
					JobID string `json:"job_id"`
				}
				json.NewDecoder(resp.Body).Decode(&a)
				resp.Body.Close()
				if resp.StatusCode >= 200 && resp.StatusCode < 300 {
					accMu.Lock()
					accepted[a.ID] = a.JobID
					accMu.Unlock()
				}
			}
		}(w)
	}
	time.Sleep(1500 * time.Millisecond)
	fatalIf(t, p.cmd.Process.Signal(syscall.SIGKILL), "kill patchbay")
	p.cmd.Wait()
	time.Sleep(200 * time.Millisecond)
	stop()
	wg.Wait()
	accMu.Lock()
	n := len(accepted)
	accMu.Unlock()
	if n < 50 {
		t.Fatalf("only %d webhooks accepted before the kill; the test needs traffic to mean anything", n)
	}
	pending := countWhere(t, dir, `status IN ('pending','running')`)
	t.Logf("killed with %d webhooks accepted, %d jobs not finished", n, pending)

	startProcess(t, bin, dir, addr)
	deadline := time.Now().Add(60 * time.Second)
	for countWhere(t, dir, `status IN ('pending','running')`) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("jobs still unfinished 60s after restart")
		}
		time.Sleep(100 * time.Millisecond)
	}

	db := openDB(t, dir)
	for event, jobID := range accepted {
		var jobs int
		var status string
		fatalIf(t, db.QueryRow(`SELECT COUNT(*), MAX(status) FROM jobs WHERE event_id = ?`, event).Scan(&jobs, &status), "count jobs")
		if jobs != 1 {
			t.Errorf("event %s answered 2xx has %d jobs, want exactly 1", event, jobs)
			continue
		}
		if status != "succeeded" {
			t.Errorf("job %s of event %s is %s", jobID, event, status)
		}
		sinkMu.Lock()
		k := delivered[jobID+".deliver"]
		sinkMu.Unlock()
		if k < 1 {
			t.Errorf("job %s never reached the sink", jobID)
		}
	}
	var orphans int
	fatalIf(t, db.QueryRow(`SELECT COUNT(*) FROM events e WHERE (SELECT COUNT(*) FROM jobs j WHERE j.event_id = e.id) != 1`).Scan(&orphans), "orphans")
	if orphans != 0 {
		t.Errorf("%d stored events do not have exactly one job", orphans)
	}
}

func openDB(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "patchbay.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	fatalIf(t, err, "open database")
	t.Cleanup(func() { db.Close() })
	return db
}

func countWhere(t *testing.T, dir, where string) int {
	t.Helper()
	return countRows(t, dir, `SELECT COUNT(*) FROM jobs WHERE `+where)
}
