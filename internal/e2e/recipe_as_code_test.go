package e2e

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/patchbay/patchbay/internal/apiview"
	"github.com/patchbay/patchbay/internal/cli"
)

// runCLI runs a client command of the real CLI against s.
func (s *server) runCLI(args ...string) (stdout, stderr string, code int) {
	s.t.Helper()
	var out, errb bytes.Buffer
	args = append(args, "--server", s.URL, "--token", s.Token)
	code = cli.Run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

// mustCLI runs a CLI command that must succeed and returns its stdout.
func (s *server) mustCLI(args ...string) string {
	s.t.Helper()
	out, errOut, code := s.runCLI(args...)
	if code != 0 {
		s.t.Fatalf("patchbay %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

const asCodeSecret = "hmac-secret-kept-on-the-server"

// asCodeRecipes are one recipe per trigger type, each with the fields
// that type adds: a webhook verified by a secret, a poll with pagination
// and a cursor, a cron schedule in a time zone, a manual run.
func asCodeRecipes(target string) map[string]map[string]any {
	step := func(path string) []any {
		return []any{map[string]any{"id": "send", "method": "POST", "url": target + "/anything/" + path,
			"headers": map[string]any{"X-Source": "patchbay"}, "body": map[string]any{"at": "{{trigger.id}}", "n": 1},
			"timeout": "5s", "max_attempts": 2}}
	}
	return map[string]map[string]any{
		"webhook": {"name": "orders webhook", "trigger": map[string]any{"type": "webhook", "event": "as-code-orders",
			"payload_type": "json", "payload_example": `{"id": "o-1", "email": "a@example.com"}`,
			"verify": map[string]any{"scheme": "hmac-sha256", "secret": asCodeSecret, "header": "X-Signature"}},
			"steps": step("webhook")},
		"polling": {"name": "poll records", "trigger": map[string]any{"type": "polling", "url": target + "/anything/items",
			"interval": "1m", "items_path": "items", "id_path": "id", "cursor_path": "updated_at",
			"pagination":       map[string]any{"type": "page", "param": "page", "page_size": 50, "size_param": "per_page", "max_pages": 5},
			"response_example": `{"items": [{"id": "r1", "updated_at": "2026-01-01T00:00:00Z"}]}`},
			"steps": step("polling")},
		"schedule": {"name": "weekday report", "trigger": map[string]any{"type": "schedule", "cron": "15 9 * * 1-5", "timezone": "Europe/Paris"},
			"steps": step("schedule")},
		"manual": {"name": "run by hand", "trigger": map[string]any{"type": "manual", "payload_example": `{"id": "m-1"}`},
			"steps": step("manual")},
	}
}

// export -> apply -> export gives the same file, for every trigger type
// and both formats; apply of an exported file that was edited updates the
// recipe and keeps its stored secret. Before the fix the file carried
// drift and trigger_health and apply answered 422.
func TestRecipeExportApplyRoundTrip(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	bin := httpbinServer(t)
	ctx := context.Background()
	for _, kind := range []string{"webhook", "polling", "schedule", "manual"} {
		id := s.createRecipe(asCodeRecipes(bin.URL)[kind])
		if kind == "webhook" {
			_, err := s.client().StartRecipe(ctx, id)
			fatalIf(t, err, "start")
		}
		for _, format := range []string{"yaml", "json"} {
			t.Run(kind+"/"+format, func(t *testing.T) {
				s := *s
				s.t = t
				exported := s.mustCLI("recipe", "export", id, "-o", format)
				asJSON, err := yaml.YAMLToJSON([]byte(exported))
				fatalIf(t, err, "export is not YAML or JSON")
				var top map[string]json.RawMessage
				fatalIf(t, json.Unmarshal(asJSON, &top), "export is not an object")
				for _, owned := range apiview.RecipeServerFieldNames() {
					if _, ok := top[owned]; ok {
						t.Errorf("export holds the server-owned field %s:\n%s", owned, exported)
					}
				}
				if kind == "webhook" && (strings.Contains(exported, asCodeSecret) || !strings.Contains(exported, "set")) {
					t.Errorf("export must read \"set\" for the secret:\n%s", exported)
				}
				file := filepath.Join(t.TempDir(), "recipe."+format)
				fatalIf(t, os.WriteFile(file, []byte(exported), 0o600), "write")

				name := asCodeRecipes(bin.URL)[kind]["name"]
				if got, want := s.mustCLI("recipe", "apply", "-f", file), "unchanged recipe "+id+" ("+name.(string)+")\n"; got != want {
					t.Errorf("apply of an export = %q, want %q", got, want)
				}
				if again := s.mustCLI("recipe", "export", id, "-o", format); again != exported {
					t.Errorf("export -> apply -> export changed the file:\n%s\nthen\n%s", exported, again)
				}

				// Edited, the file updates the recipe (a PUT of the whole
				// exported document), and exports as edited.
				edited := strings.Replace(exported, "/anything/"+kind, "/anything/"+kind+"-"+format, 1)
				if edited == exported {
					t.Fatalf("the step URL is not in the export:\n%s", exported)
				}
				fatalIf(t, os.WriteFile(file, []byte(edited), 0o600), "write")
				if got, want := s.mustCLI("recipe", "apply", "-f", file), "updated recipe "+id+" ("+name.(string)+")\n"; got != want {
					t.Errorf("apply of an edited export = %q, want %q", got, want)
				}
				if again := s.mustCLI("recipe", "export", id, "-o", format); again != edited {
					t.Errorf("export after apply of an edited file:\n%s\nwant\n%s", again, edited)
				}
				if kind == "webhook" {
					checkSecretKept(t, &s, id)
				}
			})
		}
	}
}

// checkSecretKept: after an apply whose file read "set", the webhook still
// verifies with the secret given at creation, and not with "set".
func checkSecretKept(t *testing.T, s *server, id string) {
	t.Helper()
	v, err := s.client().Recipe(context.Background(), id)
	fatalIf(t, err, "get recipe")
	body := []byte(`{"id": "o-2", "email": "b@example.com"}`)
	post := func(secret string) int {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		req, err := http.NewRequest("POST", *v.WebhookURL, bytes.NewReader(body))
		fatalIf(t, err, "request")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Signature", hex.EncodeToString(mac.Sum(nil)))
		resp, err := http.DefaultClient.Do(req)
		fatalIf(t, err, "post webhook")
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post(asCodeSecret); got != 200 {
		t.Errorf("webhook signed with the stored secret answered %d, want 200: the apply lost the secret", got)
	}
	if got := post("set"); got != 401 {
		t.Errorf("webhook signed with \"set\" answered %d, want 401: the apply stored \"set\" as the secret", got)
	}
}

// A view PUT back as it was read (datatree, drift, trigger_health and
// all) is taken as its document: the server ignores the fields it owns.
func TestRecipeViewPutBackAsRead(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	bin := httpbinServer(t)
	ctx := context.Background()
	c := s.client()
	for kind, doc := range asCodeRecipes(bin.URL) {
		id := s.createRecipe(doc)
		var raw json.RawMessage
		fatalIf(t, c.Do(ctx, "GET", "/api/v1/recipes/"+id, nil, &raw), "get")
		var members map[string]any
		fatalIf(t, json.Unmarshal(raw, &members), "decode")
		for _, owned := range []string{"id", "state", "datatree", "drift", "created_at"} {
			if _, ok := members[owned]; !ok {
				t.Fatalf("%s: the view lacks %s: %s", kind, owned, raw)
			}
		}
		before, err := c.Recipe(ctx, id)
		fatalIf(t, err, "get")
		after, err := c.UpdateRecipe(ctx, id, raw)
		if err != nil {
			t.Fatalf("%s: PUT of the view as read: %v", kind, err)
		}
		if !reflect.DeepEqual(after.Document, before.Document) {
			t.Errorf("%s: document changed by a PUT of its own view:\n%+v\nwant\n%+v", kind, after.Document, before.Document)
		}
		if kind == "webhook" && after.Trigger.Verify.Secret != "set" {
			t.Errorf("secret reads %q, want \"set\"", after.Trigger.Verify.Secret)
		}
	}
}

// export --all writes one file per recipe named by the recipe; apply -f
// of the folder reports each file and a summary, creates, updates and
// leaves alone as the files say, and fails (non-zero) naming the path of
// a bad file. The folder applied to a new workspace recreates it, except
// a recipe whose secret the files cannot hold.
func TestRecipeFolderExportApply(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	bin := httpbinServer(t)
	recipes := asCodeRecipes(bin.URL)
	ids := map[string]string{}
	for kind, doc := range recipes {
		ids[kind] = s.createRecipe(doc)
	}
	// Two names with one slug: both files get an id suffix.
	twin := asCodeRecipes(bin.URL)["manual"]
	twin["name"] = "Run by hand!"
	ids["twin"] = s.createRecipe(twin)

	dir := filepath.Join(t.TempDir(), "recipes")
	out := s.mustCLI("recipe", "export", "--all", dir)
	if !strings.HasSuffix(out, "5 recipes exported to "+dir+"\n") {
		t.Errorf("export --all said:\n%s", out)
	}
	suffix := func(id string) string { return strings.ReplaceAll(id, "-", "")[24:] }
	wantFiles := []string{"orders-webhook.yaml", "poll-records.yaml", "run-by-hand-" + suffix(ids["manual"]) + ".yaml",
		"run-by-hand-" + suffix(ids["twin"]) + ".yaml", "weekday-report.yaml"}
	slices.Sort(wantFiles)
	if got := dirNames(t, dir); !slices.Equal(got, wantFiles) {
		t.Fatalf("files %q, want %q", got, wantFiles)
	}

	out = s.mustCLI("recipe", "apply", "-f", dir)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 || lines[5] != "5 files: 0 created, 0 updated, 5 unchanged, 0 failed" {
		t.Fatalf("apply of an unchanged folder:\n%s", out)
	}
	for i, f := range wantFiles {
		if !strings.HasPrefix(lines[i], "unchanged") || !strings.Contains(lines[i], f) {
			t.Errorf("line %d = %q, want %s unchanged", i, lines[i], f)
		}
	}

	// One file edited, one new, one bad.
	edit := filepath.Join(dir, "weekday-report.yaml")
	b, err := os.ReadFile(edit)
	fatalIf(t, err, "read")
	fatalIf(t, os.WriteFile(edit, bytes.Replace(b, []byte("15 9 * * 1-5"), []byte("30 8 * * 1-5"), 1), 0o644), "write")
	fatalIf(t, os.WriteFile(filepath.Join(dir, "a-new.json"), []byte(`{"name": "brand new", "trigger": {"type": "manual"},
		"steps": [{"id": "get", "url": "`+bin.URL+`/get"}]}`), 0o644), "write")
	fatalIf(t, os.WriteFile(filepath.Join(dir, "b-bad.yml"), []byte("name: bad one\ntrigger: {type: manual}\nsteps:\n  - id: a\n    url: http://x\n    metod: GET\n"), 0o644), "write")
	fatalIf(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a recipe"), 0o644), "write")

	out, errOut, code := s.runCLI("recipe", "apply", "-f", dir)
	if code == 0 {
		t.Fatalf("apply with a bad file exited 0:\n%s", out)
	}
	lines = strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 8 || lines[7] != "7 files: 1 created, 1 updated, 4 unchanged, 1 failed" {
		t.Fatalf("apply:\n%s\nstderr: %s", out, errOut)
	}
	for i, want := range []string{"created a-new.json", "failed b-bad.yml", "unchanged orders-webhook.yaml"} {
		if !strings.HasPrefix(strings.Join(strings.Fields(lines[i]), " "), want) {
			t.Errorf("line %d = %q, want it to start with %q", i, lines[i], want)
		}
	}
	if !strings.Contains(lines[1], "steps[0].metod: unknown field") {
		t.Errorf("the failed line should name the path: %q", lines[1])
	}
	if !strings.HasPrefix(strings.Join(strings.Fields(lines[6]), " "), "updated weekday-report.yaml") {
		t.Errorf("line 6 = %q, want weekday-report.yaml updated", lines[6])
	}
	v, err := s.client().Recipe(context.Background(), ids["schedule"])
	fatalIf(t, err, "get")
	if v.Trigger.Cron != "30 8 * * 1-5" {
		t.Errorf("cron = %q after apply of the edited file", v.Trigger.Cron)
	}
	list, err := s.client().Recipes(context.Background())
	fatalIf(t, err, "list")
	if len(list) != 6 {
		t.Errorf("%d recipes after apply, want 6 (one created, none duplicated)", len(list))
	}

	// A new workspace from the folder: every recipe but the one whose
	// secret reads "set" (no recipe there holds it).
	os.Remove(filepath.Join(dir, "b-bad.yml"))
	fresh := startServer(t)
	out, _, code = fresh.runCLI("recipe", "apply", "-f", dir)
	if code == 0 || !strings.Contains(out, "6 files: 5 created, 0 updated, 0 unchanged, 1 failed") {
		t.Fatalf("apply to a new workspace (exit %d):\n%s", code, out)
	}
	if !strings.Contains(strings.Join(strings.Fields(out), " "), `failed orders-webhook.yaml trigger.verify.secret: "set" stands for a stored secret`) {
		t.Errorf("the webhook file should fail on its secret:\n%s", out)
	}
	// And the recreated recipes export as the files that made them.
	again := filepath.Join(t.TempDir(), "again")
	fresh.mustCLI("recipe", "export", "--all", again)
	for _, f := range []string{"poll-records.yaml", "weekday-report.yaml"} {
		want, err := os.ReadFile(filepath.Join(dir, f))
		fatalIf(t, err, "read %s", f)
		got, err := os.ReadFile(filepath.Join(again, f))
		fatalIf(t, err, "read %s", f)
		if !bytes.Equal(got, want) {
			t.Errorf("%s exported from the new workspace:\n%s\nwant\n%s", f, got, want)
		}
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	fatalIf(t, err, "read dir")
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// A connection view PUT back as read (created_at, warnings and all, as
// the web UI's editor sent it) is taken as its document, secrets kept.
// Before, the server refused created_at as an unknown field.
func TestConnectionViewPutBackAsRead(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	c := s.client()
	created, err := c.CreateConnection(ctx, map[string]any{"name": "api", "type": "http", "base_url": "https://api.example.com",
		"auth": map[string]any{"type": "header", "headers": map[string]any{"X-Api-Key": "key-kept-on-the-server"}},
		"tls":  map[string]any{"insecure_skip_verify": true}})
	fatalIf(t, err, "create connection")
	var list struct {
		Connections []json.RawMessage `json:"connections"`
	}
	fatalIf(t, c.Do(ctx, "GET", "/api/v1/connections", nil, &list), "list")
	if len(list.Connections) != 1 || !bytes.Contains(list.Connections[0], []byte(`"created_at"`)) || !bytes.Contains(list.Connections[0], []byte(`"warnings"`)) {
		t.Fatalf("list view: %s", list.Connections)
	}
	after, err := c.UpdateConnection(ctx, created.ID, list.Connections[0])
	if err != nil {
		t.Fatalf("PUT of the connection view as read: %v", err)
	}
	if !reflect.DeepEqual(after.Document, created.Document) {
		t.Errorf("document changed by a PUT of its own view:\n%+v\nwant\n%+v", after.Document, created.Document)
	}
	if got := after.Auth.Headers["X-Api-Key"]; got != "set" {
		t.Errorf("secret header reads %q, want \"set\"", got)
	}
	// Unknown fields that are not the server's are still refused.
	code, raw, err := c.Raw(ctx, "PUT", "/api/v1/connections/"+created.ID, `{"name": "api", "type": "http", "auth": {"type": "none"}, "creatd_at": 1}`)
	fatalIf(t, err, "put")
	if code != 400 || !bytes.Contains(raw, []byte("creatd_at")) {
		t.Errorf("a misspelt field: %d %s, want 400 naming it", code, raw)
	}
}
