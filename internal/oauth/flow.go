package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/store"
)

// StateLifetime is how long an authorization may take, from the authorize
// call to the callback.
const StateLifetime = 10 * time.Minute

// CookiePrefix starts the name of the cookie that binds a state to the
// browser that started the authorization. The name ends with the start of
// the state, so two authorizations from one browser do not collide.
const CookiePrefix = "patchbay_oauth_"

// Authorization is one started authorization: where to send the browser,
// and the cookie to set on it (Path /oauth/callback, HttpOnly, SameSite=Lax).
type Authorization struct {
	URL         string
	CookieName  string
	CookieValue string
	ExpiresAt   time.Time
}

// FlowError is a callback that cannot go on; Status is what the page answers.
type FlowError struct {
	Status  int
	Message string
}

func (e *FlowError) Error() string { return e.Message }

// Begin starts an authorization of an authorization_code connection:
// a new state, PKCE verifier and cookie, kept in the store (not in this
// process) so that any process can finish it.
func (m *Manager) Begin(ctx context.Context, l *connection.Live) (Authorization, error) {
	if !l.IsOAuth2() || l.Doc.OAuth2.Grant != connection.GrantAuthorizationCode {
		return Authorization{}, errors.New("only http_oauth2 connections with the authorization_code grant are authorized in a browser")
	}
	state, cookie := randomToken(), randomToken()
	verifier := oauth2.GenerateVerifier()
	sealed, err := m.Box.Seal([]byte(verifier))
	if err != nil {
		return Authorization{}, err
	}
	now := m.now()
	sum := sha256.Sum256([]byte(cookie))
	st := store.OAuthState{State: state, ConnectionID: l.Doc.ID, CookieHash: sum[:], Verifier: sealed,
		ExpiresAt: now.Add(StateLifetime), CreatedAt: now}
	if err := m.Store.CreateOAuthState(ctx, st); err != nil {
		return Authorization{}, err
	}
	u, err := AuthorizeURL(l.Doc.OAuth2, m.RedirectURL, state, verifier)
	if err != nil {
		return Authorization{}, err
	}
	return Authorization{URL: u, CookieName: CookieName(state), CookieValue: cookie, ExpiresAt: st.ExpiresAt}, nil
}

// CookieName is the name of the cookie that goes with state.
func CookieName(state string) string {
	if len(state) > 16 {
		state = state[:16]
	}
	return CookiePrefix + state
}

// Pending is a state that passed the callback's checks.
type Pending struct {
	ConnectionID string
	Verifier     string
}

// TakeState checks a callback's state: known, not used before (it is
// used up now, whatever follows), not expired, and started by this
// browser (cookie names the cookie sent with the state's name, or "").
func (m *Manager) TakeState(ctx context.Context, state string, cookie func(name string) string) (Pending, error) {
	if state == "" {
		return Pending{}, &FlowError{http.StatusBadRequest, "the callback has no state parameter: start the authorization again from patchbay"}
	}
	st, err := m.Store.TakeOAuthState(ctx, state)
	if errors.Is(err, store.ErrNotFound) {
		return Pending{}, &FlowError{http.StatusBadRequest, "unknown or already used state: start the authorization again from patchbay"}
	}
	if err != nil {
		return Pending{}, err
	}
	if m.now().After(st.ExpiresAt) {
		return Pending{}, &FlowError{http.StatusBadRequest, "this authorization expired (it must finish within 10 minutes): start it again from patchbay"}
	}
	sum := sha256.Sum256([]byte(cookie(CookieName(state))))
	if subtle.ConstantTimeCompare(sum[:], st.CookieHash) != 1 {
		return Pending{}, &FlowError{http.StatusBadRequest, "this authorization was started in another browser session (its cookie is missing or different): start it again from this browser"}
	}
	verifier, err := m.Box.Open(st.Verifier)
	if err != nil {
		return Pending{}, errors.New("the authorization's PKCE verifier cannot be opened with this secret key")
	}
	return Pending{ConnectionID: st.ConnectionID, Verifier: string(verifier)}, nil
}

// Exchange trades the code for tokens (with the PKCE verifier, client
// authentication per client_auth) and stores them sealed: the connection
// is connected, and any needs_reauthorization is cleared.
func (m *Manager) Exchange(ctx context.Context, l *connection.Live, client *http.Client, code, verifier string) error {
	if code == "" {
		return &FlowError{http.StatusBadRequest, "the callback has no code parameter"}
	}
	got, err := codeConfig(l, m.RedirectURL).Exchange(withClient(ctx, client), code, oauth2.VerifierOption(verifier))
	if err != nil {
		msg, _ := describe(err)
		return &FlowError{http.StatusBadGateway, "the code could not be exchanged for tokens: " + msg}
	}
	tok := fromOAuth2(got, m.now())
	row, err := tok.row(m.Box, l.Doc.ID, connection.OAuth2Connected, "", m.now())
	row.GrantKey = l.Doc.GrantKey()
	if err != nil {
		return err
	}
	if err := m.Store.SaveOAuthToken(ctx, row); err != nil {
		return err
	}
	l.RememberTokens(tok.AccessToken, tok.RefreshToken)
	m.logger().Info("oauth2 connection authorized", "connection", l.Doc.Name)
	return nil
}

// randomToken is 256 random bits, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
