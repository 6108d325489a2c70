package oauth_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/oauth"
	"github.com/patchbay/patchbay/internal/oauth/oauthtest"
	"github.com/patchbay/patchbay/internal/secret"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/sqlite"
)

const redirectURL = "http://patchbay.test/oauth/callback"

// fixture is a manager on a real SQLite store, a real provider, and a
// clock the test moves (instead of sleeping past token lifetimes).
type fixture struct {
	t        *testing.T
	store    *sqlite.Store
	manager  *oauth.Manager
	provider *oauthtest.Provider
	offset   atomic.Int64 // nanoseconds added to the real clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, _ := secret.GenerateKey()
	box, err := secret.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, store: st}
	f.provider = oauthtest.Start(t, oauthtest.Options{ClientID: "patchbay-test", ClientSecret: "client-secret-value", RedirectURI: redirectURL})
	f.manager = &oauth.Manager{Store: st, Box: box, RedirectURL: redirectURL,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return time.Now().Add(time.Duration(f.offset.Load())) }}
	return f
}

// connection stores a connection row (the token row refers to it) and
// returns it live.
func (f *fixture) connection(name string, o connection.OAuth2) *connection.Live {
	f.t.Helper()
	doc := connection.Document{ID: name + "-id", Name: name, Type: connection.TypeHTTPOAuth2, Auth: connection.Auth{Type: connection.AuthNone}, OAuth2: &o}
	doc.Normalize()
	if ps := doc.Validate(); len(ps) > 0 {
		f.t.Fatalf("invalid test connection: %v", ps)
	}
	now := time.Now()
	if err := f.store.CreateConnection(context.Background(), store.Connection{ID: doc.ID, Name: name, Doc: []byte(`{}`), CreatedAt: now, UpdatedAt: now}); err != nil {
		f.t.Fatal(err)
	}
	public, secrets := doc.SplitSecrets()
	public.ID = doc.ID
	return connection.New(public, secrets)
}

func (f *fixture) codeConnection(name string) *connection.Live {
	return f.connection(name, connection.OAuth2{AuthorizeURL: f.provider.AuthorizeURL(), TokenURL: f.provider.TokenURL(),
		ClientID: "patchbay-test", ClientSecret: "client-secret-value", Scopes: []string{"openid", "offline_access"}})
}

// authorize runs the browser flow against the provider.
func (f *fixture) authorize(l *connection.Live) {
	f.t.Helper()
	f.provider.Authorize(f.t, f.manager, l)
}

// firstToken authorizes l and returns the access token the code exchange
// saved, failing the test when there is none.
func (f *fixture) firstToken(l *connection.Live) string {
	f.t.Helper()
	f.authorize(l)
	tok, err := f.manager.AccessToken(context.Background(), l, http.DefaultClient)
	if err != nil || tok == "" {
		f.t.Fatalf("access token after authorization: %q, %v", tok, err)
	}
	return tok
}

func cookieJar(name, value string) func(string) string {
	return func(n string) string {
		if n == name {
			return value
		}
		return ""
	}
}

func TestAuthorizeURLKeepsItsParametersAndSetsEachOnce(t *testing.T) {
	o := &connection.OAuth2{AuthorizeURL: "https://provider.test/authorize?response_type=code&client_id=stale&audience=api",
		ClientID: "abc", Scopes: []string{"read", "write"}}
	raw, err := oauth.AuthorizeURL(o, redirectURL, "the-state", "a-verifier-that-is-long-enough-for-pkce-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(raw)
	q := u.Query()
	want := map[string]string{"response_type": "code", "client_id": "abc", "audience": "api", "redirect_uri": redirectURL,
		"scope": "read write", "state": "the-state", "code_challenge_method": "S256"}
	for k, v := range want {
		if len(q[k]) != 1 || q[k][0] != v {
			t.Errorf("%s = %q, want exactly [%q]", k, q[k], v)
		}
	}
	if len(q["code_challenge"]) != 1 || q.Get("code_challenge") == "a-verifier-that-is-long-enough-for-pkce-0123456789" {
		t.Errorf("code_challenge = %q: want one S256 challenge, never the verifier", q["code_challenge"])
	}
}

func TestRefreshIsSingleFlightAndRotatesTheRefreshToken(t *testing.T) {
	f := newFixture(t)
	l := f.codeConnection("crm")
	first := f.firstToken(l)
	ctx := context.Background()
	if again, _ := f.manager.AccessToken(ctx, l, http.DefaultClient); again != first || f.provider.RefreshGrants() != 0 {
		t.Fatalf("a fresh token was not reused: %q then %q, %d refreshes", first, again, f.provider.RefreshGrants())
	}

	f.offset.Store(int64(time.Hour)) // past the example's 5-minute tokens
	fresh := sameNewToken(t, first, 10, func(int) (string, error) { return f.manager.AccessToken(ctx, l, http.DefaultClient) })
	if n := f.provider.RefreshGrants(); n != 1 {
		t.Fatalf("%d refresh grants for 10 concurrent callers, want 1", n)
	}
	issued := f.provider.Issued()
	if last := issued[len(issued)-1]; last.RefreshToken == "" || last.RefreshToken == issued[0].RefreshToken || last.ClientAuth != "basic" {
		t.Fatalf("the refresh answer %+v: want a rotated refresh token, client authenticated with basic", last)
	}

	// A rejected token that is no longer the stored one is not refreshed
	// again: someone already did.
	if tok, err := f.manager.Renew(ctx, l, http.DefaultClient, first); err != nil || tok != fresh || f.provider.RefreshGrants() != 1 {
		t.Fatalf("renew of an old token: %q, %v, %d refreshes; want the stored token and no refresh", tok, err, f.provider.RefreshGrants())
	}
	// The rotated refresh token was saved: a refresh after 401 works.
	tok, err := f.manager.Renew(ctx, l, http.DefaultClient, fresh)
	if err != nil || tok == fresh || f.provider.RefreshGrants() != 2 {
		t.Fatalf("renew after 401: %q, %v, %d refreshes", tok, err, f.provider.RefreshGrants())
	}
	if status, _, expires, _ := f.manager.Status(ctx, &l.Doc); status != connection.OAuth2Connected || expires == nil {
		t.Fatalf("status %q, expires %v", status, expires)
	}
	if !strings.Contains(strings.Join(l.SecretValues(), " "), tok) {
		t.Fatal("the new access token is not among the values masked in job records")
	}
}

func TestRevokedRefreshTokenNeedsReauthorization(t *testing.T) {
	f := newFixture(t)
	l := f.codeConnection("crm")
	f.authorize(l)
	ctx := context.Background()
	issued := f.provider.Issued()
	f.provider.Revoke(t, issued[len(issued)-1].RefreshToken, "refresh_token")
	f.offset.Store(int64(time.Hour))

	_, err := f.manager.AccessToken(ctx, l, http.DefaultClient)
	var ae *connection.AuthorizationError
	if !errors.As(err, &ae) || ae.Status != connection.OAuth2NeedsReauthorization ||
		!strings.Contains(err.Error(), `connection "crm" needs reauthorization`) || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("err = %v, want needs reauthorization naming invalid_grant", err)
	}
	status, reason, _, _ := f.manager.Status(ctx, &l.Doc)
	if status != connection.OAuth2NeedsReauthorization || reason == "" {
		t.Fatalf("status %q (%q), want needs_reauthorization with a reason", status, reason)
	}
	// Later requests fail the same way without asking the provider again.
	grants := len(f.provider.Issued())
	if _, err := f.manager.AccessToken(ctx, l, http.DefaultClient); !errors.As(err, &ae) || len(f.provider.Issued()) != grants {
		t.Fatalf("second call: %v", err)
	}
	// A new authorization clears it.
	f.authorize(l)
	if status, _, _, _ := f.manager.Status(ctx, &l.Doc); status != connection.OAuth2Connected {
		t.Fatalf("after reauthorization: %s", status)
	}
	if _, err := f.manager.AccessToken(ctx, l, http.DefaultClient); err != nil {
		t.Fatalf("after reauthorization: %v", err)
	}
}

func TestCallbackStateIsBoundSingleUseAndExpires(t *testing.T) {
	f := newFixture(t)
	l := f.codeConnection("crm")
	ctx := context.Background()
	begin := func() oauth.Authorization {
		a, err := f.manager.Begin(ctx, l)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	stateOf := func(a oauth.Authorization) string {
		u, _ := url.Parse(a.URL)
		return u.Query().Get("state")
	}
	wantRefused := func(what string, err error, text string) {
		t.Helper()
		var fe *oauth.FlowError
		if !errors.As(err, &fe) || fe.Status != http.StatusBadRequest || !strings.Contains(fe.Message, text) {
			t.Fatalf("%s: %v, want a 400 saying %q", what, err, text)
		}
	}

	a := begin()
	_, err := f.manager.TakeState(ctx, stateOf(a), cookieJar(a.CookieName, "another browser's cookie"))
	wantRefused("foreign cookie", err, "another browser session")
	_, err = f.manager.TakeState(ctx, stateOf(a), cookieJar(a.CookieName, a.CookieValue))
	wantRefused("state already used", err, "already used")

	b := begin()
	if _, err := f.manager.TakeState(ctx, stateOf(b), cookieJar(b.CookieName, b.CookieValue)); err != nil {
		t.Fatalf("the right cookie: %v", err)
	}

	c := begin()
	f.offset.Store(int64(oauth.StateLifetime + time.Second))
	_, err = f.manager.TakeState(ctx, stateOf(c), cookieJar(c.CookieName, c.CookieValue))
	wantRefused("expired state", err, "expired")
	_, err = f.manager.TakeState(ctx, "", cookieJar("", ""))
	wantRefused("no state", err, "no state")
}

func TestClientCredentialsAreFetchedCachedAndRefreshed(t *testing.T) {
	f := newFixture(t)
	l := f.connection("billing", connection.OAuth2{Grant: connection.GrantClientCredentials, TokenURL: f.provider.TokenURL(),
		ClientID: oauthtest.ServiceID, ClientSecret: oauthtest.ServiceSecret, ClientAuth: connection.ClientAuthBody})
	ctx := context.Background()
	if status, _, _, _ := f.manager.Status(ctx, &l.Doc); status != connection.OAuth2NotConnected {
		t.Fatalf("before first use: %s", status)
	}
	first, err := f.manager.AccessToken(ctx, l, http.DefaultClient)
	if err != nil || first == "" {
		t.Fatalf("first token: %q, %v", first, err)
	}
	if again, _ := f.manager.AccessToken(ctx, l, http.DefaultClient); again != first || f.provider.ClientCredentialsGrants() != 1 {
		t.Fatalf("token not cached: %d grants", f.provider.ClientCredentialsGrants())
	}
	if a := f.provider.Issued()[0]; a.ClientAuth != "body" {
		t.Fatalf("client authenticated with %q, want body", a.ClientAuth)
	}
	f.offset.Store(int64(time.Hour))
	next, err := f.manager.AccessToken(ctx, l, http.DefaultClient)
	if err != nil || next == first || f.provider.ClientCredentialsGrants() != 2 {
		t.Fatalf("after expiry: %q, %v, %d grants", next, err, f.provider.ClientCredentialsGrants())
	}
	if _, err := f.manager.Begin(ctx, l); err == nil {
		t.Fatal("a client-credentials connection was sent to a browser authorization")
	}
}

func TestNeverAuthorizedConnectionSaysSo(t *testing.T) {
	f := newFixture(t)
	l := f.codeConnection("crm")
	_, err := f.manager.AccessToken(context.Background(), l, http.DefaultClient)
	var ae *connection.AuthorizationError
	if !errors.As(err, &ae) || ae.Status != connection.OAuth2NotConnected || !strings.Contains(err.Error(), "authorize it first") {
		t.Fatalf("err = %v", err)
	}
}

// Two processes sharing the database (two managers on one store, each
// with its own copy of the connection) refresh an expired token once: one
// refreshes under a lease, the other waits and uses what it saved. A
// provider that rotates refresh tokens could revoke the grant if the same
// refresh token were used twice.
func TestRefreshIsSingleAcrossProcesses(t *testing.T) {
	f := newFixture(t)
	l := f.codeConnection("crm")
	first := f.firstToken(l)
	ctx := context.Background()
	other := &oauth.Manager{Store: f.store, Box: f.manager.Box, RedirectURL: redirectURL, Log: f.manager.Log, Now: f.manager.Now, Owner: "other-process"}
	otherLive := connection.New(l.Doc, l.Secrets)
	f.offset.Store(int64(time.Hour))
	sameNewToken(t, first, 10, func(i int) (string, error) {
		if i%2 == 0 {
			return f.manager.AccessToken(ctx, l, http.DefaultClient)
		}
		return other.AccessToken(ctx, otherLive, http.DefaultClient)
	})
	if n := f.provider.RefreshGrants(); n != 1 {
		t.Fatalf("%d refresh grants from two processes, want 1", n)
	}
}

// sameNewToken runs n callers of get at once and wants every one to get
// the same token, a new one (not first); it returns that token.
func sameNewToken(t *testing.T, first string, n int, get func(i int) (string, error)) string {
	t.Helper()
	var wg sync.WaitGroup
	got := make([]string, n)
	errs := make([]error, n)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = get(i)
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || got[i] == first || got[i] != got[0] {
			t.Fatalf("caller %d got %q (%v); want the one new token %q", i, got[i], errs[i], got[0])
		}
	}
	return got[0]
}
