package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"
)

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httptest.NewServer(Handler(Options{Logger: log}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, method, target string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

// assetURL matches the checksummed asset URLs the index links to.
var assetURL = regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`)

func indexAssets(t *testing.T, srv *httptest.Server) []string {
	t.Helper()
	_, body := get(t, srv, "GET", "/", nil)
	var urls []string
	for _, m := range assetURL.FindAllStringSubmatch(body, -1) {
		urls = append(urls, m[1])
	}
	return urls
}

func TestIndex(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	res, body := get(t, srv, "GET", "/", nil)

	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP %q lacks default-src 'self'", csp)
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*"} {
		if strings.Contains(csp, bad) {
			t.Errorf("CSP %q allows %s", csp, bad)
		}
	}
	for name, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"X-Frame-Options":        "DENY",
		"Cache-Control":          "no-cache",
	} {
		if got := res.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	script := regexp.MustCompile(`<script src="/static/app\.[0-9a-f]{12}\.js"`)
	if !script.MatchString(body) {
		t.Errorf("index has no checksummed app.js script tag:\n%s", body)
	}
	if !strings.Contains(body, `<link rel="stylesheet" href="/static/app.`) {
		t.Errorf("index has no stylesheet link")
	}
}

func TestIndexHasNoInlineScriptOrStyle(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	_, body := get(t, srv, "GET", "/", nil)

	scripts := regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`).FindAllStringSubmatch(body, -1)
	if len(scripts) == 0 {
		t.Fatal("index has no script tag")
	}
	for _, m := range scripts {
		if !strings.Contains(m[1], `src="/static/`) {
			t.Errorf("script tag without a static src: %s", m[0])
		}
		if strings.TrimSpace(m[2]) != "" {
			t.Errorf("inline script: %s", m[0])
		}
	}
	// The CSP would block these anyway; failing here says why the page broke.
	for _, re := range []string{`(?i)\son[a-z]+\s*=`, `(?i)\sstyle\s*=`, `(?i)<style`, `(?i)javascript:`} {
		if loc := regexp.MustCompile(re).FindStringIndex(body); loc != nil {
			t.Errorf("index matches %s at %q", re, body[loc[0]:min(loc[1]+40, len(body))])
		}
	}
}

func TestStaticAssets(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	urls := indexAssets(t, srv)
	wantTypes := map[string]string{
		".js":  "text/javascript; charset=utf-8",
		".css": "text/css; charset=utf-8",
		".svg": "image/svg+xml",
	}
	seen := map[string]bool{}
	for _, u := range urls {
		ext := path.Ext(u)
		seen[ext] = true
		res, body := get(t, srv, "GET", u, nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", u, res.StatusCode)
			continue
		}
		if got := res.Header.Get("Cache-Control"); got != immutable {
			t.Errorf("GET %s Cache-Control = %q, want %q", u, got, immutable)
		}
		if got := res.Header.Get("Content-Type"); got != wantTypes[ext] {
			t.Errorf("GET %s Content-Type = %q, want %q", u, got, wantTypes[ext])
		}
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s X-Content-Type-Options = %q", u, got)
		}
		// The URL is name.checksum.ext; the body must be that source file.
		file := strings.TrimPrefix(u, "/static/")
		parts := strings.Split(file, ".")
		src := strings.Join(parts[:len(parts)-2], ".") + ext
		want, err := staticFS.ReadFile("static/" + src)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if body != string(want) {
			t.Errorf("GET %s body differs from static/%s", u, src)
		}

		etag := res.Header.Get("ETag")
		if etag == "" {
			t.Errorf("GET %s has no ETag", u)
			continue
		}
		res, _ = get(t, srv, "GET", u, http.Header{"If-None-Match": {etag}})
		if res.StatusCode != http.StatusNotModified {
			t.Errorf("conditional GET %s = %d, want 304", u, res.StatusCode)
		}
	}
	for _, ext := range []string{".js", ".css", ".svg"} {
		if !seen[ext] {
			t.Errorf("index links no %s asset (found %v)", ext, urls)
		}
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	var js string
	for _, u := range indexAssets(t, srv) {
		if strings.HasSuffix(u, ".js") {
			js = u
		}
	}
	if js == "" {
		t.Fatal("no script URL in index")
	}
	checksum := strings.Split(path.Base(js), ".")[1]
	wrong := strings.Replace(js, checksum, strings.Repeat("0", len(checksum)), 1)
	if wrong == js {
		wrong = strings.Replace(js, checksum, strings.Repeat("1", len(checksum)), 1)
	}

	tests := []struct {
		name, method, target string
		want                 int
	}{
		{"stale checksum", "GET", wrong, http.StatusNotFound},
		{"no checksum", "GET", "/static/app.js", http.StatusNotFound},
		{"unknown asset", "GET", "/static/nope.3f9a1c2b04de.js", http.StatusNotFound},
		{"nested path", "GET", "/static/a/" + path.Base(js), http.StatusNotFound},
		{"template source", "GET", "/static/index.html", http.StatusNotFound},
		{"static root", "GET", "/static/", http.StatusNotFound},
		{"unknown page", "GET", "/recipes", http.StatusNotFound},
		{"post to index", "POST", "/", http.StatusMethodNotAllowed},
		{"current script", "GET", js, http.StatusOK},
		{"head index", "HEAD", "/", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _ := get(t, srv, tt.method, tt.target, nil)
			if res.StatusCode != tt.want {
				t.Errorf("%s %s = %d, want %d", tt.method, tt.target, res.StatusCode, tt.want)
			}
			if res.StatusCode == http.StatusNotFound && res.Header.Get("Cache-Control") == immutable {
				t.Errorf("%s %s: a 404 must not be cached as immutable", tt.method, tt.target)
			}
			if res.Header.Get("X-Frame-Options") != "DENY" {
				t.Errorf("%s %s: security headers missing", tt.method, tt.target)
			}
		})
	}
}

// TestAppJSBuildsDOMSafely is a grep-level guard for the rule stated at the
// top of app.js: markup is never built from strings. innerHTML may only be
// used to clear an element, and the other HTML-parsing sinks not at all.
func TestAppJSBuildsDOMSafely(t *testing.T) {
	t.Parallel()
	src, err := staticFS.ReadFile("static/app.js")
	if err != nil {
		t.Fatal(err)
	}
	js := string(src)

	uses := regexp.MustCompile(`innerHTML\s*(\+?=)?\s*([^;\n]*)`).FindAllStringSubmatch(js, -1)
	for _, m := range uses {
		if m[1] != "=" || (m[2] != `""` && m[2] != `''`) {
			t.Errorf("innerHTML used other than to clear an element: %q", m[0])
		}
	}
	for _, sink := range []string{"outerHTML", "insertAdjacentHTML", "document.write", "createContextualFragment", "DOMParser", "eval(", "new Function", "srcdoc"} {
		if strings.Contains(js, sink) {
			t.Errorf("app.js uses %s", sink)
		}
	}
	// Inline style attributes are blocked by the CSP's style-src.
	if strings.Contains(js, `setAttribute("style"`) || strings.Contains(js, `style: "`) {
		t.Error("app.js sets a style attribute; use a class")
	}
}

func TestAssetURLNames(t *testing.T) {
	t.Parallel()
	as, err := loadAssets(staticFS)
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range as.byName {
		want := regexp.MustCompile(`^/static/` + regexp.QuoteMeta(strings.TrimSuffix(name, path.Ext(name))) +
			`\.[0-9a-f]{12}` + regexp.QuoteMeta(path.Ext(name)) + `$`)
		if !want.MatchString(a.url()) {
			t.Errorf("%s is served at %s", name, a.url())
		}
		if cur := as.current(a.file); cur != a {
			t.Errorf("current(%s) = %v, want the %s asset", a.file, cur, name)
		}
	}
	if _, err := as.url("missing.js"); err == nil {
		t.Error("url of a missing asset did not fail")
	}
}

// TestAppJSLeavesOnlyForWebURLs guards the one place the UI navigates away
// from itself (OAuth2 Connect): the target is a connection's
// authorize_url, which users write, so it must pass webURL (http or https
// only) first; a javascript: URL would otherwise run in this origin.
func TestAppJSLeavesOnlyForWebURLs(t *testing.T) {
	t.Parallel()
	src, err := staticFS.ReadFile("static/app.js")
	if err != nil {
		t.Fatal(err)
	}
	js := string(src)
	assigns := regexp.MustCompile(`location\.assign\(([A-Za-z_$][\w$]*)\)`).FindAllStringSubmatch(js, -1)
	if len(assigns) == 0 {
		t.Fatal("app.js never calls location.assign; update this test if Connect changed")
	}
	for _, m := range assigns {
		checked := regexp.MustCompile(`const ` + regexp.QuoteMeta(m[1]) + ` = webURL\(`)
		if !checked.MatchString(js) {
			t.Errorf("%s: %s does not come from webURL", m[0], m[1])
		}
	}
	if n := strings.Count(js, "location.assign("); n != len(assigns) {
		t.Errorf("location.assign called %d times, %d of them with a checked variable", n, len(assigns))
	}
	for _, sink := range []string{"location.href =", "location.replace(", "window.open(", "location = "} {
		if strings.Contains(js, sink) {
			t.Errorf("app.js navigates with %s; use webURL and location.assign", sink)
		}
	}
}
