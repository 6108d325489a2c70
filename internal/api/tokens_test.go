package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/apitoken"
	"github.com/patchbay/patchbay/internal/store/sqlite"
)

// tokenClock is the API's clock in tests: moved by hand.
type tokenClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *tokenClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *tokenClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// tokenAPI serves the API on a real SQLite store in a temporary folder,
// with its clock in the test's hands.
func tokenAPI(t *testing.T) (*httptest.Server, *sqlite.Store, *tokenClock) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := &tokenClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	a := &API{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clock.Now}
	mux := http.NewServeMux()
	a.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, st, clock
}

func tokenCall(t *testing.T, srv *httptest.Server, method, path, token, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestRevokedElsewhereRefusedAfterCacheTTL(t *testing.T) {
	srv, st, clock := tokenAPI(t)
	id, token, err := apitoken.Create(context.Background(), st, "ci")
	if err != nil {
		t.Fatal(err)
	}
	if resp, b := tokenCall(t, srv, "GET", "/api/v1/tokens", token, ""); resp.StatusCode != 200 {
		t.Fatalf("valid token: %d %s", resp.StatusCode, b)
	}
	// Another process (the CLI) deletes the row; this process's cache
	// does not know until its entry runs out.
	if err := st.DeleteAPIToken(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	clock.Advance(apitoken.CacheTTL - time.Millisecond)
	if resp, _ := tokenCall(t, srv, "GET", "/api/v1/tokens", token, ""); resp.StatusCode != 200 {
		t.Fatalf("within the bound the cached answer stands: got %d", resp.StatusCode)
	}
	clock.Advance(time.Millisecond)
	resp, b := tokenCall(t, srv, "GET", "/api/v1/tokens", token, "")
	if resp.StatusCode != 401 {
		t.Fatalf("revoked token %s after its last read: got %d %s, want 401", apitoken.CacheTTL, resp.StatusCode, b)
	}
	if !strings.Contains(string(b), "revoked") {
		t.Fatalf("401 body does not say why: %s", b)
	}
}

func TestRevokeThroughAPIRefusesAtOnce(t *testing.T) {
	srv, st, _ := tokenAPI(t)
	_, admin, _ := apitoken.Create(context.Background(), st, "admin")
	victimID, victim, _ := apitoken.Create(context.Background(), st, "victim")
	if resp, _ := tokenCall(t, srv, "GET", "/api/v1/workspace", victim, ""); resp.StatusCode == 401 {
		t.Fatal("victim token refused before revocation")
	}
	resp, b := tokenCall(t, srv, "DELETE", "/api/v1/tokens/"+victimID, admin, "")
	if resp.StatusCode != 204 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, b)
	}
	// Same clock instant: the cache entry must be gone, not merely aged.
	if resp, _ := tokenCall(t, srv, "GET", "/api/v1/tokens", victim, ""); resp.StatusCode != 401 {
		t.Fatalf("revoked token answered %d in the process that revoked it, want 401", resp.StatusCode)
	}
	if resp, b := tokenCall(t, srv, "DELETE", "/api/v1/tokens/"+victimID, admin, ""); resp.StatusCode != 404 {
		t.Fatalf("second revoke: %d %s, want 404", resp.StatusCode, b)
	}
	if resp, _ := tokenCall(t, srv, "GET", "/api/v1/tokens", admin, ""); resp.StatusCode != 200 {
		t.Fatal("revoking another token refused the admin token")
	}
}

func TestTokenListNeverShowsTokensAndRecordsUse(t *testing.T) {
	srv, st, clock := tokenAPI(t)
	id, token, _ := apitoken.Create(context.Background(), st, "ci")
	list := func() tokenView {
		t.Helper()
		resp, b := tokenCall(t, srv, "GET", "/api/v1/tokens", token, "")
		if resp.StatusCode != 200 {
			t.Fatalf("list: %d %s", resp.StatusCode, b)
		}
		if strings.Contains(string(b), strings.TrimPrefix(token, apitoken.Prefix)) {
			t.Fatalf("token list shows the token: %s", b)
		}
		var l struct {
			Tokens []tokenView `json:"tokens"`
		}
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatal(err)
		}
		if len(l.Tokens) != 1 || l.Tokens[0].ID != id || l.Tokens[0].Name != "ci" || l.Tokens[0].Token != "" {
			t.Fatalf("list = %+v", l.Tokens)
		}
		return l.Tokens[0]
	}
	t0 := clock.Now()
	if lu := list().LastUsedAt; lu == nil || !lu.Equal(t0) {
		t.Fatalf("last_used_at after the first use = %v, want %v", lu, t0)
	}
	// Within lastUsedResolution a new read of the row writes nothing.
	clock.Advance(apitoken.CacheTTL + time.Second)
	if lu := list().LastUsedAt; lu == nil || !lu.Equal(t0) {
		t.Fatalf("last_used_at %s later = %v, want still %v", apitoken.CacheTTL+time.Second, lu, t0)
	}
	clock.Advance(time.Hour)
	if lu := list().LastUsedAt; lu == nil || !lu.Equal(clock.Now()) {
		t.Fatalf("last_used_at after a use an hour later = %v, want %v", lu, clock.Now())
	}
}

func TestCreateTokenThroughAPI(t *testing.T) {
	srv, st, _ := tokenAPI(t)
	_, admin, _ := apitoken.Create(context.Background(), st, "admin")
	resp, b := tokenCall(t, srv, "POST", "/api/v1/tokens", admin, `{"name":"deploy"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	var v tokenView
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v.Token, apitoken.Prefix) || v.ID == "" || v.Name != "deploy" {
		t.Fatalf("created = %+v", v)
	}
	if resp, _ := tokenCall(t, srv, "GET", "/api/v1/tokens", v.Token, ""); resp.StatusCode != 200 {
		t.Fatalf("the token the API created is refused: %d", resp.StatusCode)
	}
	for _, tc := range []struct{ body, want string }{
		{`{"name":""}`, `"path":"name"`},
		{`{"name":"` + strings.Repeat("x", 101) + `"}`, `"path":"name"`},
		{`{"name":"a","admin":true}`, `unknown field`},
		{`{"name":`, `request body`},
	} {
		resp, b := tokenCall(t, srv, "POST", "/api/v1/tokens", admin, tc.body)
		if resp.StatusCode/100 != 4 || !strings.Contains(string(b), tc.want) {
			t.Errorf("POST %s = %d %s, want 4xx naming %s", tc.body, resp.StatusCode, b, tc.want)
		}
	}
}

// Every API answer, refusals and unknown routes included, carries
// nosniff and no-store: the workspace answer holds the webhook token.
func TestAPIAnswersAreNotStoredOrSniffed(t *testing.T) {
	srv, st, _ := tokenAPI(t)
	_, token, _ := apitoken.Create(context.Background(), st, "ci")
	for _, tc := range []struct{ method, path, token string }{
		{"GET", "/api/v1/tokens", token},
		{"GET", "/api/v1/tokens", ""},
		{"GET", "/api/v1/tokens", "pb_wrong"},
		{"GET", "/api/v1/no-such-route", token},
		{"DELETE", "/api/v1/tokens/nope", token},
	} {
		resp, _ := tokenCall(t, srv, tc.method, tc.path, tc.token, "")
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s %s (%d): Cache-Control %q, want no-store", tc.method, tc.path, resp.StatusCode, got)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s (%d): X-Content-Type-Options %q, want nosniff", tc.method, tc.path, resp.StatusCode, got)
		}
	}
}
