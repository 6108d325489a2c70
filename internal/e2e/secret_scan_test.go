package e2e

import (
	"encoding/base64"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/oauth/oauthtest"
)

// TestSecretsAppearNowhere runs the full scenario — a basic-auth
// connection with a password, an OAuth2 connection with a client secret
// whose tokens are issued, used, refused and refreshed, and a
// client-credentials connection, with jobs through each against servers
// that echo what they receive — and then searches the SQLite file (with
// its -wal and -shm), the server's logs and every API answer the test
// received for each secret and its base64: none may be there.
func TestSecretsAppearNowhere(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := &recordingAPI{server: s}
	bin := httpbinServer(t)
	p := oauthtest.Start(t, oauthtest.Options{ClientID: "patchbay-scan", ClientSecret: e2eClientSecret, RedirectURI: s.URL + "/oauth/callback"})
	api := p.Resource(t)

	const password = "scan-Pa55word-for-jira"
	a.must(201, "POST", "/api/v1/connections", map[string]any{
		"name": "jira", "type": "http", "base_url": bin.URL,
		"auth": map[string]any{"type": "basic", "username": "admin", "password": password},
		"test": map[string]any{"url": "/anything/myself"},
	}, nil)
	var r struct{ ID string }
	a.must(201, "POST", "/api/v1/recipes", map[string]any{
		"name": "jira echo", "trigger": map[string]any{"type": "manual"},
		"steps": []any{map[string]any{"id": "echo", "connection": "jira", "method": "GET", "url": "/anything/project", "response_type": "json"}},
	}, &r)
	if j := a.runJob(r.ID); j.Status != "succeeded" {
		t.Fatalf("basic-auth job: %s (%s)", j.Status, deref(j.Error))
	}

	var crm oauthConnView
	a.must(201, "POST", "/api/v1/connections", map[string]any{
		"name": "crm", "type": "http_oauth2", "base_url": api.URL,
		"oauth2": map[string]any{"authorize_url": p.AuthorizeURL(), "token_url": p.TokenURL(), "client_id": "patchbay-scan",
			"client_secret": e2eClientSecret, "scopes": []string{"openid", "offline_access"}},
		"test": map[string]any{"url": "/bearer"},
	}, &crm)
	a.authorize(p, crm.ID, "crm")
	a.must(200, "POST", "/api/v1/connections/"+crm.ID+"/test", nil, nil)
	crmRecipe := a.bearerRecipe("crm echo", "crm")
	if j := a.runJob(crmRecipe); j.Status != "succeeded" {
		t.Fatalf("OAuth2 job: %s (%s)", j.Status, deref(j.Error))
	}
	p.Revoke(t, p.Issued()[0].AccessToken, "access_token") // refused, refreshed, resent
	if j := a.runJob(crmRecipe); j.Status != "succeeded" || p.RefreshGrants() != 1 {
		t.Fatalf("OAuth2 job after a refused token: %s (%s), %d refreshes", j.Status, deref(j.Error), p.RefreshGrants())
	}

	a.must(201, "POST", "/api/v1/connections", map[string]any{
		"name": "billing", "type": "http_oauth2", "base_url": api.URL,
		"oauth2": map[string]any{"grant": "client_credentials", "token_url": p.TokenURL(), "client_id": oauthtest.ServiceID,
			"client_secret": oauthtest.ServiceSecret},
	}, nil)
	if j := a.runJob(a.bearerRecipe("billing echo", "billing")); j.Status != "succeeded" {
		t.Fatalf("client-credentials job: %s (%s)", j.Status, deref(j.Error))
	}

	// Read back everything the API offers, so those answers are searched too.
	var list struct{ Connections []struct{ ID string } }
	a.must(200, "GET", "/api/v1/connections", nil, &list)
	for _, c := range list.Connections {
		a.must(200, "GET", "/api/v1/connections/"+c.ID, nil, nil)
	}
	var recipes struct{ Recipes []struct{ ID string } }
	a.must(200, "GET", "/api/v1/recipes", nil, &recipes)
	for _, rc := range recipes.Recipes {
		a.must(200, "GET", "/api/v1/recipes/"+rc.ID, nil, nil)
		var jobs struct{ Jobs []struct{ ID string } }
		a.must(200, "GET", "/api/v1/recipes/"+rc.ID+"/jobs", nil, &jobs)
		for _, j := range jobs.Jobs {
			a.must(200, "GET", "/api/v1/jobs/"+j.ID, nil, nil)
		}
	}

	secrets := map[string]string{
		"password":                   password,
		"basic credentials":          "admin:" + password,
		"client secret":              e2eClientSecret,
		"client basic credentials":   url.QueryEscape("patchbay-scan") + ":" + url.QueryEscape(e2eClientSecret),
		"service secret basic creds": oauthtest.ServiceID + ":" + oauthtest.ServiceSecret,
	}
	issued := p.Issued()
	if len(issued) < 3 {
		t.Fatalf("the provider issued %d token sets, want at least 3 (code, refresh, client credentials)", len(issued))
	}
	for i, tok := range issued {
		secrets["access token "+string(rune('A'+i))] = tok.AccessToken
		if tok.RefreshToken != "" {
			secrets["refresh token "+string(rune('A'+i))] = tok.RefreshToken
		}
	}
	places := map[string]string{"server logs": s.logs.String(), "API answers": a.Answers()}
	for _, name := range []string{"patchbay.db", "patchbay.db-wal", "patchbay.db-shm"} {
		b, err := os.ReadFile(filepath.Join(s.DataDir, name))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		places[name] = string(b)
	}
	if !strings.Contains(places["API answers"], `"client_secret":"set"`) || len(places["patchbay.db"])+len(places["patchbay.db-wal"]) == 0 {
		t.Fatal("the scan has nothing to search: no API answers or no database")
	}
	for what, value := range secrets {
		forms := map[string]string{"plain": value, "base64": base64.StdEncoding.EncodeToString([]byte(value)),
			"base64url": base64.RawURLEncoding.EncodeToString([]byte(value))}
		for form, v := range forms {
			for where, text := range places {
				if i := strings.Index(text, v); i >= 0 {
					t.Errorf("%s (%s) found in %s: …%q…", what, form, where, text[max(0, i-120):i])
				}
			}
		}
	}
}
