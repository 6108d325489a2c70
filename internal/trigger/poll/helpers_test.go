package poll

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/mccutchen/go-httpbin/v2/httpbin"

	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/step/httprequest"
)

// executor is the production executor with the production guarded
// client, loopback allowed because every target here is in process (as
// in the httprequest tests).
func executor() *httprequest.Executor {
	return &httprequest.Executor{Client: httpx.NewClient(httpx.ClientOptions{AllowPrivateNetworks: true})}
}

// bin is go-httpbin in process: a real server for the cases that need
// status codes, delays or odd bodies rather than a list.
func bin(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(httpbin.New())
	t.Cleanup(s.Close)
	return s
}

func mustCompile(t *testing.T, tr recipe.Trigger) *Poller {
	t.Helper()
	tr.Type = recipe.TriggerPolling
	p, err := Compile(tr)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return p
}

func mustPoll(t *testing.T, p *Poller, cursor string) Result {
	t.Helper()
	res, err := p.Poll(context.Background(), executor(), nil, cursor)
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	return res
}

// pollError polls expecting a failure and returns it.
func pollError(t *testing.T, p *Poller, cursor string) (Result, *Error) {
	t.Helper()
	res, err := p.Poll(context.Background(), executor(), nil, cursor)
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("Poll error = %v (%T), want a *poll.Error", err, err)
	}
	return res, pe
}

func ids(records []Record) string {
	out := make([]string, len(records))
	for i, r := range records {
		out[i] = r.ID
	}
	return strings.Join(out, ",")
}

func wantIDs(t *testing.T, res Result, want string) {
	t.Helper()
	if got := ids(res.Records); got != want {
		t.Fatalf("record ids = %s, want %s", got, want)
	}
}

func intp(n int) *int { return &n }

// newJSONServer serves body() as JSON on every request, one at a time.
func newJSONServer(t *testing.T, body func() any) *httptest.Server {
	t.Helper()
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		writeJSON(w, body())
	}))
	t.Cleanup(srv.Close)
	return srv
}
