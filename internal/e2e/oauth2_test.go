package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/oauth/oauthtest"
)

// recordingAPI calls patchbay's API and keeps every answer it received,
// so a test can search them all for secrets. It is safe for concurrent
// use; errors are reported with t.Errorf, never t.Fatal, for goroutines.
type recordingAPI struct {
	*server
	mu      sync.Mutex
	answers bytes.Buffer
}

func (a *recordingAPI) keep(b []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.answers.Write(b)
	a.answers.WriteByte('\n')
}

// Answers is everything received so far.
func (a *recordingAPI) Answers() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.answers.String()
}

// do makes one API call and returns its status and body.
func (a *recordingAPI) do(method, path string, body any, header http.Header) (int, []byte) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Errorf("encode %s %s: %v", method, path, err)
			return 0, nil
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.URL+path, rd)
	if err != nil {
		a.t.Errorf("%s %s: %v", method, path, err)
		return 0, nil
	}
	req.Header.Set("Authorization", "Bearer "+a.Token)
	req.Header.Set("Content-Type", "application/json")
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Errorf("%s %s: %v", method, path, err)
		return 0, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a.keep(raw)
	return resp.StatusCode, raw
}

// must fails the test unless the call answers want, and decodes into out.
func (a *recordingAPI) must(want int, method, path string, body, out any) {
	a.t.Helper()
	status, raw := a.do(method, path, body, nil)
	if status != want {
		a.t.Fatalf("%s %s = %d, want %d: %s", method, path, status, want, raw)
	}
	if out != nil {
		fatalIf(a.t, json.Unmarshal(raw, out), "decode %s %s: %s", method, path, raw)
	}
}

// oauthConnView is the OAuth2 part of a connection as the API shows it.
type oauthConnView struct {
	ID     string `json:"id"`
	OAuth2 struct {
		ClientSecret string `json:"client_secret"`
		Grant        string `json:"grant"`
		ClientAuth   string `json:"client_auth"`
	} `json:"oauth2"`
	RedirectURL    string     `json:"redirect_url"`
	Status         string     `json:"oauth2_status"`
	StatusReason   string     `json:"oauth2_status_reason"`
	TokenExpiresAt *time.Time `json:"token_expires_at"`
}

func (a *recordingAPI) oauthConnection(id string) oauthConnView {
	a.t.Helper()
	var v oauthConnView
	a.must(200, "GET", "/api/v1/connections/"+id, nil, &v)
	return v
}

// connectionTest is the answer of POST /connections/{id}/test.
type connectionTest struct {
	OK        bool    `json:"ok"`
	Status    int     `json:"status"`
	Error     *string `json:"error"`
	Stage     string  `json:"stage"`
	Diagnosis string  `json:"diagnosis"`
}

// bearerRecipe creates a manual recipe whose one step GETs /bearer (which
// echoes the token it received) through the connection.
func (a *recordingAPI) bearerRecipe(name, conn string) string {
	a.t.Helper()
	var r struct{ ID string }
	a.must(201, "POST", "/api/v1/recipes", map[string]any{
		"name": name, "trigger": map[string]any{"type": "manual"},
		"steps": []any{map[string]any{"id": "whoami", "connection": conn, "method": "GET", "url": "/bearer",
			"response_type": "json", "response_example": `{"authenticated": true, "token": "x"}`}},
	}, &r)
	return r.ID
}

// runJob runs the recipe once and returns its finished job (goroutine-safe).
func (a *recordingAPI) runJob(recipeID string) jobDoc {
	status, raw := a.do("POST", "/api/v1/recipes/"+recipeID+"/test", nil, nil)
	var j jobDoc
	if status != 200 || json.Unmarshal(raw, &j) != nil {
		a.t.Errorf("run recipe %s: %d %s", recipeID, status, raw)
	}
	return j
}

// browser is a user's browser: it keeps cookies.
func newBrowser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	fatalIf(t, err, "cookie jar")
	return &http.Client{Jar: jar}
}

// startAuthorization calls patchbay's authorize endpoint from the browser
// (with the API token, as the web UI would) and returns the answer, a 302
// to the provider whose cookie the browser now holds.
func (a *recordingAPI) startAuthorization(browser *http.Client, connID string) *http.Response {
	a.t.Helper()
	noFollow := *browser
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, _ := http.NewRequest("GET", a.URL+"/api/v1/connections/"+connID+"/authorize", nil)
	req.Header.Set("Authorization", "Bearer "+a.Token)
	resp, err := noFollow.Do(req)
	fatalIf(a.t, err, "authorize")
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	a.keep(raw)
	if resp.StatusCode != http.StatusFound {
		a.t.Fatalf("authorize = %d, want 302: %s", resp.StatusCode, raw)
	}
	return resp
}

// land follows the provider's redirect back to patchbay's callback in the
// browser and returns the page.
func (a *recordingAPI) land(browser *http.Client, back *url.URL) (int, string) {
	a.t.Helper()
	resp, err := browser.Get(back.String())
	fatalIf(a.t, err, "callback")
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a.keep(raw)
	return resp.StatusCode, string(raw)
}

// authorize walks the whole browser flow and fails unless it connects.
func (a *recordingAPI) authorize(p *oauthtest.Provider, connID, name string) {
	a.t.Helper()
	browser := newBrowser(a.t)
	resp := a.startAuthorization(browser, connID)
	back := p.Login(a.t, browser, resp.Header.Get("Location"))
	if status, page := a.land(browser, back); status != 200 || !strings.Contains(page, name+" is connected") {
		a.t.Fatalf("callback page %d: %s", status, page)
	}
}

const e2eClientSecret = "e2e-client-secret-7f3a9c"

// TestOAuth2AuthorizationCode walks issue 4's OAuth2 story against a real
// authorization server (zitadel's op) and a resource server that checks
// tokens with it: browser flow with state and PKCE, a step with the
// token, a refused token refreshed and retried, one refresh for ten
// concurrent jobs after expiry, and a revoked grant that asks for
// reauthorization.
func TestOAuth2AuthorizationCode(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := &recordingAPI{server: s}
	p := oauthtest.Start(t, oauthtest.Options{ClientID: "patchbay-e2e", ClientSecret: e2eClientSecret,
		RedirectURI: s.URL + "/oauth/callback", AccessTokenLifetime: 6 * time.Second})
	api := p.Resource(t)

	var conn oauthConnView
	a.must(201, "POST", "/api/v1/connections", map[string]any{
		"name": "crm", "type": "http_oauth2", "base_url": api.URL,
		"oauth2": map[string]any{"authorize_url": p.AuthorizeURL() + "?response_type=code&prompt=login", "token_url": p.TokenURL(),
			"client_id": "patchbay-e2e", "client_secret": e2eClientSecret, "scopes": []string{"openid", "offline_access"}},
		"test": map[string]any{"url": "/bearer"},
	}, &conn)
	if conn.OAuth2.ClientSecret != "set" || conn.RedirectURL != s.URL+"/oauth/callback" || conn.Status != "not_connected" ||
		conn.OAuth2.Grant != "authorization_code" || conn.OAuth2.ClientAuth != "basic" {
		t.Fatalf("new connection view: %+v", conn)
	}
	var test connectionTest
	a.must(200, "POST", "/api/v1/connections/"+conn.ID+"/test", nil, &test)
	if test.OK || test.Stage != "auth" || !strings.Contains(test.Diagnosis, "authorize it first") {
		t.Fatalf("test before authorization: %+v", test)
	}

	// The authorize endpoint: a 302 to the provider, its own parameters
	// kept and none doubled, state and PKCE S256, and a cookie for the callback only.
	browser := newBrowser(t)
	resp := a.startAuthorization(browser, conn.ID)
	loc, err := url.Parse(resp.Header.Get("Location"))
	fatalIf(t, err, "Location")
	q := loc.Query()
	for k, want := range map[string]string{"response_type": "code", "client_id": "patchbay-e2e", "prompt": "login",
		"redirect_uri": s.URL + "/oauth/callback", "scope": "openid offline_access", "code_challenge_method": "S256"} {
		if len(q[k]) != 1 || q[k][0] != want {
			t.Errorf("authorize URL %s = %q, want exactly [%q]", k, q[k], want)
		}
	}
	if len(q.Get("state")) < 32 || len(q.Get("code_challenge")) != 43 {
		t.Errorf("state %q, code_challenge %q: want a long random state and an S256 challenge", q.Get("state"), q.Get("code_challenge"))
	}
	cookie := resp.Header.Get("Set-Cookie")
	for _, attr := range []string{"Path=/oauth/callback", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("state cookie %q lacks %s", cookie, attr)
		}
	}
	var asJSON struct {
		AuthorizeURL string `json:"authorize_url"`
	}
	status, raw := a.do("GET", "/api/v1/connections/"+conn.ID+"/authorize", nil, http.Header{"Accept": {"application/json"}})
	if status != 200 || json.Unmarshal(raw, &asJSON) != nil || !strings.HasPrefix(asJSON.AuthorizeURL, p.AuthorizeURL()+"?") {
		t.Fatalf("authorize with Accept: application/json = %d %s", status, raw)
	}

	// A callback carrying another browser's state is refused; the state's
	// own browser is not then able to use it either (single use).
	intruder := newBrowser(t)
	back := p.Login(t, browser, loc.String())
	if status, page := a.land(intruder, back); status != 400 || !strings.Contains(page, "another browser session") {
		t.Fatalf("callback from a browser without the state cookie: %d %s", status, page)
	}
	if status, page := a.land(browser, back); status != 400 || !strings.Contains(page, "already used") {
		t.Fatalf("replayed callback: %d %s", status, page)
	}
	sent := p.AuthorizationRequests()
	if last := sent[len(sent)-1]; last.Get("state") != q.Get("state") || last.Get("code_challenge") != q.Get("code_challenge") || last.Get("code_challenge_method") != "S256" {
		t.Fatalf("the provider received %v, not patchbay's state and PKCE challenge", last)
	}

	// The real flow: authorize → login → callback → connected.
	a.authorize(p, conn.ID, "crm")
	conn = a.oauthConnection(conn.ID)
	if conn.Status != "connected" || conn.TokenExpiresAt == nil {
		t.Fatalf("after authorization: %+v", conn)
	}
	if issued := p.Issued(); len(issued) != 1 || issued[0].GrantType != "authorization_code" || issued[0].ClientAuth != "basic" {
		t.Fatalf("token endpoint answers: %+v", issued)
	}
	a.must(200, "POST", "/api/v1/connections/"+conn.ID+"/test", nil, &test)
	if !test.OK || test.Status != 200 {
		t.Fatalf("test after authorization: %+v %s", test, deref(test.Error))
	}

	// A step sends the token; the job keeps it masked, even where /bearer echoes it.
	recipeID := a.bearerRecipe("who am I", "crm")
	j := a.runJob(recipeID)
	first := p.Issued()[0].AccessToken
	if j.Status != "succeeded" || j.Steps[0].Input.Headers["Authorization"] != "Bearer ****" {
		t.Fatalf("job %s (%s), Authorization %q", j.Status, deref(j.Error), j.Steps[0].Input.Headers["Authorization"])
	}
	if seen := api.Accepted(); seen[len(seen)-1] != first {
		t.Fatal("the resource server did not receive the access token the provider issued")
	}
	if strings.Contains(string(j.Steps[0].Output.Body), first) || !strings.Contains(string(j.Steps[0].Output.Body), `"token":"****"`) {
		t.Fatalf("the echoed token is not masked in the job: %s", j.Steps[0].Output.Body)
	}

	// The provider stops accepting the access token: 401, one refresh, the
	// request resent once with the new token, the job succeeds.
	p.Revoke(t, first, "access_token")
	refused := api.Refused()
	j = a.runJob(recipeID)
	if j.Status != "succeeded" || j.Steps[0].Attempts != 1 || api.Refused() != refused+1 || p.RefreshGrants() != 1 {
		t.Fatalf("after a refused token: job %s (%s), attempts %d, 401s %d→%d, refreshes %d",
			j.Status, deref(j.Error), j.Steps[0].Attempts, refused, api.Refused(), p.RefreshGrants())
	}

	// Past the token's lifetime, ten concurrent jobs cause one refresh and
	// all use its token.
	conn = a.oauthConnection(conn.ID)
	time.Sleep(time.Until(*conn.TokenExpiresAt) + 50*time.Millisecond)
	before, accepted := p.RefreshGrants(), len(api.Accepted())
	var wg sync.WaitGroup
	jobs := make([]jobDoc, 10)
	for i := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			jobs[i] = a.runJob(recipeID)
		}()
	}
	wg.Wait()
	for i, j := range jobs {
		if j.Status != "succeeded" {
			t.Fatalf("concurrent job %d: %s (%s)", i, j.Status, deref(j.Error))
		}
	}
	if n := p.RefreshGrants() - before; n != 1 {
		t.Fatalf("%d refreshes for 10 concurrent jobs past expiry, want exactly 1", n)
	}
	// Two refreshes so far (after the revoked access token, and now), as
	// the provider counted them.
	if v, ok := whMetric(t, s, `patchbay_oauth2_token_requests_total{outcome="ok"}`); !ok || int(v) != p.RefreshGrants() {
		t.Errorf("patchbay_oauth2_token_requests_total{outcome=\"ok\"} = %v (%v), want %d", v, ok, p.RefreshGrants())
	}
	issued := p.Issued()
	newest := issued[len(issued)-1].AccessToken
	for _, tok := range api.Accepted()[accepted:] {
		if tok != newest {
			t.Fatal("a concurrent job did not use the refreshed token")
		}
	}

	// The refresh token is revoked at the provider: the connection needs
	// reauthorization, and jobs say so rather than "HTTP 401".
	p.Revoke(t, issued[len(issued)-1].RefreshToken, "refresh_token")
	j = a.runJob(recipeID)
	if j.Status != "failed" || !strings.Contains(deref(j.Error), `connection "crm" needs reauthorization`) || strings.Contains(deref(j.Error), "HTTP 401") {
		t.Fatalf("job after the grant was revoked: %s, error %q", j.Status, deref(j.Error))
	}
	conn = a.oauthConnection(conn.ID)
	if conn.Status != "needs_reauthorization" || !strings.Contains(conn.StatusReason, "invalid_grant") {
		t.Fatalf("connection after the grant was revoked: %+v", conn)
	}
	a.must(200, "POST", "/api/v1/connections/"+conn.ID+"/test", nil, &test)
	if test.OK || test.Stage != "auth" || !strings.Contains(test.Diagnosis, "authorize it again") {
		t.Fatalf("test of a connection that needs reauthorization: %+v", test)
	}

	// A new authorization clears it.
	a.authorize(p, conn.ID, "crm")
	if conn = a.oauthConnection(conn.ID); conn.Status != "connected" || conn.StatusReason != "" {
		t.Fatalf("after reauthorization: %+v", conn)
	}
	if j = a.runJob(recipeID); j.Status != "succeeded" {
		t.Fatalf("job after reauthorization: %s (%s)", j.Status, deref(j.Error))
	}

	// Editing what is not the grant (the test request) keeps it; editing
	// the client forgets it: tokens given to one client are not another's.
	doc := map[string]any{"name": "crm", "type": "http_oauth2", "base_url": api.URL,
		"oauth2": map[string]any{"authorize_url": p.AuthorizeURL() + "?response_type=code&prompt=login", "token_url": p.TokenURL(),
			"client_id": "patchbay-e2e", "client_secret": "set", "scopes": []string{"openid", "offline_access"}},
		"test": map[string]any{"url": "/bearer?edited=1"}}
	a.must(200, "PUT", "/api/v1/connections/"+conn.ID, doc, nil)
	if conn = a.oauthConnection(conn.ID); conn.Status != "connected" {
		t.Fatalf("after editing the test request: %+v", conn)
	}
	doc["oauth2"].(map[string]any)["client_id"] = "another-client"
	a.must(200, "PUT", "/api/v1/connections/"+conn.ID, doc, nil)
	if conn = a.oauthConnection(conn.ID); conn.Status != "not_connected" {
		t.Fatalf("after changing the client: %+v, want not_connected", conn)
	}
}

// TestOAuth2ProviderErrorAndBadCallbacks: the page names what failed,
// HTML-escaped, with status 400; no API token is needed to reach it.
func TestOAuth2ProviderErrorAndBadCallbacks(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := &recordingAPI{server: s}
	p := oauthtest.Start(t, oauthtest.Options{ClientID: "patchbay-e2e", ClientSecret: e2eClientSecret, RedirectURI: s.URL + "/oauth/callback"})
	var conn oauthConnView
	a.must(201, "POST", "/api/v1/connections", map[string]any{
		"name": "<crm>", "type": "http_oauth2",
		"oauth2": map[string]any{"authorize_url": p.AuthorizeURL(), "token_url": p.TokenURL(), "client_id": "patchbay-e2e",
			"client_secret": e2eClientSecret, "scopes": []string{"openid"}},
	}, &conn)

	browser := newBrowser(t)
	loc, _ := url.Parse(a.startAuthorization(browser, conn.ID).Header.Get("Location"))
	back, _ := url.Parse(s.URL + "/oauth/callback")
	back.RawQuery = url.Values{"state": {loc.Query().Get("state")}, "error": {"access_denied"}, "error_description": {"<b>user said no</b>"}}.Encode()
	status, page := a.land(browser, back)
	if status != 400 || !strings.Contains(page, "&lt;crm&gt; was not connected") || !strings.Contains(page, "access_denied") ||
		!strings.Contains(page, "&lt;b&gt;user said no") || strings.Contains(page, "<b>") {
		t.Fatalf("provider error page %d: %s", status, page)
	}
	back.RawQuery = url.Values{"state": {"forged-state"}, "code": {"x"}}.Encode()
	if status, page := a.land(browser, back); status != 400 || !strings.Contains(page, "unknown or already used state") {
		t.Fatalf("forged state: %d %s", status, page)
	}
	if conn = a.oauthConnection(conn.ID); conn.Status != "not_connected" {
		t.Fatalf("status %q", conn.Status)
	}
	// Authorize is an API route: no token, no redirect.
	if status, _ := s.raw("GET", "/api/v1/connections/"+conn.ID+"/authorize", nil, ""); status != 401 {
		t.Fatalf("authorize without an API token = %d", status)
	}
	var problem struct {
		Error struct {
			Details []struct{ Path string } `json:"details"`
		} `json:"error"`
	}
	a.must(422, "POST", "/api/v1/connections", map[string]any{"name": "bad", "type": "http_oauth2",
		"oauth2": map[string]any{"authorize_url": p.AuthorizeURL(), "client_id": "x"}}, &problem)
	if len(problem.Error.Details) == 0 || problem.Error.Details[0].Path != "oauth2.token_url" {
		t.Fatalf("missing token_url: %+v", problem)
	}
}

// TestOAuth2ClientCredentials: no browser; the token is fetched on first
// use (client secret in the body here), cached, and used by steps.
func TestOAuth2ClientCredentials(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := &recordingAPI{server: s}
	p := oauthtest.Start(t, oauthtest.Options{})
	api := p.Resource(t)
	var conn oauthConnView
	a.must(201, "POST", "/api/v1/connections", map[string]any{
		"name": "billing", "type": "http_oauth2", "base_url": api.URL,
		"oauth2": map[string]any{"grant": "client_credentials", "token_url": p.TokenURL(), "client_id": oauthtest.ServiceID,
			"client_secret": oauthtest.ServiceSecret, "client_auth": "body"},
		"test": map[string]any{"url": "/bearer"},
	}, &conn)
	if conn.Status != "not_connected" {
		t.Fatalf("before first use: %+v", conn)
	}
	var test connectionTest
	a.must(200, "POST", "/api/v1/connections/"+conn.ID+"/test", nil, &test)
	if !test.OK || test.Status != 200 {
		t.Fatalf("test: %+v %s", test, deref(test.Error))
	}
	recipeID := a.bearerRecipe("billing", "billing")
	for i := 0; i < 2; i++ {
		if j := a.runJob(recipeID); j.Status != "succeeded" || j.Steps[0].Input.Headers["Authorization"] != "Bearer ****" {
			t.Fatalf("job %d: %s (%s)", i, j.Status, deref(j.Error))
		}
	}
	issued := p.Issued()
	if p.ClientCredentialsGrants() != 1 || issued[0].ClientAuth != "body" || len(api.Accepted()) != 3 || api.Accepted()[2] != issued[0].AccessToken {
		t.Fatalf("grants %d (%+v), tokens seen %d", p.ClientCredentialsGrants(), issued, len(api.Accepted()))
	}
	if conn = a.oauthConnection(conn.ID); conn.Status != "connected" || conn.TokenExpiresAt == nil {
		t.Fatalf("after first use: %+v", conn)
	}
	if status, raw := a.do("GET", "/api/v1/connections/"+conn.ID+"/authorize", nil, nil); status != 422 {
		t.Fatalf("authorize a client-credentials connection = %d %s", status, raw)
	}
}
