package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Every API route and the webhook endpoint, fed malformed and truncated
// JSON, wrong types, unknown fields, huge bodies, ids with ../, 10,000
// steps and 1 MB names: each answer is a 4xx whose JSON error says what
// and where, the server stays healthy, and nothing is stored by a refused
// request.
func TestBadInputOnEveryRoute(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	recipeID := s.startRecipe(map[string]any{"name": "target", "trigger": map[string]any{"type": "webhook", "event": "target", "payload_type": "json"}, "steps": []any{}})
	var conn struct {
		ID string `json:"id"`
	}
	s.mustCall(201, "POST", "/api/v1/connections", map[string]any{"name": "target", "type": "http"}, &conn)
	eventID, jobID := acceptWebhook(t, s.webhookBase()+"/target", "application/json", strings.NewReader(`{"a": 1}`))
	_ = eventID
	s.waitJob(jobID)

	counts := func() string {
		return fmt.Sprint(
			countRows(t, s.DataDir, `SELECT COUNT(*) FROM recipes`),
			countRows(t, s.DataDir, `SELECT COUNT(*) FROM connections`),
			countRows(t, s.DataDir, `SELECT COUNT(*) FROM events`),
			countRows(t, s.DataDir, `SELECT COUNT(*) FROM jobs`),
			countRows(t, s.DataDir, `SELECT COALESCE(SUM(version), 0) FROM recipes`),
			countRows(t, s.DataDir, `SELECT COALESCE(SUM(version), 0) FROM connections`))
	}
	before := counts()

	manySteps := make([]any, 10000)
	for i := range manySteps {
		manySteps[i] = map[string]any{"id": fmt.Sprintf("s%d", i), "method": "GET", "url": "https://example.com/"}
	}
	hugeName := strings.Repeat("n", 1<<20)
	type badBody struct {
		name  string
		body  []byte
		where string // a word the message must hold: the place of the problem
	}
	common := []badBody{
		{"malformed", []byte(`{"name": "x",, }`), ""},
		{"truncated", []byte(`{"name": "x", "trigger": {"type": "web`), ""},
		{"not an object", []byte(`[1, 2, 3]`), ""},
		{"huge body", bytes.Repeat([]byte(" "), 6<<20), ""},
	}
	recipeBodies := append([]badBody{
		{"wrong type", []byte(`{"name": 5, "trigger": {"type": "manual"}, "steps": []}`), "name"},
		{"unknown field", []byte(`{"name": "x", "trigger": {"type": "manual"}, "steps": [], "colour": "red"}`), "colour"},
		{"nested wrong type", []byte(`{"name": "x", "trigger": {"type": "manual"}, "steps": "all"}`), "steps"},
		{"10,000 steps", mustJSON(t, map[string]any{"name": "many", "trigger": map[string]any{"type": "manual"}, "steps": manySteps}), "steps"},
		{"1 MB name", mustJSON(t, map[string]any{"name": hugeName, "trigger": map[string]any{"type": "manual"}, "steps": []any{}}), "name"},
	}, common...)
	connectionBodies := append([]badBody{
		{"wrong type", []byte(`{"name": 5, "type": "http"}`), "name"},
		{"unknown field", []byte(`{"name": "x", "type": "http", "colour": "red"}`), "colour"},
		{"nested wrong type", []byte(`{"name": "x", "type": "http", "auth": "basic"}`), "auth"},
		{"1 MB name", mustJSON(t, map[string]any{"name": hugeName, "type": "http"}), "name"},
	}, common...)
	smallBodies := append([]badBody{
		{"unknown field", []byte(`{"colour": "red"}`), "colour"},
	}, common...)
	routes := []struct {
		method, path string
		bodies       []badBody
	}{
		{"POST", "/api/v1/recipes", recipeBodies},
		{"PUT", "/api/v1/recipes/" + recipeID, recipeBodies},
		{"POST", "/api/v1/recipes/" + recipeID + "/test", smallBodies},
		{"POST", "/api/v1/recipes/" + recipeID + "/example-from-job", append([]badBody{
			{"wrong type", []byte(`{"job_id": 5}`), "job_id"}}, smallBodies...)},
		{"POST", "/api/v1/connections", connectionBodies},
		{"PUT", "/api/v1/connections/" + conn.ID, connectionBodies},
	}
	for _, rt := range routes {
		for _, b := range rt.bodies {
			status, msg := s.rawError(rt.method, rt.path, b.body)
			if status < 400 || status > 499 {
				t.Errorf("%s %s with %s: %d %s, want a 4xx", rt.method, rt.path, b.name, status, msg)
				continue
			}
			if msg == "" {
				t.Errorf("%s %s with %s: %d without a message", rt.method, rt.path, b.name, status)
			}
			if b.where != "" && !strings.Contains(msg, b.where) {
				t.Errorf("%s %s with %s: %q does not say where (%s)", rt.method, rt.path, b.name, truncate(msg), b.where)
			}
		}
	}

	// Ids with ../ and other odd ids on every route that takes one.
	for _, id := range []string{"..%2F..%2Fetc%2Fpasswd", "%2e%2e", strings.Repeat("x", 5000), "nope", "%00"} {
		for _, rt := range []struct{ method, path string }{
			{"GET", "/api/v1/recipes/" + id}, {"PUT", "/api/v1/recipes/" + id}, {"DELETE", "/api/v1/recipes/" + id},
			{"POST", "/api/v1/recipes/" + id + "/start"}, {"POST", "/api/v1/recipes/" + id + "/stop"},
			{"POST", "/api/v1/recipes/" + id + "/test"}, {"POST", "/api/v1/recipes/" + id + "/run"},
			{"POST", "/api/v1/recipes/" + id + "/capture"}, {"GET", "/api/v1/recipes/" + id + "/jobs"},
			{"GET", "/api/v1/connections/" + id}, {"PUT", "/api/v1/connections/" + id},
			{"DELETE", "/api/v1/connections/" + id}, {"POST", "/api/v1/connections/" + id + "/test"},
			{"GET", "/api/v1/jobs/" + id}, {"POST", "/api/v1/jobs/" + id + "/rerun"}, {"GET", "/api/v1/blobs/" + id},
		} {
			body := []byte(`{"name": "x", "trigger": {"type": "manual"}, "steps": []}`)
			if rt.method == "GET" || rt.method == "DELETE" {
				body = nil
			}
			status, msg := s.rawError(rt.method, rt.path, body)
			if status < 400 || status > 499 || msg == "" {
				t.Errorf("%s %s: %d %q, want a 4xx with a message", rt.method, truncate(rt.path), status, truncate(msg))
			}
		}
	}

	// Query parameters of the job list.
	for _, q := range []string{"limit=abc", "limit=-1", "limit=100000000000000000000", "status=bogus", "cursor=%00%ff", "cursor=" + strings.Repeat("z", 5000)} {
		status, msg := s.rawError("GET", "/api/v1/recipes/"+recipeID+"/jobs?"+q, nil)
		if status != 200 && (status < 400 || status > 499 || msg == "") {
			t.Errorf("job list ?%s: %d %q", truncate(q), status, msg)
		}
	}

	// The webhook endpoint.
	for _, b := range recipeBodies {
		resp, err := http.Post(s.webhookBase()+"/target", "application/json", bytes.NewReader(b.body))
		fatalIf(t, err, "webhook")
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 && json.Valid(b.body) {
			continue // any JSON value is a payload the webhook takes
		}
		if resp.StatusCode < 400 || resp.StatusCode > 499 || !strings.Contains(string(raw), "message") {
			t.Errorf("webhook with %s: %d %s, want a 4xx with a message", b.name, resp.StatusCode, truncate(string(raw)))
		}
	}
	// Accepted JSON payloads above started jobs; they are the only writes.
	if got := countRows(t, s.DataDir, `SELECT COUNT(*) FROM jobs`) - countRows(t, s.DataDir, `SELECT COUNT(*) FROM events`); got != 0 {
		t.Errorf("%d jobs without their event", got)
	}

	status, _ := s.raw("GET", "/healthz", nil, "")
	if status != 200 {
		t.Fatalf("healthz after the bad input: %d", status)
	}
	// Nothing from the API was stored: recipes, connections, versions as before.
	after := counts()
	if strings.Fields(before)[0] != strings.Fields(after)[0] || strings.Fields(before)[1] != strings.Fields(after)[1] ||
		strings.Fields(before)[4] != strings.Fields(after)[4] || strings.Fields(before)[5] != strings.Fields(after)[5] {
		t.Fatalf("rows changed by refused requests: recipes, connections, events, jobs, versions %s -> %s", before, after)
	}
}

// rawError sends a raw body and answers the status and the error message
// followed by the paths of its details.
func (s *server) rawError(method, path string, body []byte) (int, string) {
	s.t.Helper()
	status, raw := s.raw(method, path, body, s.Token)
	var e struct {
		Error struct {
			Message string `json:"message"`
			Details []struct {
				Path string `json:"path"`
			} `json:"details"`
		} `json:"error"`
	}
	json.Unmarshal(raw, &e)
	msg := e.Error.Message
	for _, d := range e.Error.Details {
		msg += " " + d.Path
	}
	return status, msg
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	fatalIf(t, err, "encode")
	return b
}

func truncate(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// A new recipe or connection whose secret reads "set" (a read document
// sent back as a new one) is refused with the secret's path: there is no
// stored secret for the word to stand for, and storing it would break
// verification or auth without a word.
func TestNewDocumentsCannotStoreTheSetMarker(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	status, msg := s.rawError("POST", "/api/v1/recipes", mustJSON(t, map[string]any{"name": "copied",
		"trigger": map[string]any{"type": "webhook", "event": "copied", "payload_type": "json",
			"verify": map[string]any{"scheme": "hmac-sha256", "header": "X-Signature", "secret": "set"}},
		"steps": []any{}}))
	if status != 422 || !strings.Contains(msg, "trigger.verify.secret") {
		t.Fatalf("recipe with secret \"set\": %d %q, want 422 at trigger.verify.secret", status, msg)
	}
	status, msg = s.rawError("POST", "/api/v1/connections", mustJSON(t, map[string]any{"name": "copied", "type": "http",
		"auth": map[string]any{"type": "header", "headers": map[string]any{"X-Api-Key": "set"}}}))
	if status != 422 || !strings.Contains(msg, "auth.headers.X-Api-Key") {
		t.Fatalf("connection with header secret \"set\": %d %q, want 422 at auth.headers.X-Api-Key", status, msg)
	}
	if n := countRows(t, s.DataDir, `SELECT COUNT(*) FROM recipes`) + countRows(t, s.DataDir, `SELECT COUNT(*) FROM connections`); n != 0 {
		t.Fatalf("%d documents stored", n)
	}
}
