package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// delivery posts one webhook with headers (name, value pairs) and returns
// its status and answer.
func delivery(t *testing.T, url, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	fatalIf(t, err, "build request")
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("post %s: %v", url, err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestWebhookDedupe (issue 10, item 14) against the real server process:
// 100 copies of a delivery sent one after another, 100 sent at once, and
// 100 split by a SIGKILL and restart each make exactly one event and one
// job, and every copy is answered exactly as the first. Another delivery
// id makes a new job; so does the same id after its window.
func TestWebhookDedupe(t *testing.T) {
	t.Parallel()
	bin := patchbayBinary(t)
	dir := t.TempDir()
	p := startProcess(t, bin, dir, "")
	s := &server{t: t, URL: p.url, DataDir: dir, Token: createToken(t, dir), logs: p.logs}
	byDefault := s.createRecipe(map[string]any{"name": "default headers",
		"trigger": map[string]any{"type": "webhook", "event": "dd-default"}, "steps": []any{}})
	byPath := s.createRecipe(map[string]any{"name": "payload path",
		"trigger": map[string]any{"type": "webhook", "event": "dd-path", "dedupe": map[string]any{"path": "data.id", "window": "2s"}},
		"steps":   []any{}})
	for _, id := range []string{byDefault, byPath} {
		s.mustCall(200, "POST", "/api/v1/recipes/"+id+"/start", nil, nil)
	}
	base := s.webhookBase()
	hook, pathHook := base+"/dd-default", base+"/dd-path"

	jobsFor := func(recipeID string) (events, jobs int) {
		events = countRows(t, dir, fmt.Sprintf(`SELECT COUNT(*) FROM events WHERE recipe_id = '%s'`, recipeID))
		jobs = countRows(t, dir, fmt.Sprintf(`SELECT COUNT(*) FROM jobs WHERE recipe_id = '%s'`, recipeID))
		return events, jobs
	}
	// expectOne checks that answers are all the first one, a 200, and that
	// the recipe now has want events and jobs.
	expectOne := func(what string, answers []string, recipeID string, want int) {
		t.Helper()
		for i, a := range answers {
			if a != answers[0] || !strings.Contains(a, `"job_id"`) {
				t.Fatalf("%s: copy %d answered %q, copy 0 %q", what, i, a, answers[0])
			}
		}
		if e, j := jobsFor(recipeID); e != want || j != want {
			t.Fatalf("%s: %d events and %d jobs, want %d of each", what, e, j, want)
		}
	}
	answer := func(url, body string, header ...string) string {
		t.Helper()
		status, b := delivery(t, url, body, header...)
		if status != 200 {
			t.Fatalf("delivery answered %d: %s", status, b)
		}
		return b
	}

	// Sequential copies, by Standard Webhooks' webhook-id.
	var seq []string
	for i := 0; i < 100; i++ {
		seq = append(seq, answer(hook, fmt.Sprintf(`{"copy": %d}`, i), "webhook-id", "msg_sequential"))
	}
	expectOne("100 sequential copies", seq, byDefault, 1)

	// Concurrent copies, by Idempotency-Key: they share group commits.
	conc := make([]string, 100)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			status, b := delivery(t, hook, `{"copy": "at once"}`, "Idempotency-Key", "key-concurrent")
			if status != 200 {
				t.Errorf("concurrent copy answered %d: %s", status, b)
			}
			conc[i] = b
		}()
	}
	close(start)
	wg.Wait()
	expectOne("100 concurrent copies", conc, byDefault, 2)

	// Across a crash and restart, by X-GitHub-Delivery.
	var across []string
	for i := 0; i < 50; i++ {
		across = append(across, answer(hook, `{}`, "X-GitHub-Delivery", "gh-restart"))
	}
	fatalIf(t, p.cmd.Process.Signal(syscall.SIGKILL), "kill patchbay")
	p.cmd.Wait()
	// The restarted server listens on a port of its own; the webhook URLs
	// keep their token and events.
	restarted := startProcess(t, bin, dir, "")
	hook = strings.Replace(hook, p.url, restarted.url, 1)
	pathHook = strings.Replace(pathHook, p.url, restarted.url, 1)
	for i := 0; i < 50; i++ {
		across = append(across, answer(hook, `{}`, "X-GitHub-Delivery", "gh-restart"))
	}
	expectOne("100 copies across a restart", across, byDefault, 3)

	// Another id is another delivery.
	if other := answer(hook, `{}`, "webhook-id", "msg_other"); other == seq[0] {
		t.Fatal("another webhook-id was answered as a repeat")
	}
	if e, j := jobsFor(byDefault); e != 4 || j != 4 {
		t.Fatalf("after another id: %d events, %d jobs, want 4", e, j)
	}

	// By payload path, with a 2s window.
	first := answer(pathHook, `{"data": {"id": "evt_1", "n": 1}}`)
	if again := answer(pathHook, `{"data": {"id": "evt_1", "n": 2}}`); again != first {
		t.Fatalf("repeat by data.id answered %q, first %q", again, first)
	}
	if other := answer(pathHook, `{"data": {"id": "evt_2"}}`); other == first {
		t.Fatal("another data.id was answered as a repeat")
	}
	time.Sleep(2100 * time.Millisecond)
	if later := answer(pathHook, `{"data": {"id": "evt_1"}}`); later == first {
		t.Fatal("a copy after the window was answered as a repeat")
	}
	if e, j := jobsFor(byPath); e != 3 || j != 3 {
		t.Fatalf("path recipe: %d events, %d jobs, want 3", e, j)
	}
}
