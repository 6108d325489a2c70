// Package e2e drives a real patchbay server — real listener, real SQLite
// file in a temporary folder — through its public surfaces, against real
// HTTP servers on loopback (go-httpbin run in-process).
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mccutchen/go-httpbin/v2/httpbin"

	"github.com/patchbay/patchbay/internal/app"
	"github.com/patchbay/patchbay/internal/cli"
	"github.com/patchbay/patchbay/internal/client"
	"github.com/patchbay/patchbay/internal/config"
)

// server is a patchbay under test.
type server struct {
	t       *testing.T
	app     *app.App
	URL     string
	DataDir string
	Token   string
	logs    *syncBuffer
}

// syncBuffer collects the server's logs so tests can search them.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type option func(*config.Config)

// startServer starts patchbay in-process on a random port with a fresh
// data folder, and creates an API token with the real CLI command.
func startServer(t *testing.T, opts ...option) *server {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = dir
	cfg.AllowPrivateNetworks = true
	cfg.RetryBase = 200 * time.Millisecond
	cfg.ShutdownTimeout = 2 * time.Second
	cfg.LogLevel = "debug"
	for _, o := range opts {
		o(&cfg)
	}
	return startServerWith(t, cfg)
}

func startServerWith(t *testing.T, cfg config.Config) *server {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// The server listens first; its base URL (webhook URLs are built from
	// it) comes from the address it is bound to, so parallel tests never
	// race for a port.
	cfg.BaseURL = ""
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	ln, err := app.Listen(&cfg)
	if err != nil {
		t.Fatalf("start patchbay: %v", err)
	}
	a, err := app.New(context.Background(), cfg, log)
	if err != nil {
		ln.Close()
		t.Fatalf("start patchbay: %v", err)
	}
	if err := a.StartOn(context.Background(), ln); err != nil {
		t.Fatalf("start patchbay: %v", err)
	}
	s := &server{t: t, app: a, URL: "http://" + a.Addr(), DataDir: cfg.DataDir, logs: logs}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Stop(ctx); err != nil {
			t.Errorf("stop patchbay: %v", err)
		}
	})
	s.Token = createToken(t, cfg.DataDir)
	return s
}

// createToken runs `patchbay token create` against the data folder.
func createToken(t *testing.T, dir string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := cli.Run(context.Background(), []string{"token", "create", "--data-dir", dir, "--name", "e2e"}, &out, &errb); code != 0 {
		t.Fatalf("token create: exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return lines[len(lines)-1]
}

// call makes an API call and decodes the answer into out (if not nil).
// It returns the status code.
func (s *server) call(method, path string, body any, out any) int {
	s.t.Helper()
	status, raw := s.raw(method, path, body, s.Token)
	if out != nil && len(raw) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			s.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return status
}

func (s *server) raw(method, path string, body any, token string) (int, []byte) {
	s.t.Helper()
	c := &client.Client{BaseURL: s.URL, Token: token}
	if strings.HasPrefix(path, "http") {
		c.BaseURL = ""
	}
	status, raw, err := c.Raw(context.Background(), method, path, body)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	return status, raw
}

// client is the API client of the test's token. New tests use it.
func (s *server) client() *client.Client {
	return &client.Client{BaseURL: s.URL, Token: s.Token}
}

// mustCall fails the test unless the call answers want.
func (s *server) mustCall(want int, method, path string, body any, out any) {
	s.t.Helper()
	var raw json.RawMessage
	got := s.call(method, path, body, &raw)
	if got != want {
		s.t.Fatalf("%s %s = %d, want %d: %s", method, path, got, want, raw)
	}
	if out != nil {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			s.t.Fatalf("decode: %v", err)
		}
	}
}

// workspace returns the webhook base URL.
func (s *server) webhookBase() string {
	s.t.Helper()
	ws, err := s.client().Workspace(context.Background())
	fatalIf(s.t, err, "GET /api/v1/workspace")
	if len(ws.WebhookToken) != 36 {
		s.t.Fatalf("webhook token %q is not 36 characters", ws.WebhookToken)
	}
	return ws.WebhookBaseURL
}

// jobDoc is the job document as tests read it.
type jobDoc struct {
	ID         string                           `json:"id"`
	RecipeID   string                           `json:"recipe_id"`
	EventID    string                           `json:"event_id"`
	Status     string                           `json:"status"`
	Error      *string                          `json:"error"`
	FinishedAt *string                          `json:"finished_at"`
	Trigger    struct{ Output json.RawMessage } `json:"trigger"`
	Steps      []struct {
		ID       string `json:"id"`
		Status   string `json:"status"`
		Attempts int    `json:"attempts"`
		Input    struct {
			Method  string            `json:"method"`
			URL     string            `json:"url"`
			Headers map[string]string `json:"headers"`
			Body    json.RawMessage   `json:"body"`
		} `json:"input"`
		Output *struct {
			Status  int               `json:"status"`
			Headers map[string]string `json:"headers"`
			Body    json.RawMessage   `json:"body"`
		} `json:"output"`
		Error *string `json:"error"`
	} `json:"steps"`
}

// waitJob polls until the job has finished.
func (s *server) waitJob(id string) jobDoc {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var j jobDoc
		s.mustCall(200, "GET", "/api/v1/jobs/"+id, nil, &j)
		if j.Status == "succeeded" || j.Status == "failed" {
			return j
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("job %s still %s after 30s", id, j.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// createRecipe posts a recipe document and returns its id.
func (s *server) createRecipe(doc any) string {
	s.t.Helper()
	r, err := s.client().CreateRecipe(context.Background(), doc)
	fatalIf(s.t, err, "POST /api/v1/recipes")
	return r.ID
}

// startRecipe creates a recipe, starts it, fails the test unless it is
// then started, and returns its id.
func (s *server) startRecipe(doc any) string {
	s.t.Helper()
	id := s.createRecipe(doc)
	var r struct{ State string }
	s.mustCall(200, "POST", "/api/v1/recipes/"+id+"/start", nil, &r)
	if r.State != "started" {
		s.t.Fatalf("recipe %s: state after start = %q", id, r.State)
	}
	return id
}

// httpbinServer runs go-httpbin in-process on loopback.
func httpbinServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(httpbin.New())
	t.Cleanup(srv.Close)
	return srv
}

func fatalIf(t *testing.T, err error, what string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(what, args...), err)
	}
}

// acceptWebhook posts a webhook, fails the test unless it is answered 200,
// and returns the event and job ids of the answer.
func acceptWebhook(t *testing.T, url, contentType string, body io.Reader) (eventID, jobID string) {
	t.Helper()
	resp, err := http.Post(url, contentType, body)
	fatalIf(t, err, "post webhook")
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a struct {
		ID    string `json:"id"`
		JobID string `json:"job_id"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(raw, &a) != nil || a.JobID == "" {
		t.Fatalf("webhook %s answered %d: %s", url, resp.StatusCode, raw)
	}
	return a.ID, a.JobID
}

// countRows runs a COUNT query on the server's SQLite file, read-only.
func countRows(t *testing.T, dir, query string) int {
	t.Helper()
	var n int
	fatalIf(t, openDB(t, dir).QueryRow(query).Scan(&n), "%s", query)
	return n
}

// datatree is the datatree of a recipe as the API returns it.
type datatree struct {
	Trigger []treeField            `json:"trigger"`
	Steps   map[string][]treeField `json:"steps"`
}

// treeField is one field of a datatree.
type treeField struct {
	Path   string      `json:"path"`
	Type   string      `json:"type"`
	Sample any         `json:"sample"`
	Fields []treeField `json:"fields"`
}

// waitFor polls cond every 10ms until it holds, failing the test after 20s
// (a deadline for a broken build, not a timing assumption).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
