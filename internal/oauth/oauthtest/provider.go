// Package oauthtest runs a real OAuth2 authorization server in-process for
// tests: the certified zitadel/oidc op package with its example storage
// and login UI. Nothing here hand-writes a token endpoint; the wrappers
// only shorten access-token lifetimes, count grants and record what the
// provider answered, so tests can check what patchbay did with it.
package oauthtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Credentials of the example provider's user and service account.
const (
	UserPassword   = "verysecure"
	ServiceID      = "sid1"       // the example storage's client-credentials client
	ServiceSecret  = "verysecret" // its secret
	authRequestKey = "authRequestID"
)

// Options configure a provider.
type Options struct {
	// ClientID, ClientSecret and RedirectURI register a web client
	// (client_secret_basic, authorization code + refresh token).
	ClientID, ClientSecret, RedirectURI string
	// AccessTokenLifetime is the expires_in the provider announces
	// (default: the example's 5 minutes).
	AccessTokenLifetime time.Duration
}

// Provider is a running authorization server.
type Provider struct {
	URL    string // the issuer: endpoints hang off it
	server *httptest.Server
	store  *shortLivedStorage
	opts   Options

	mu        sync.Mutex
	authorize []url.Values // the query of each authorization request
	issued    []TokenAnswer
}

// TokenAnswer is what the token endpoint answered once.
type TokenAnswer struct {
	GrantType    string
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	// ClientAuth is how the client authenticated: "basic" or "body".
	ClientAuth string
}

// Start runs a provider until the test ends.
func Start(t testing.TB, opts Options) *Provider {
	t.Helper()
	p := &Provider{opts: opts}
	// The issuer must be known before the handler is built, and the
	// handler before the server serves: start unstarted, then wire.
	var handler http.Handler
	p.server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.ServeHTTP(w, r)
	}))
	p.server.Start()
	t.Cleanup(p.server.Close)
	p.URL = p.server.URL

	users := serviceAwareUsers{storage.NewUserStore(p.URL)}
	clients := map[string]*storage.Client{}
	if opts.ClientID != "" {
		clients[opts.ClientID] = storage.WebClient(opts.ClientID, opts.ClientSecret, opts.RedirectURI)
	}
	p.store = &shortLivedStorage{Storage: storage.NewStorageWithClients(users, clients), lifetime: opts.AccessTokenLifetime}
	handler = p.record(exampleop.SetupServer(p.URL, p.store, nil, false))
	return p
}

// Endpoints of the provider (the example serves authorization at /auth).
func (p *Provider) AuthorizeURL() string { return p.URL + "/auth" }
func (p *Provider) TokenURL() string     { return p.URL + "/oauth/token" }
func (p *Provider) UserinfoURL() string  { return p.URL + "/userinfo" }
func (p *Provider) RevokeURL() string    { return p.URL + "/revoke" }

// Username is the example user's login name at this issuer.
func (p *Provider) Username() string {
	u, _ := url.Parse(p.URL)
	return "test-user@" + u.Hostname()
}

// RefreshGrants counts the refresh_token grants the provider served.
func (p *Provider) RefreshGrants() int { return p.countGrants("refresh_token") }

// ClientCredentialsGrants counts the client_credentials grants served.
func (p *Provider) ClientCredentialsGrants() int { return p.countGrants("client_credentials") }

func (p *Provider) countGrants(grant string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, a := range p.issued {
		if a.GrantType == grant && a.AccessToken != "" {
			n++
		}
	}
	return n
}

// AuthorizationRequests returns the query of every authorization request.
func (p *Provider) AuthorizationRequests() []url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]url.Values(nil), p.authorize...)
}

// Issued returns every successful token answer, oldest first.
func (p *Provider) Issued() []TokenAnswer {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []TokenAnswer
	for _, a := range p.issued {
		if a.AccessToken != "" {
			out = append(out, a)
		}
	}
	return out
}

// record notes authorization requests and token answers on their way.
func (p *Provider) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/auth":
			p.mu.Lock()
			p.authorize = append(p.authorize, r.URL.Query())
			p.mu.Unlock()
		case "/oauth/token":
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			form, _ := url.ParseQuery(string(body))
			auth := "body"
			if _, _, ok := r.BasicAuth(); ok {
				auth = "basic"
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var a TokenAnswer
			_ = json.Unmarshal(rec.Body.Bytes(), &a)
			a.GrantType, a.ClientAuth = form.Get("grant_type"), auth
			p.mu.Lock()
			p.issued = append(p.issued, a)
			p.mu.Unlock()
			for k, vs := range rec.Header() {
				w.Header()[k] = vs
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Login plays the user at the provider's login page: given the
// authorization URL patchbay redirected to, it signs in and returns the
// URL the provider sends the browser back to (the redirect URI with code
// and state), without following it. browser carries the cookies.
func (p *Provider) Login(t testing.TB, browser *http.Client, authorizeURL string) *url.URL {
	t.Helper()
	stopAtCallback := *browser
	stopAtCallback.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !strings.HasPrefix(req.URL.String(), p.URL) {
			return http.ErrUseLastResponse // leaving the provider: back to the client
		}
		return nil
	}
	resp, err := stopAtCallback.Get(authorizeURL)
	if err != nil {
		t.Fatalf("open authorization URL: %v", err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	id := resp.Request.URL.Query().Get(authRequestKey)
	if resp.StatusCode != http.StatusOK || id == "" {
		t.Fatalf("authorization URL led to %s (%d), not the login page: %s", resp.Request.URL, resp.StatusCode, page)
	}
	resp, err = stopAtCallback.PostForm(p.URL+"/login/username", url.Values{
		"id": {id}, "username": {p.Username()}, "password": {UserPassword}})
	if err != nil {
		t.Fatalf("log in: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	loc, err := resp.Location()
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("login answered %d, not a redirect back to the client: %s", resp.StatusCode, body)
	}
	return loc
}

// Revoke revokes a token at the provider's revocation endpoint, as the
// registered client (RFC 7009).
func (p *Provider) Revoke(t testing.TB, token, hint string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, p.RevokeURL(), strings.NewReader(url.Values{"token": {token}, "token_type_hint": {hint}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(p.opts.ClientID), url.QueryEscape(p.opts.ClientSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("revoke: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("revoke answered %d: %s", resp.StatusCode, b)
	}
}

// shortLivedStorage is the example storage with access tokens announced as
// living opts.AccessTokenLifetime.
type shortLivedStorage struct {
	*storage.Storage
	lifetime time.Duration
}

func (s *shortLivedStorage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	id, exp, err := s.Storage.CreateAccessToken(ctx, req)
	return id, s.shorten(exp), err
}

func (s *shortLivedStorage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	id, refresh, exp, err := s.Storage.CreateAccessAndRefreshTokens(ctx, req, current)
	return id, refresh, s.shorten(exp), err
}

func (s *shortLivedStorage) shorten(exp time.Time) time.Time {
	if s.lifetime > 0 {
		return time.Now().Add(s.lifetime)
	}
	return exp
}

// serviceAwareUsers adds the service account to the example's users, so
// that the userinfo endpoint also answers for client-credentials tokens.
type serviceAwareUsers struct{ storage.UserStore }

func (u serviceAwareUsers) GetUserByID(id string) *storage.User {
	if id == ServiceID {
		return &storage.User{ID: ServiceID, Username: ServiceID}
	}
	return u.UserStore.GetUserByID(id)
}
