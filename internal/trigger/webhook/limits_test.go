package webhook_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/trigger/webhook"
)

// handlerFor stores a started webhook recipe with trigger (event "order")
// and returns a handler for it, served on loopback like the real mux.
func handlerFor(tb testing.TB, trig recipe.Trigger, budget *webhook.IntakeBudget) (*webhook.Handler, string) {
	tb.Helper()
	h := handlerOf(tb, trig)
	h.Intake = budget
	mux := http.NewServeMux()
	mux.Handle("/webhooks/rest/{token}/{event}", h)
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return h, srv.URL + "/webhooks/rest/" + token + "/order"
}

type answer struct {
	status     int
	retryAfter string
	body       string
}

func send(t *testing.T, url string, body string, header ...string) answer {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Retry-After"), string(b)}
}

func jobs(t *testing.T, h *webhook.Handler) int {
	t.Helper()
	n, err := h.Store.CountJobs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// stalledUpload opens a connection, declares a body of declared bytes and
// sends only sent of them; the server holds the request until close.
func stalledUpload(t *testing.T, url string, declared, sent int) net.Conn {
	t.Helper()
	host := strings.TrimPrefix(url, "http://")
	host, path, _ := strings.Cut(host, "/")
	c, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	// Closed before the test server's Close, which waits for open requests.
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST /%s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, host, declared)
	c.Write(bytes.Repeat([]byte(" "), sent))
	return c
}

// Bodies are not allocated by their declared length: 200 requests that
// declare nearly 1 MiB and send 1 KiB hold far less than 200 MiB.
func TestBodyMemoryFollowsBytesReceived(t *testing.T) {
	h, url := handlerFor(t, recipe.Trigger{}, webhook.NewIntakeBudget(1<<30))
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	const clients = 200
	var conns []net.Conn
	for i := 0; i < clients; i++ {
		conns = append(conns, stalledUpload(t, url, 1<<20-1, 1024))
	}
	// Every request is in the handler once the budget has its declared bytes.
	deadline := time.Now().Add(10 * time.Second)
	for h.Intake.InUse() < clients*(1<<20-1) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d bytes taken from the budget", h.Intake.InUse())
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // let the handlers read what was sent
	runtime.GC()
	var during runtime.MemStats
	runtime.ReadMemStats(&during)
	grew := int64(during.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("heap grew %d KiB for %d requests declaring 1 MiB each", grew>>10, clients)
	if grew > 40<<20 {
		t.Fatalf("heap grew %d MiB for %d stalled 1 MiB requests that sent 1 KiB each: bodies are allocated by declared length", grew>>20, clients)
	}
	for _, c := range conns {
		c.Close()
	}
	waitBudget(t, h, 0)
}

func waitBudget(t *testing.T, h *webhook.Handler, want int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for h.Intake.InUse() != want {
		if time.Now().After(deadline) {
			t.Fatalf("budget holds %d bytes, want %d", h.Intake.InUse(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Past the intake budget a request is answered 503 with Retry-After, and
// stores nothing; the budget is whole again once requests end.
func TestIntakeBudgetAnswers503(t *testing.T) {
	h, url := handlerFor(t, recipe.Trigger{}, webhook.NewIntakeBudget(1<<20))
	a := stalledUpload(t, url, 400<<10, 10)
	b := stalledUpload(t, url, 400<<10, 10)
	waitBudget(t, h, 800<<10)
	big := `{"pad": "` + strings.Repeat("x", 300<<10) + `"}`
	got := send(t, url, big)
	if got.status != 503 || got.retryAfter == "" || !strings.Contains(got.body, "intake_overloaded") {
		t.Fatalf("over the budget: %+v, want 503 with Retry-After", got)
	}
	// A small webhook still fits beside them.
	if got := send(t, url, `{"small": true}`); got.status != 200 {
		t.Fatalf("small webhook: %+v", got)
	}
	a.Close()
	b.Close()
	waitBudget(t, h, 0)
	if got := send(t, url, big); got.status != 200 {
		t.Fatalf("after the others ended: %+v", got)
	}
	if n := jobs(t, h); n != 2 {
		t.Fatalf("%d jobs, want 2 (the refused request stores nothing)", n)
	}
}

// A body of unknown length (chunked) is charged as its buffer grows.
func TestIntakeBudgetChunkedBody(t *testing.T) {
	h, url := handlerFor(t, recipe.Trigger{}, webhook.NewIntakeBudget(1<<20))
	post := func(n int) int {
		body := io.MultiReader(strings.NewReader(`{"pad": "`), strings.NewReader(strings.Repeat("x", n)), strings.NewReader(`"}`))
		req, _ := http.NewRequest("POST", url, body) // no length: chunked
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 503 && resp.Header.Get("Retry-After") == "" {
			t.Fatal("503 without Retry-After")
		}
		return resp.StatusCode
	}
	if got := post(300 << 10); got != 200 {
		t.Fatalf("300 KiB chunked: %d", got)
	}
	if got := post(3 << 20); got != 503 {
		t.Fatalf("3 MiB chunked with a 1 MiB budget: %d, want 503", got)
	}
	waitBudget(t, h, 0)
	// Within the budget, the body limit still holds for a chunked body,
	// and a body of exactly the limit is taken.
	h.Intake = webhook.NewIntakeBudget(16 << 20)
	h.MaxBodyBytes = 200 << 10
	if got := post(300 << 10); got != 413 {
		t.Fatalf("300 KiB chunked over a 200 KiB limit: %d, want 413", got)
	}
	if got := post(200<<10 - len(`{"pad": ""}`)); got != 200 {
		t.Fatalf("a chunked body of exactly the limit: %d, want 200", got)
	}
	waitBudget(t, h, 0)
}

// burst+N quick requests: exactly N answered 429 with Retry-After, and
// nothing stored for them.
func TestRateLimitPerEvent(t *testing.T) {
	h, url := handlerFor(t, recipe.Trigger{RateLimit: &recipe.RateLimit{PerSecond: 0.01, Burst: 5}}, nil)
	h.RateLimit = recipe.RateLimit{PerSecond: 1000} // the trigger's own limit wins
	limited := 0
	for i := 0; i < 5+7; i++ {
		got := send(t, url, fmt.Sprintf(`{"n": %d}`, i))
		switch got.status {
		case 200:
		case 429:
			limited++
			if got.retryAfter == "" || got.retryAfter == "0" || !strings.Contains(got.body, `"rate_limited"`) {
				t.Fatalf("429 %+v: want Retry-After >= 1 and a JSON error", got)
			}
		default:
			t.Fatalf("request %d: %+v", i, got)
		}
	}
	if limited != 7 {
		t.Fatalf("%d answered 429, want 7", limited)
	}
	if n := jobs(t, h); n != 5 {
		t.Fatalf("%d jobs, want 5", n)
	}
}

// The server-wide default limits an event whose trigger sets none.
func TestRateLimitServerDefault(t *testing.T) {
	h, url := handlerFor(t, recipe.Trigger{}, nil)
	h.RateLimit = recipe.RateLimit{PerSecond: 0.5, Burst: 2}
	var statuses []int
	for i := 0; i < 4; i++ {
		got := send(t, url, `{}`)
		statuses = append(statuses, got.status)
		if got.status == 429 && got.retryAfter != "2" {
			t.Fatalf("Retry-After %q at 0.5/s, want 2", got.retryAfter)
		}
	}
	if fmt.Sprint(statuses) != "[200 200 429 429]" {
		t.Fatalf("statuses %v", statuses)
	}
}

// Deduplication by the default headers, a named header, a payload path,
// and not at all when disabled.
func TestDedupeSources(t *testing.T) {
	cases := []struct {
		name      string
		dedupe    *recipe.Dedupe
		first     []string // body, header pairs…
		repeat    []string
		different []string
		wantJobs  int
	}{
		{"default webhook-id", nil, []string{`{}`, "webhook-id", "msg_1"}, []string{`{"x": 1}`, "webhook-id", "msg_1"}, []string{`{}`, "webhook-id", "msg_2"}, 2},
		{"default Idempotency-Key", nil, []string{`{}`, "Idempotency-Key", "k"}, []string{`{}`, "Idempotency-Key", "k"}, []string{`{}`, "Idempotency-Key", "k2"}, 2},
		{"default X-GitHub-Delivery", nil, []string{`{}`, "X-GitHub-Delivery", "g"}, []string{`{}`, "X-GitHub-Delivery", "g"}, []string{`{}`}, 2},
		{"header", &recipe.Dedupe{Header: "X-Delivery"}, []string{`{}`, "X-Delivery", "d1", "webhook-id", "a"}, []string{`{}`, "X-Delivery", "d1", "webhook-id", "b"}, []string{`{}`, "X-Delivery", "d2", "webhook-id", "a"}, 2},
		{"path", &recipe.Dedupe{Path: "data.id"}, []string{`{"data": {"id": 7}}`}, []string{`{"data": {"id": 7, "again": true}}`}, []string{`{"data": {"id": 8}}`}, 2},
		{"disabled", &recipe.Dedupe{Disabled: true}, []string{`{}`, "webhook-id", "m"}, []string{`{}`, "webhook-id", "m"}, []string{`{}`, "webhook-id", "m"}, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, url := handlerFor(t, recipe.Trigger{Dedupe: c.dedupe}, nil)
			first := send(t, url, c.first[0], c.first[1:]...)
			repeat := send(t, url, c.repeat[0], c.repeat[1:]...)
			other := send(t, url, c.different[0], c.different[1:]...)
			if first.status != 200 || repeat.status != 200 || other.status != 200 {
				t.Fatalf("answers %+v %+v %+v", first, repeat, other)
			}
			if c.wantJobs == 2 && repeat.body != first.body {
				t.Fatalf("repeat answered %s, first %s", repeat.body, first.body)
			}
			if other.body == first.body {
				t.Fatalf("a different delivery got the first one's answer %s", other.body)
			}
			if n := jobs(t, h); n != c.wantJobs {
				t.Fatalf("%d jobs, want %d", n, c.wantJobs)
			}
		})
	}
}

// Concurrent copies through the handler make one job and one answer.
func TestDedupeConcurrentCopies(t *testing.T) {
	h, url := handlerFor(t, recipe.Trigger{}, nil)
	var wg sync.WaitGroup
	answers := make([]answer, 50)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = send(t, url, `{"n": 1}`, "webhook-id", "same")
		}()
	}
	wg.Wait()
	for i, a := range answers {
		if a.status != 200 || a.body != answers[0].body {
			t.Fatalf("copy %d answered %+v, copy 0 %+v", i, a, answers[0])
		}
	}
	if n := jobs(t, h); n != 1 {
		t.Fatalf("%d jobs, want 1", n)
	}
}
