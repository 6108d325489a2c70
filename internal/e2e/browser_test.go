package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/patchbay/patchbay/internal/apiview"
	"github.com/patchbay/patchbay/internal/oauth/oauthtest"
)

// The web UI in a real browser (headless Chromium driven over the DevTools
// protocol): sign in with an API token, connect an OAuth2 connection by
// clicking through a real authorization server's login form, read a
// failing poll's trigger panel, and run a manual recipe to its job. Every
// assertion is on text the page shows.
func TestBrowserUI(t *testing.T) {
	t.Parallel()
	exe := chromiumPath(t)
	s := startServer(t)
	a := &recordingAPI{server: s}
	p := oauthtest.Start(t, oauthtest.Options{ClientID: "patchbay-ui", ClientSecret: "ui-client-secret-4d1e8b",
		RedirectURI: s.URL + "/oauth/callback"})
	var conn oauthConnView
	a.must(201, "POST", "/api/v1/connections", map[string]any{
		"name": "crm", "type": "http_oauth2", "base_url": p.Resource(t).URL,
		"oauth2": map[string]any{"authorize_url": p.AuthorizeURL() + "?response_type=code&prompt=login", "token_url": p.TokenURL(),
			"client_id": "patchbay-ui", "client_secret": "ui-client-secret-4d1e8b", "scopes": []string{"openid", "offline_access"}},
	}, &conn)

	// The polling recipe starts first so that its first poll has failed by
	// the time the browser opens it.
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `{"error": "inventory service is down"}`)
	}))
	t.Cleanup(down.Close)
	pollID := s.startRecipe(map[string]any{"name": "new items", "trigger": map[string]any{
		"type": "polling", "url": down.URL + "/items", "interval": "1s", "items_path": "items", "id_path": "id",
		"response_example": `{"items": [{"id": "i-1"}]}`}, "steps": []any{}})
	echo := httpbinServer(t)
	runID := s.startRecipe(map[string]any{"name": "send order", "trigger": map[string]any{"type": "manual"},
		"steps": []any{map[string]any{"id": "post_order", "method": "POST", "url": echo.URL + "/anything",
			"body": map[string]any{"order": "{{trigger.order}}"}, "response_type": "json"}}})
	hourlyID := s.createRecipe(map[string]any{"name": "hourly", "trigger": map[string]any{"type": "schedule", "every": "1h"}, "steps": []any{}})
	weekdaysID := s.createRecipe(map[string]any{"name": "weekdays", "trigger": map[string]any{"type": "schedule",
		"cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"}, "steps": []any{}})

	b := startChromium(t, exe)

	// Sign in on the connections page; the new OAuth2 connection is not connected.
	b.do("sign in",
		chromedp.Navigate(s.URL+"/#/connections"),
		chromedp.SendKeys(chromedp.ID("token"), s.Token),
		chromedp.Click(chromedp.CSS(`.login-form button[type="submit"]`)))
	badge := `tr.connection-notes[data-connection="crm"] .oauth2-badge`
	b.waitText(badge, "not connected", true)
	b.waitText(`tr.connection-notes[data-connection="crm"] .oauth2-redirect`, s.URL+"/oauth/callback", false)
	b.waitText(`tr.connection-notes[data-connection="crm"] .oauth2-redirect`, "register this URL at the provider", false)

	// Connect: the provider's login form, typed into, then patchbay's callback page.
	b.do("connect", chromedp.Click(chromedp.CSS(`tr.connection-notes[data-connection="crm"] button.connect`)))
	// The form is typed into once the redirects to it are over: a node
	// found on a page that then navigates is gone (seen on a loaded box).
	b.waitLoaded("/login/")
	b.do("log in at the provider",
		chromedp.SendKeys(chromedp.ID("username"), p.Username()),
		chromedp.SendKeys(chromedp.ID("password"), oauthtest.UserPassword),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)))
	b.waitText("h1", "crm is connected", true)
	b.do("back to patchbay", chromedp.Click(chromedp.CSS(`a[href="/#/connections"]`)))
	b.waitText(badge, "connected", true)
	b.waitText(`tr.connection-notes[data-connection="crm"] button.connect`, "Reconnect", true)
	b.shot("connections")
	if got := a.oauthConnection(conn.ID); got.Status != "connected" {
		t.Fatalf("the page says connected, the API says %q", got.Status)
	}

	// Edited as code, the connection shows its document alone (none of the
	// view's own fields) and saves as shown.
	b.eval("open the connection editor", `(() => {
		const edit = [...document.querySelectorAll('tr.connection[data-connection="crm"] button')].find((b) => b.textContent === "Edit");
		edit.click();
		return true;
	})()`)
	// The editor opens once the connection's current version is read.
	b.do("wait for the connection editor", chromedp.WaitVisible(chromedp.CSS("textarea.editor-text")))
	b.editorHolds(apiview.ConnectionServerFieldNames(), "name", "type", "base_url", "auth", "oauth2")
	b.do("save the connection", chromedp.Click(chromedp.CSS(".editor-bar button.primary")))
	b.waitGone("textarea.editor-text")

	// The recipes list says what each trigger does.
	b.do("open the recipes", chromedp.Click(chromedp.CSS(`#nav a[data-section="recipes"]`)))
	row := func(id string) string { return `tr:has(a[href="#/recipes/` + id + `"])` }
	b.waitText(row(pollID), "polls "+down.URL+"/items every 1s", false)
	b.waitText(row(hourlyID), "every 1h", false)
	b.waitText(row(weekdaysID), "cron 0 9 * * 1-5 in Europe/Berlin", false)
	b.waitText(row(runID), "manual", false)

	// The failing poll: status, stage, error and the 500 response.
	b.do("open the polling recipe", chromedp.Click(chromedp.CSS(`a[href="#/recipes/`+pollID+`"]`)))
	b.waitText(".trigger-panel .panel-head .badge", "failing", true)
	b.waitText("p.meta", "Trigger: polls "+down.URL+"/items every 1s", false)
	b.waitText(".trigger-failure .error-box", "stage http", false)
	b.waitText(".trigger-failure .exchange-request", down.URL+"/items", false)
	b.waitText(".trigger-failure .exchange-response .status-code", "500", true)
	b.waitText(".trigger-failure .exchange-response", "inventory service is down", false)
	// The document saves as shown: the view's own fields (trigger_health, drift) are not in it.
	b.do("save the recipe", chromedp.Click(chromedp.CSS(".editor-bar button.primary")))
	b.waitText(".editor-status", "Saved", true)
	b.editorHoldsDocumentOnly()

	// Someone else saves the recipe meanwhile: the page's next save names
	// the version it read (If-Match) and is refused, not written over theirs.
	var current map[string]any
	s.mustCall(200, "GET", "/api/v1/recipes/"+pollID, nil, &current)
	s.mustCall(200, "PUT", "/api/v1/recipes/"+pollID, map[string]any{"name": "renamed elsewhere", "trigger": current["trigger"], "steps": current["steps"]}, nil)
	b.do("save the stale recipe", chromedp.Click(chromedp.CSS(".editor-bar button.primary")))
	b.waitText(".problems", "changed since", false)
	b.waitText(".editor-status", "Not saved", true)
	b.shot("recipe-stale-save")
	s.mustCall(200, "GET", "/api/v1/recipes/"+pollID, nil, &current)
	if current["name"] != "renamed elsewhere" {
		t.Fatalf("the page's stale save overwrote another's edit: name %q", current["name"])
	}

	// The manual recipe: Run with a JSON body, then follow the link to its job.
	b.do("run the manual recipe",
		chromedp.Click(chromedp.CSS(`#nav a[data-section="recipes"]`)),
		chromedp.Click(chromedp.CSS(`a[href="#/recipes/`+runID+`"]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[aria-label="Run input"]`), `{"order": "A-1001"}`),
		chromedp.Click(chromedp.CSS(".run-panel button.primary")))
	b.waitText(".run-result", "Open job", false)
	b.do("open the job", chromedp.Click(chromedp.CSS(".run-result a")))
	b.waitText(".page-head .badge", "succeeded", true)
	b.shot("job")
	b.waitText(".panel pre.body", `"order": "A-1001"`, false)
	b.waitText(".steps .step pre.body", "A-1001", false)

	b.noErrors()
}

// chromiumPath finds Chromium. Without it the test skips on a developer's
// machine, but fails in CI (CI=true), where .ci/run installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const how = "Chromium is not installed; the browser test needs it " +
		"(Debian/Ubuntu, as root: apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)"
	if os.Getenv("CI") == "true" {
		t.Fatal(how)
	}
	t.Skip(how)
	return ""
}

// browser is one headless Chromium tab for a test.
type browser struct {
	t   *testing.T
	ctx context.Context

	mu     sync.Mutex
	errors []string // uncaught exceptions of the page
}

// startChromium starts a headless Chromium with a fresh profile. The
// flags keep it from reaching out to the network (this machine has none,
// and Chromium hangs on such connections otherwise).
func startChromium(t *testing.T, exe string) *browser {
	t.Helper()
	profile, err := os.MkdirTemp("", "patchbay-chromium-")
	fatalIf(t, err, "profile folder")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser to exit
		// Best effort: a helper process may still hold a file for a moment.
		_ = os.RemoveAll(profile)
	})
	b := &browser{t: t, ctx: ctx}
	// The first action starts the browser; no timeout on it, as a timeout
	// on the first call's context would stop the whole browser.
	fatalIf(t, chromedp.Do(ctx, chromedp.Navigate("about:blank")), "start Chromium")
	fatalIf(t, chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			b.mu.Lock()
			b.errors = append(b.errors, exceptionText(e))
			b.mu.Unlock()
		}
	}), "listen to the page")
	return b
}

func exceptionText(e *runtime.EventExceptionThrown) string {
	d := e.ExceptionDetails
	if d.Exception != nil && d.Exception.Description != "" {
		return d.Exception.Description
	}
	return d.Text
}

// step bounds one browser step: a deadline for a broken build, not a
// timing assumption (each step normally takes well under a second).
const step = 20 * time.Second

// do runs actions in order and fails the test, with the page's text, if one fails.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v\npage: %s", what, err, b.pageText())
	}
}

// waitText waits until the first element matching the CSS selector shows
// want: its whole visible text (trimmed) when exact, else somewhere in it.
// It polls from Go rather than in the page, so that it carries on across
// the page loads of a redirect chain.
func (b *browser) waitText(selector, want string, exact bool) {
	b.t.Helper()
	args, err := json.Marshal([]any{selector, want, exact})
	fatalIf(b.t, err, "encode")
	check := `((sel, want, exact) => {
		const el = document.querySelector(sel);
		if (!el) return false;
		const text = el.innerText.trim();
		return exact ? text === want : text.includes(want);
	})(...` + string(args) + `)`
	deadline := time.Now().Add(step)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](check))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("waiting for %q in %s: %v\npage: %s", want, selector, err, b.pageText())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// editorHoldsDocumentOnly checks the recipe editor: its document has the
// document's fields and none that the server owns (apiview's list, which
// the page is given).
func (b *browser) editorHoldsDocumentOnly() {
	b.t.Helper()
	b.editorHolds(apiview.RecipeServerFieldNames(), "name", "trigger", "steps")
	named := b.eval("read the page's server fields", `document.querySelector('meta[name="patchbay-recipe-server-fields"]').content`)
	if want := strings.Join(apiview.RecipeServerFieldNames(), " "); named != want {
		b.t.Errorf("the page names the server fields %q, want %q", named, want)
	}
}

// editorHolds checks that the open JSON editor's document has the fields
// want and none of owned.
func (b *browser) editorHolds(owned []string, want ...string) {
	b.t.Helper()
	keys := strings.Fields(b.eval("read the editor",
		`Object.keys(JSON.parse(document.querySelector("textarea.editor-text").value)).join(" ")`))
	for _, k := range want {
		if !slices.Contains(keys, k) {
			b.t.Errorf("the editor lacks %s: it holds %q", k, keys)
		}
	}
	for _, k := range owned {
		if slices.Contains(keys, k) {
			b.t.Errorf("the editor holds the server's field %s: %q", k, keys)
		}
	}
}

// eval runs a script in the page and returns its result as text.
func (b *browser) eval(what, script string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[any](script))
	if err != nil {
		b.t.Fatalf("%s: %v\npage: %s", what, err, b.pageText())
	}
	return fmt.Sprint(out)
}

// waitLoaded waits until the page's URL holds path and it has loaded.
func (b *browser) waitLoaded(path string) {
	b.t.Helper()
	args, _ := json.Marshal(path)
	deadline := time.Now().Add(step)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.href.includes(`+string(args)+`) && document.readyState === "complete"`))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("waiting for a loaded page at %s: %v\npage: %s", path, err, b.pageText())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitGone waits until no element matches the CSS selector.
func (b *browser) waitGone(selector string) {
	b.t.Helper()
	args, _ := json.Marshal(selector)
	deadline := time.Now().Add(step)
	for b.eval("look for "+selector, `document.querySelector(`+string(args)+`) === null`) != "true" {
		if time.Now().After(deadline) {
			b.t.Fatalf("%s is still there\npage: %s", selector, b.pageText())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pageText is the visible text of the page, for failure messages.
func (b *browser) pageText() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return text
}

// noErrors fails the test if the page threw or shows the error banner.
func (b *browser) noErrors() {
	b.t.Helper()
	b.mu.Lock()
	errs := append([]string(nil), b.errors...)
	b.mu.Unlock()
	if len(errs) > 0 {
		b.t.Errorf("the page threw: %s", strings.Join(errs, "\n"))
	}
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	banner, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`(() => { const b = document.getElementById("banner"); return b && !b.hidden ? b.innerText : ""; })()`))
	if err != nil || banner != "" {
		b.t.Errorf("error banner %q (%v)", banner, err)
	}
}

// shot saves the whole page as name.png in the folder PATCHBAY_SCREENSHOTS
// names (nothing without it), for a person to look at what a test saw.
func (b *browser) shot(name string) {
	b.t.Helper()
	dir := os.Getenv("PATCHBAY_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	fatalIf(b.t, err, "screenshot")
	fatalIf(b.t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644), "write %s", name)
}
