package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
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

// The crash test: 5,000 webhooks from 32 senders while the server is
// SIGKILLed three times at random moments and restarted on the same data
// folder, with the default 30s job lease. Every webhook answered 2xx has
// exactly one job, every job succeeds, the sink saw every job's
// Idempotency-Key (a step in flight at a kill may reach it twice, with the
// same key), and each restart takes back the dead process's running jobs
// within seconds (printed: the recovery time).
const (
	crashWebhooks = 5000
	crashSenders  = 32
	crashKills    = 3
)

// TestCrashLosesNothing is the crash test above.
func TestCrashLosesNothing(t *testing.T) {
	// Not parallel: it kills processes and restarts one on a fixed address.
	bin := patchbayBinary(t)
	dir := t.TempDir()
	began := time.Now()

	// The sink counts deliveries by Idempotency-Key (one key per job step);
	// it is slow enough that jobs are in flight when a kill comes.
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

	// The default lease: recovery must not lean on a short one.
	lease := []string{"--job-lease", "30s"}
	p := startProcess(t, bin, dir, "", lease...)
	token := createToken(t, dir)
	s := &server{t: t, URL: p.url, DataDir: dir, Token: token, logs: p.logs}
	s.startRecipe(map[string]any{
		"name": "crash", "trigger": map[string]any{"type": "webhook", "event": "crash"},
		"steps": []any{map[string]any{"id": "deliver", "method": "POST", "url": sink.URL, "body": map[string]any{"n": "{{trigger.n}}"}}},
	})
	// Each restart listens on a port of its own: the senders post to the
	// URL of the server now running.
	var hook atomic.Pointer[string]
	first := s.webhookBase() + "/crash"
	hook.Store(&first)

	// Each sender posts its share of the webhooks, each until it is
	// answered 2xx, as a sender that retries would: a refused connection
	// (the server is down) or a cut answer is tried again. A webhook
	// stored whose answer the kill cut is stored twice, as two events
	// each with its own job; the test counts them.
	var accMu sync.Mutex
	accepted := map[string]string{} // event id -> job id
	var answered, resent atomic.Int64
	ctx, stop := context.WithTimeout(context.Background(), 90*time.Second)
	defer stop()
	var wg sync.WaitGroup
	// One kept-alive connection per sender (the default keeps two).
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: crashSenders}}
	for w := 0; w < crashSenders; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for n := w; n < crashWebhooks; n += crashSenders {
				for tries := 0; ctx.Err() == nil; tries++ {
					if tries > 0 {
						resent.Add(1)
						time.Sleep(20 * time.Millisecond)
					}
					resp, err := client.Post(*hook.Load(), "application/json", bytes.NewReader([]byte(fmt.Sprintf(`{"n": %d}`, n))))
					if err != nil {
						continue
					}
					var a struct {
						ID    string `json:"id"`
						JobID string `json:"job_id"`
					}
					derr := json.NewDecoder(resp.Body).Decode(&a)
					resp.Body.Close()
					if resp.StatusCode < 200 || resp.StatusCode > 299 || derr != nil {
						continue
					}
					accMu.Lock()
					accepted[a.ID] = a.JobID
					accMu.Unlock()
					answered.Add(1)
					break
				}
			}
		}(w)
	}

	// Kills at random moments: at random points of the traffic (so that
	// each lands while webhooks arrive and jobs run, however fast this
	// machine is), plus a random few milliseconds.
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0))
	var at []int64
	for len(at) < crashKills {
		at = at[:0]
		for i := 0; i < crashKills; i++ {
			at = append(at, int64(crashWebhooks/10+rng.IntN(crashWebhooks*8/10)))
		}
		slices.Sort(at)
		for i := 1; i < len(at); i++ {
			if at[i]-at[i-1] < crashWebhooks/10 {
				at = at[:0] // too close together: draw again
				break
			}
		}
	}
	db := openDB(t, dir)
	inFlight := map[string]bool{} // jobs running at some kill
	for k, threshold := range at {
		for answered.Load() < threshold {
			if ctx.Err() != nil {
				t.Fatalf("kill %d: only %d webhooks answered", k+1, answered.Load())
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(100)) * time.Millisecond)
		fatalIf(t, p.cmd.Process.Signal(syscall.SIGKILL), "kill patchbay")
		p.cmd.Wait()
		running := jobsWhere(t, db, `status = 'running'`)
		for _, j := range running {
			inFlight[j] = true
		}
		dead := ownersWhere(t, db, `status = 'running'`)
		restart := time.Now()
		old := p.url
		p = startProcess(t, bin, dir, "", lease...)
		ready := time.Since(restart)
		next := strings.Replace(*hook.Load(), old, p.url, 1)
		hook.Store(&next)
		// Taken back: none of the jobs is still held by the dead process
		// (each is finished, or claimed again by the new one).
		heldByDead := `status = 'running' AND owner IN ('` + strings.Join(dead, "','") + `')`
		for len(jobsWhere(t, db, heldByDead)) > 0 {
			if time.Since(restart) > 40*time.Second {
				t.Fatalf("kill %d: jobs still held by the dead process 40s after the restart", k+1)
			}
			time.Sleep(10 * time.Millisecond)
		}
		resumed := time.Since(restart)
		var finished time.Duration
		for len(jobsWhere(t, db, `status != 'succeeded' AND id IN ('`+strings.Join(append(running, ""), "','")+`')`)) > 0 {
			if time.Since(restart) > 40*time.Second {
				t.Fatalf("kill %d: jobs running at the kill unfinished 40s after the restart", k+1)
			}
			time.Sleep(10 * time.Millisecond)
		}
		finished = time.Since(restart)
		t.Logf("kill %d after %d webhooks answered: %d jobs running; restart ready in %s, those jobs taken back after %s and finished after %s",
			k+1, threshold, len(running), ready.Round(time.Millisecond), resumed.Round(time.Millisecond), finished.Round(time.Millisecond))
		if resumed > 10*time.Second {
			t.Errorf("kill %d: the running jobs were taken back %s after the restart; want well under the 30s lease", k+1, resumed)
		}
	}
	wg.Wait()
	sent := time.Since(began)
	if answered.Load() != crashWebhooks {
		t.Fatalf("%d of %d webhooks answered 2xx before the time ran out", answered.Load(), crashWebhooks)
	}

	deadline := time.Now().Add(60 * time.Second)
	for countWhere(t, dir, `status IN ('pending','running')`) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("jobs still unfinished 60s after the last webhook")
		}
		time.Sleep(50 * time.Millisecond)
	}
	ran := time.Since(began)

	accMu.Lock()
	defer accMu.Unlock()
	sinkMu.Lock()
	defer sinkMu.Unlock()
	// Every job and event, read once: the jobs table has no index on
	// event_id, and 5,000 lookups would each scan it.
	type storedJob struct{ id, status string }
	byEvent := map[string][]storedJob{}
	rows, err := db.Query(`SELECT event_id, id, status FROM jobs`)
	fatalIf(t, err, "read jobs")
	for rows.Next() {
		var event string
		var j storedJob
		fatalIf(t, rows.Scan(&event, &j.id, &j.status), "scan job")
		byEvent[event] = append(byEvent[event], j)
	}
	fatalIf(t, rows.Err(), "read jobs")
	rows.Close()
	twice := 0
	for event, jobID := range accepted {
		jobs := byEvent[event]
		if len(jobs) != 1 {
			t.Errorf("event %s answered 2xx has %d jobs, want exactly 1", event, len(jobs))
			continue
		}
		if jobs[0].id != jobID || jobs[0].status != "succeeded" {
			t.Errorf("event %s: job %s is %s; the answer named job %s", event, jobs[0].id, jobs[0].status, jobID)
		}
		switch k := delivered[jobID+".deliver"]; {
		case k < 1:
			t.Errorf("job %s never reached the sink", jobID)
		case k > 1:
			twice++
			if !inFlight[jobID] {
				t.Errorf("job %s reached the sink %d times, yet it was not running at any kill", jobID, k)
			}
		}
	}
	// Events whose answer a kill cut have their one job too.
	eventIDs := column(t, db, `SELECT id FROM events`)
	events := len(eventIDs)
	for _, id := range eventIDs {
		if n := len(byEvent[id]); n != 1 {
			t.Errorf("stored event %s has %d jobs, want exactly 1", id, n)
		}
	}
	if len(byEvent) != events {
		t.Errorf("jobs name %d events, %d are stored", len(byEvent), events)
	}
	t.Logf("%d webhooks answered 2xx (%d requests sent again after a refusal or a cut answer), %d events stored (%d from answers the kills cut), %d jobs in flight at a kill delivered twice with the same key; every webhook answered after %s, every job finished after %s",
		len(accepted), resent.Load(), events, events-len(accepted), twice, sent.Round(time.Millisecond), ran.Round(time.Millisecond))
}

// ownersWhere lists the owners of jobs matching where.
func ownersWhere(t *testing.T, db *sql.DB, where string) []string {
	t.Helper()
	return column(t, db, `SELECT DISTINCT owner FROM jobs WHERE `+where)
}

// jobsWhere lists the ids of jobs matching where.
func jobsWhere(t *testing.T, db *sql.DB, where string) []string {
	t.Helper()
	return column(t, db, `SELECT id FROM jobs WHERE `+where)
}

// column runs a query of one text column and lists its values.
func column(t *testing.T, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(query, args...)
	fatalIf(t, err, "%s", query)
	defer rows.Close()
	var values []string
	for rows.Next() {
		var v string
		fatalIf(t, rows.Scan(&v), "scan %s", query)
		values = append(values, v)
	}
	fatalIf(t, rows.Err(), "%s", query)
	return values
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
