package httprequest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/oauth"
	"github.com/patchbay/patchbay/internal/oauth/oauthtest"
	"github.com/patchbay/patchbay/internal/pill"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/secret"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/sqlite"
)

// oauth2Setup is an executor whose tokens come from a real oauth.Manager
// on SQLite, an authorized connection, and a real provider.
func oauth2Setup(t *testing.T, resource func(*oauthtest.Provider) *oauthtest.Resource, o connection.OAuth2) (*Executor, *connection.Live, *oauthtest.Provider, *oauthtest.Resource) {
	t.Helper()
	const redirect = "http://patchbay.test/oauth/callback"
	p := oauthtest.Start(t, oauthtest.Options{ClientID: "exec-test", ClientSecret: "exec-secret", RedirectURI: redirect})
	res := resource(p)
	st, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, _ := secret.GenerateKey()
	box, _ := secret.NewBox(key)
	m := &oauth.Manager{Store: st, Box: box, RedirectURL: redirect, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}

	o.AuthorizeURL, o.TokenURL, o.ClientID, o.ClientSecret, o.Scopes = p.AuthorizeURL(), p.TokenURL(), "exec-test", "exec-secret", []string{"openid", "offline_access"}
	doc := connection.Document{ID: "c1", Name: "crm", Type: connection.TypeHTTPOAuth2, BaseURL: res.URL, OAuth2: &o}
	doc.Normalize()
	if ps := doc.Validate(); len(ps) > 0 {
		t.Fatal(ps)
	}
	now := time.Now()
	if err := st.CreateConnection(context.Background(), store.Connection{ID: "c1", Name: "crm", Doc: []byte(`{}`), CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	public, secrets := doc.SplitSecrets()
	public.ID = doc.ID
	live := connection.New(public, secrets)
	p.Authorize(t, m, live)
	e := executor()
	e.Tokens = m
	return e, live, p, res
}

// TestOAuth2RefreshSignalsOtherThan401 covers APIs that refuse an
// expired token with another status, or say so only in the body: the
// token is refreshed and the request resent once.
func TestOAuth2RefreshSignalsOtherThan401(t *testing.T) {
	cases := []struct {
		name     string
		status   int
		body     string
		settings connection.OAuth2
	}{
		{"refresh_on_status", http.StatusForbidden, `{"error": "forbidden"}`, connection.OAuth2{RefreshOnStatus: []int{403}}},
		{"refresh_on_body", http.StatusBadRequest, `{"code": "token_expired"}`, connection.OAuth2{RefreshOnBody: `"code":\s*"token_expired"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, live, p, res := oauth2Setup(t, func(p *oauthtest.Provider) *oauthtest.Resource {
				return p.ResourceRefusingWith(t, c.status, c.body)
			}, c.settings)
			req := compile(t, recipe.Step{Method: "GET", URL: "/bearer", ResponseType: "json"})
			if o := e.Do(context.Background(), req, pill.Env{}, live, "k"); o.Err != nil {
				t.Fatalf("first call: %v", o.Err)
			}
			p.Revoke(t, p.Issued()[0].AccessToken, "access_token")
			o := e.Do(context.Background(), req, pill.Env{}, live, "k")
			if o.Err != nil || o.Output.Status != 200 || res.Refused() != 1 || p.RefreshGrants() != 1 {
				t.Fatalf("after the token was refused with %d: err %v, refused %d, refreshes %d", c.status, o.Err, res.Refused(), p.RefreshGrants())
			}
			if o.Input.Headers["Authorization"] != "Bearer ****" {
				t.Fatalf("recorded Authorization %q", o.Input.Headers["Authorization"])
			}
		})
	}
}

// TestOAuth2UnrelatedRefusalIsNotRefreshed: a 400 whose body does not
// match is the API's answer, not an expired token.
func TestOAuth2UnrelatedRefusalIsNotRefreshed(t *testing.T) {
	e, live, p, res := oauth2Setup(t, func(p *oauthtest.Provider) *oauthtest.Resource {
		return p.ResourceRefusingWith(t, http.StatusBadRequest, `{"code": "bad_request"}`)
	}, connection.OAuth2{RefreshOnBody: `token_expired`})
	p.Revoke(t, p.Issued()[0].AccessToken, "access_token")
	o := e.Do(context.Background(), compile(t, recipe.Step{Method: "GET", URL: "/bearer", ResponseType: "json"}), pill.Env{}, live, "k")
	if o.Err == nil || o.Output == nil || o.Output.Status != 400 || p.RefreshGrants() != 0 || res.Refused() != 1 {
		t.Fatalf("err %v, refreshes %d", o.Err, p.RefreshGrants())
	}
	if body, _ := json.Marshal(o.Output.Body); !strings.Contains(string(body), "bad_request") {
		t.Fatalf("the API's answer was not kept: %v", o.Output.Body)
	}
}

// TestOAuth2RevokedGrantFailsWithReauthorization: a refused token whose
// refresh is refused too fails the step with the connection's state, not
// the API's 401, and is not retried.
func TestOAuth2RevokedGrantFailsWithReauthorization(t *testing.T) {
	e, live, p, _ := oauth2Setup(t, func(p *oauthtest.Provider) *oauthtest.Resource { return p.Resource(t) }, connection.OAuth2{})
	p.Revoke(t, p.Issued()[0].RefreshToken, "refresh_token")
	o := e.Do(context.Background(), compile(t, recipe.Step{Method: "GET", URL: "/bearer"}), pill.Env{}, live, "k")
	var ae *connection.AuthorizationError
	if !errors.As(o.Err, &ae) || o.Retryable || !strings.Contains(o.Err.Error(), `connection "crm" needs reauthorization`) {
		t.Fatalf("err %v (retryable %v)", o.Err, o.Retryable)
	}
}
