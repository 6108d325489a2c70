package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/patchbay/patchbay/internal/apiview"
)

// fakeAPI is a stand-in for the patchbay server: it records the requests
// the client makes and answers with canned JSON. The real server is
// exercised by the end-to-end tests elsewhere; these tests only pin down
// what the client sends and how it prints the answers.
type fakeAPI struct {
	t      *testing.T
	mu     sync.Mutex
	routes map[string]fakeAnswer // "METHOD /path?query" or "METHOD /path"
	reqs   []fakeRequest
}

type fakeAnswer struct {
	status int
	body   string
}

type fakeRequest struct {
	Method, Path, Query, Auth string
	Body                      []byte
}

func newFakeAPI(t *testing.T) (*fakeAPI, *httptest.Server) {
	f := &fakeAPI{t: t, routes: map[string]fakeAnswer{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeAPI) on(route string, status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[route] = fakeAnswer{status, body}
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, fakeRequest{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), body})
	a, ok := f.routes[r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery]
	if !ok {
		a, ok = f.routes[r.Method+" "+r.URL.Path]
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":{"code":"not_found","message":"no route `+r.Method+" "+r.URL.Path+`"}}`)
		return
	}
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func (f *fakeAPI) requests() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeRequest(nil), f.reqs...)
}

// last returns the last request with the given method.
func (f *fakeAPI) last(method string) fakeRequest {
	f.t.Helper()
	reqs := f.requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method {
			return reqs[i]
		}
	}
	f.t.Fatalf("no %s request; got %+v", method, reqs)
	return fakeRequest{}
}

func fakeEnv(srv *httptest.Server) func(string) string {
	return func(k string) string {
		switch k {
		case "PATCHBAY_SERVER":
			return srv.URL
		case "PATCHBAY_TOKEN":
			return "tok"
		}
		return ""
	}
}

type runFunc func(context.Context, []string, io.Writer, io.Writer, func(string) string) error

func runCmd(t *testing.T, fn runFunc, getenv func(string) string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = fn(context.Background(), args, &out, &errOut, getenv)
	return out.String(), errOut.String(), err
}

func writeTempFile(t *testing.T, name, content string) string {
	t.Helper()
	path := t.TempDir() + "/" + name
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// setStdin feeds text to `recipe apply -f -` for the rest of the test.
func setStdin(t *testing.T, text string) {
	old := recipeStdin
	recipeStdin = strings.NewReader(text)
	t.Cleanup(func() { recipeStdin = old })
}

func decodeJSON(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decoding %s: %v", data, err)
	}
	return m
}

func TestApplyCreatesWhenNameIsNew(t *testing.T) {
	f, srv := newFakeAPI(t)
	f.on("GET /api/v1/recipes", 200, `{"recipes":[{"id":"r_other","name":"other","state":"started"}]}`)
	f.on("POST /api/v1/recipes", 201, `{"id":"r_new","name":"orders","state":"stopped"}`)
	file := writeTempFile(t, "r.json", `{"name":"orders","state":"started","webhook_url":"http://x/hook","datatree":{"a":1},
		"created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z","trigger":{"type":"webhook"},"steps":[]}`)

	out, _, err := runCmd(t, runRecipe, fakeEnv(srv), "apply", "-f", file)
	if err != nil {
		t.Fatal(err)
	}
	if out != "created recipe r_new (orders)\n" {
		t.Errorf("stdout = %q", out)
	}
	post := f.last("POST")
	if post.Auth != "Bearer tok" {
		t.Errorf("Authorization = %q", post.Auth)
	}
	got := decodeJSON(t, post.Body)
	want := decodeJSON(t, []byte(`{"name":"orders","trigger":{"type":"webhook"},"steps":[]}`))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("body = %s, want read-only fields stripped", post.Body)
	}
}

func TestApplyUpdatesExistingName(t *testing.T) {
	f, srv := newFakeAPI(t)
	f.on("GET /api/v1/recipes", 200, `{"recipes":[{"id":"r_1","name":"orders","state":"started"}]}`)
	f.on("PUT /api/v1/recipes/r_1", 200, `{"id":"r_1","name":"orders"}`)
	file := writeTempFile(t, "r.yaml", "name: orders\nstate: started\ntrigger: {type: manual}\nsteps: []\n")

	out, _, err := runCmd(t, runRecipe, fakeEnv(srv), "apply", "-f", file)
	if err != nil {
		t.Fatal(err)
	}
	if out != "updated recipe r_1 (orders)\n" {
		t.Errorf("stdout = %q", out)
	}
	put := f.last("PUT")
	if got := decodeJSON(t, put.Body); !reflect.DeepEqual(got, map[string]any{"name": "orders", "trigger": map[string]any{"type": "manual"}, "steps": []any{}}) {
		t.Errorf("body = %s", put.Body)
	}
	for _, r := range f.requests() {
		if r.Method == "POST" {
			t.Errorf("unexpected POST %s", r.Path)
		}
	}
}

func TestApplyWithIDPutsWithoutLookingUpName(t *testing.T) {
	f, srv := newFakeAPI(t)
	f.on("GET /api/v1/recipes/r_9", 200, `{"id":"r_9","name":"old name"}`)
	f.on("PUT /api/v1/recipes/r_9", 200, `{"id":"r_9","name":"renamed"}`)
	file := writeTempFile(t, "r.yaml", "id: r_9\nname: renamed\n")

	out, _, err := runCmd(t, runRecipe, fakeEnv(srv), "apply", "-f", file)
	if err != nil {
		t.Fatal(err)
	}
	if out != "updated recipe r_9 (renamed)\n" {
		t.Errorf("stdout = %q", out)
	}
	// The recipe is read by its id (to tell an unchanged file), never
	// looked up by name.
	for _, r := range f.requests() {
		if r.Path == "/api/v1/recipes" {
			t.Errorf("requests = %+v, want no lookup by name", f.requests())
		}
	}
	if body := decodeJSON(t, f.last("PUT").Body); body["id"] != nil {
		t.Errorf("id was sent in the body: %v", body)
	}
}

func TestApplyYAMLConversion(t *testing.T) {
	f, srv := newFakeAPI(t)
	f.on("GET /api/v1/recipes", 200, `{"recipes":[]}`)
	f.on("POST /api/v1/recipes", 201, `{"id":"r_2","name":"typed"}`)
	yamlDoc := `name: typed
trigger:
  type: webhook
  payload_example: |
    {
      "order": {"id": 42, "total": 9.5}
    }
steps:
  - id: send
    retries: 3
    timeout_seconds: 2.5
    big: 9007199254740993
    zip: "01234"
    enabled: true
    note: ~
`
	setStdin(t, yamlDoc)

	if _, _, err := runCmd(t, runRecipe, fakeEnv(srv), "apply", "-f", "-"); err != nil {
		t.Fatal(err)
	}
	body := f.last("POST").Body
	got := decodeJSON(t, body)
	trigger := got["trigger"].(map[string]any)
	example, ok := trigger["payload_example"].(string)
	if !ok || example != "{\n  \"order\": {\"id\": 42, \"total\": 9.5}\n}\n" {
		t.Errorf("payload_example = %#v, want the block as a string", trigger["payload_example"])
	}
	step := got["steps"].([]any)[0].(map[string]any)
	for key, want := range map[string]any{
		"retries":         json.Number("3"),
		"timeout_seconds": json.Number("2.5"),
		"big":             json.Number("9007199254740993"),
		"zip":             "01234",
		"enabled":         true,
		"note":            nil,
	} {
		if !reflect.DeepEqual(step[key], want) {
			t.Errorf("%s = %#v, want %#v (body %s)", key, step[key], want, body)
		}
	}
}

func TestExportRoundTrips(t *testing.T) {
	f, srv := newFakeAPI(t)
	stored := `{"id":"r_1","name":"orders","state":"started","webhook_url":"http://localhost:8080/hooks/w/abc",
		"datatree":{"trigger":{"order":{"id":"number"}}},"created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-02T00:00:00Z",
		"trigger":{"type":"webhook","event":"order.created","payload_example":"{\n  \"order\": {\"id\": 1}\n}\n"},
		"steps":[{"id":"send","action":"http","retries":3,"timeout":1.5,"auth":{"password":"set"},
			"input":{"url":"https://example.com/yes","body":"yes"}}]}`
	f.on("GET /api/v1/recipes/r_1", 200, stored)

	out, _, err := runCmd(t, runRecipe, fakeEnv(srv), "export", "r_1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "name: orders\ntrigger:") {
		t.Errorf("export should keep the server's field order:\n%s", out)
	}
	if !strings.Contains(out, "payload_example: |") {
		t.Errorf("multi-line example should be a block scalar:\n%s", out)
	}
	j, err := yaml.YAMLToJSON([]byte(out))
	if err != nil {
		t.Fatalf("export is not YAML: %v\n%s", err, out)
	}
	want := decodeJSON(t, []byte(stored))
	for _, k := range apiview.RecipeServerFieldNames() {
		delete(want, k)
	}
	if got := decodeJSON(t, j); !reflect.DeepEqual(got, want) {
		t.Errorf("export parsed back to\n%v\nwant\n%v\nYAML:\n%s", got, want, out)
	}

	// The JSON form is the same document, and apply of it goes to the
	// same recipe by name.
	outJSON, _, err := runCmd(t, runRecipe, fakeEnv(srv), "export", "-o", "json", "r_1")
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeJSON(t, []byte(outJSON)); !reflect.DeepEqual(got, want) {
		t.Errorf("json export = %s", outJSON)
	}
	f.on("GET /api/v1/recipes", 200, `{"recipes":[{"id":"r_1","name":"orders"}]}`)
	f.on("PUT /api/v1/recipes/r_1", 200, `{"id":"r_1","name":"orders"}`)
	setStdin(t, out)
	if msg, _, err := runCmd(t, runRecipe, fakeEnv(srv), "apply", "-f", "-"); err != nil || msg != "updated recipe r_1 (orders)\n" {
		t.Fatalf("apply of export: %q, %v", msg, err)
	}
	if got := decodeJSON(t, f.last("PUT").Body); !reflect.DeepEqual(got, want) {
		t.Errorf("apply of export sent %v", got)
	}
}

func TestJobsListFollowsCursors(t *testing.T) {
	f, srv := newFakeAPI(t)
	f.on("GET /api/v1/recipes", 200, `{"recipes":[{"id":"r_1","name":"orders"}]}`)
	f.on("GET /api/v1/recipes/r_1/jobs?limit=2&status=failed", 200,
		`{"jobs":[{"id":"j_5","recipe_id":"r_1","status":"failed","created_at":"2024-01-05T00:00:00Z","finished_at":"2024-01-05T00:00:01Z"},
			{"id":"j_4","recipe_id":"r_1","status":"failed","created_at":"2024-01-04T00:00:00Z","finished_at":null}],"next_cursor":"c1"}`)
	f.on("GET /api/v1/recipes/r_1/jobs?cursor=c1&limit=2&status=failed", 200,
		`{"jobs":[{"id":"j_2","recipe_id":"r_1","status":"failed","created_at":"2024-01-02T00:00:00Z","finished_at":"2024-01-02T00:00:09Z"}],"next_cursor":"c2"}`)
	f.on("GET /api/v1/recipes/r_1/jobs?cursor=c2&limit=2&status=failed", 200, `{"jobs":[],"next_cursor":null}`)

	// Flags after the positional argument, and a recipe given by name.
	out, _, err := runCmd(t, runJobs, fakeEnv(srv), "list", "orders", "--status", "failed", "--limit", "2", "--all")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("want header and 3 rows, got:\n%s", out)
	}
	if strings.Join(strings.Fields(lines[0]), " ") != "ID STATUS CREATED FINISHED" {
		t.Errorf("header = %q", lines[0])
	}
	for i, id := range []string{"j_5", "j_4", "j_2"} {
		if !strings.HasPrefix(lines[i+1], id+" ") {
			t.Errorf("row %d = %q, want job %s", i, lines[i+1], id)
		}
	}
	if !strings.Contains(lines[2], "-") || strings.Contains(lines[2], "<nil>") {
		t.Errorf("unfinished job row = %q", lines[2])
	}
	var cursors []string
	for _, r := range f.requests() {
		if strings.HasSuffix(r.Path, "/jobs") {
			cursors = append(cursors, r.Query)
		}
	}
	if len(cursors) != 3 {
		t.Errorf("job list requests = %v, want 3 pages", cursors)
	}

	// Without --all only the first page is fetched, and stderr says so.
	out, errOut, err := runCmd(t, runJobs, fakeEnv(srv), "list", "--status=failed", "--limit=2", "r_1")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Split(strings.TrimSpace(out), "\n")); n != 3 {
		t.Errorf("first page only: got\n%s", out)
	}
	if !strings.Contains(errOut, "--all") {
		t.Errorf("stderr = %q, want a hint about --all", errOut)
	}
}

func TestServerErrorPrintedWithDetails(t *testing.T) {
	f, srv := newFakeAPI(t)
	f.on("GET /api/v1/recipes", 200, `{"recipes":[]}`)
	f.on("POST /api/v1/recipes", 422, `{"error":{"code":"invalid_recipe","message":"recipe is not valid",
		"details":[{"path":"steps[0].url","message":"is required"},{"path":"trigger.type","message":"unknown trigger \"cron2\""}]}}`)
	file := writeTempFile(t, "r.yaml", "name: bad\n")

	out, errOut, err := runCmd(t, runRecipe, fakeEnv(srv), "apply", "-f", file)
	if err == nil {
		t.Fatal("apply succeeded on a 422")
	}
	if out != "" {
		t.Errorf("stdout = %q", out)
	}
	want := "error: recipe is not valid\n  steps[0].url: is required\n  trigger.type: unknown trigger \"cron2\"\n"
	if errOut != want {
		t.Errorf("stderr = %q, want %q", errOut, want)
	}
	if !strings.Contains(err.Error(), "422") {
		t.Errorf("err = %v", err)
	}
	var ue *usageError
	if errors.As(err, &ue) {
		t.Errorf("a server error is not a usage error")
	}
}

func TestNonEnvelopeErrorIsReadable(t *testing.T) {
	f, srv := newFakeAPI(t)
	f.on("GET /api/v1/jobs/j_1", 502, `<html>Bad Gateway</html>`)
	_, errOut, err := runCmd(t, runJobs, fakeEnv(srv), "show", "j_1")
	if err == nil || !strings.Contains(errOut, "502") || !strings.Contains(errOut, "Bad Gateway") {
		t.Errorf("err = %v, stderr = %q", err, errOut)
	}
}

func TestMissingToken(t *testing.T) {
	_, srv := newFakeAPI(t)
	noToken := func(k string) string {
		if k == "PATCHBAY_SERVER" {
			return srv.URL
		}
		return ""
	}
	_, _, err := runCmd(t, runJobs, noToken, "rerun", "j_1")
	want := `no API token: pass --token or set PATCHBAY_TOKEN (create one with "patchbay token create")`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	// --token works in place of the environment.
	_, _, err = runCmd(t, runJobs, noToken, "rerun", "--token", "t2", "j_1")
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("with --token the call should reach the fake server (404), got %v", err)
	}
}

func TestConnectionRefusedNamesServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	_, _, err := runCmd(t, runJobs, func(string) string { return "" }, "show", "j_1", "--server", addr, "--token", "t")
	if err == nil || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("err = %v, want it to name %s", err, addr)
	}
}

func TestJobsShowAndRerun(t *testing.T) {
	f, srv := newFakeAPI(t)
	f.on("GET /api/v1/jobs/j_1", 200, `{"id":"j_1","recipe_id":"r_1","status":"failed",
		"created_at":"2024-01-01T00:00:00Z","started_at":"2024-01-01T00:00:01Z","finished_at":"2024-01-01T00:00:03.5Z",
		"trigger":{"output":{"order":{"id":7}}},
		"steps":[{"id":"send","status":"failed","attempts":3,"duration_ms":1250,
			"input":{"method":"POST","url":"https://example.com/orders","headers":{"Content-Type":"application/json","X-Multi":["a","b"]},"body":"{\"id\":7}"},
			"output":{"status":500,"body":{"error":"boom"}},"error":"HTTP 500"}]}`)
	f.on("POST /api/v1/jobs/j_1/rerun", 201, `{"id":"j_2","recipe_id":"r_1","status":"queued"}`)

	out, _, err := runCmd(t, runJobs, fakeEnv(srv), "show", "j_1", "-o", "text")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"job j_1  failed", "took 2.5s", `"id": 7`,
		"step send  failed  attempts 3  1.25s",
		"request   POST https://example.com/orders",
		"Content-Type: application/json", "X-Multi: a", "X-Multi: b",
		"response  500", `"error": "boom"`, "error     HTTP 500",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text view lacks %q:\n%s", want, out)
		}
	}

	out, _, err = runCmd(t, runJobs, fakeEnv(srv), "show", "j_1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "{\n  \"id\": \"j_1\"") {
		t.Errorf("json view = %s", out)
	}

	out, _, err = runCmd(t, runJobs, fakeEnv(srv), "rerun", "j_1")
	if err != nil {
		t.Fatal(err)
	}
	if out != "rerun of j_1: job j_2 (queued)\n" {
		t.Errorf("rerun stdout = %q", out)
	}
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		fn   runFunc
		args []string
		want string // the start of the message: the command and what is wrong
	}{
		{runRecipe, nil, "recipe: missing subcommand"},
		{runRecipe, []string{"frobnicate"}, `recipe: unknown subcommand "frobnicate"`},
		{runRecipe, []string{"apply"}, "recipe apply: -f FILE is required\nusage: patchbay recipe apply"},
		{runRecipe, []string{"apply", "-f", "x.yaml", "extra"}, `recipe apply: unexpected argument "extra"`},
		{runRecipe, []string{"export"}, "recipe export: want exactly one recipe ID, or --all DIR\nusage: patchbay recipe export"},
		{runRecipe, []string{"export", "--all", "d", "r_1"}, `recipe export: --all DIR takes no recipe ID (got "r_1")`},
		{runRecipe, []string{"export", "-o", "xml", "r_1"}, `recipe export: -o must be yaml or json, not "xml"`},
		{runJobs, []string{"list"}, "jobs list: want exactly one recipe id or name\nusage: patchbay jobs list"},
		{runJobs, []string{"list", "r", "--limit", "-1"}, "jobs list: --limit must not be negative"},
		{runJobs, []string{"show", "a", "b"}, "jobs show: want exactly one job ID\nusage: patchbay jobs show"},
		{runJobs, []string{"show", "-o", "xml", "j_1"}, `jobs show: -o must be json or text, not "xml"`},
		{runJobs, []string{"rerun"}, "jobs rerun: want exactly one job ID\nusage: patchbay jobs rerun"},
		{runJobs, []string{"list", "r", "--nope"}, "jobs list: flag provided but not defined: -nope"},
	}
	for _, c := range cases {
		_, _, err := runCmd(t, c.fn, func(string) string { return "" }, c.args...)
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: err = %v, want a usage error", c.args, err)
			continue
		}
		if !strings.HasPrefix(ue.msg, c.want) {
			t.Errorf("%v: usage error %q, want it to start with %q", c.args, ue.msg, c.want)
		}
	}
}

func TestParseArgsInterspersed(t *testing.T) {
	fs := newFlagSet("x")
	all := fs.Bool("all", false, "")
	limit := fs.Int("limit", 0, "")
	pos, err := parseArgs(fs, []string{"--limit", "5", "a", "--all", "b", "--", "--c"})
	if err != nil {
		t.Fatal(err)
	}
	if !*all || *limit != 5 || !reflect.DeepEqual(pos, []string{"a", "b", "--c"}) {
		t.Errorf("all=%v limit=%d pos=%q", *all, *limit, pos)
	}
}

func TestHelpDoesNotPrintToken(t *testing.T) {
	_, srv := newFakeAPI(t)
	out, _, err := runCmd(t, runJobs, fakeEnv(srv), "list", "-h")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "usage: patchbay jobs list") || strings.Contains(out, `"tok"`) {
		t.Errorf("help output:\n%s", out)
	}
}
