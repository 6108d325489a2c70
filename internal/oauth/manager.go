package oauth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/metrics"
	"github.com/patchbay/patchbay/internal/secret"
	"github.com/patchbay/patchbay/internal/store"
)

// refreshTimeout bounds the wait for a refresh under way elsewhere, and
// then, separately, one refresh. A refresh, once sent, is finished even if
// the job that asked for it goes away: a rotated refresh token that the
// provider issued but nobody saved would lose the grant.
const refreshTimeout = 30 * time.Second

// leaseFor is how long the refresh lease is held: the refresh's own time
// and a margin to save its result.
const leaseFor = refreshTimeout + 10*time.Second

// Manager gives OAuth2 connections their access tokens
// (connection.TokenSource) and runs the authorization flow (flow.go).
type Manager struct {
	Store store.Store
	Box   *secret.Box
	Log   *slog.Logger
	// RedirectURL is <base-url>/oauth/callback, what users register at
	// their provider.
	RedirectURL string
	Now         func() time.Time
	// Metrics may be nil (tests).
	Metrics *metrics.Metrics
	// WaitTimeout bounds the wait for a refresh another process is making
	// (default refreshTimeout); tests shorten it.
	WaitTimeout time.Duration

	// Owner names this process when processes sharing the database agree
	// which of them refreshes a token (default: a random id).
	Owner     string
	ownerOnce sync.Once

	mu      sync.Mutex
	flights map[string]*flight // by connection id: the refresh under way

	// opened keeps the last token set opened per connection (tokens.go),
	// so a row that has not changed is not decrypted and decoded again.
	opened openedTokens
}

// flight is one refresh that every concurrent caller waits for.
type flight struct {
	done  chan struct{}
	token string
	err   error
}

var _ connection.TokenSource = (*Manager)(nil)

// logger is Log, or a logger that drops everything when none was given.
func (m *Manager) logger() *slog.Logger {
	if m.Log != nil {
		return m.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// AccessToken returns the stored access token while it is fresh, and
// otherwise a refreshed (or, for client credentials, a newly fetched) one.
// Reading the store every time is what lets several processes share one
// grant: whoever refreshed, everyone reads the result.
func (m *Manager) AccessToken(ctx context.Context, l *connection.Live, client *http.Client) (string, error) {
	row, tok, err := m.load(ctx, l)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if l.Doc.OAuth2.Grant == connection.GrantClientCredentials {
			return m.renew(ctx, l, client, "")
		}
		return "", &connection.AuthorizationError{Connection: l.Doc.Name, Status: connection.OAuth2NotConnected}
	case err != nil:
		return "", err
	case row.Status == connection.OAuth2NeedsReauthorization:
		return "", &connection.AuthorizationError{Connection: l.Doc.Name, Status: row.Status, Reason: row.Reason}
	case !tok.fresh(m.now()):
		return m.renew(ctx, l, client, tok.AccessToken)
	}
	l.RememberTokens(tok.AccessToken, tok.RefreshToken)
	return tok.AccessToken, nil
}

// Renew is called after the server refused rejected.
func (m *Manager) Renew(ctx context.Context, l *connection.Live, client *http.Client, rejected string) (string, error) {
	return m.renew(ctx, l, client, rejected)
}

// renew refreshes once per connection at a time in this process: callers
// that arrive while a refresh runs wait for it and share its token.
func (m *Manager) renew(ctx context.Context, l *connection.Live, client *http.Client, rejected string) (string, error) {
	id := l.Doc.ID
	m.mu.Lock()
	if f, ok := m.flights[id]; ok {
		m.mu.Unlock()
		select {
		case <-f.done:
			if f.err == nil {
				// This Live must mask the new token in what it records
				// too, not only the Live that refreshed.
				l.RememberTokens(f.token)
			}
			return f.token, f.err
		case <-ctx.Done():
			return "", waitError(l, "another request's token refresh", ctx.Err())
		}
	}
	f := &flight{done: make(chan struct{})}
	if m.flights == nil {
		m.flights = map[string]*flight{}
	}
	m.flights[id] = f
	m.mu.Unlock()

	// The wait for another process's refresh is bounded by refreshTimeout;
	// the refresh itself, once the lease is held, gets a budget of its own
	// (refresh), so a rotated refresh token is never lost to a deadline.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.waitTimeout())
	f.token, f.err = m.refresh(rctx, l, client, rejected)
	cancel()

	m.mu.Lock()
	delete(m.flights, id)
	m.mu.Unlock()
	close(f.done)
	return f.token, f.err
}

// refresh gets a new access token unless the stored one already is newer
// than rejected (another process refreshed, or the user reauthorized).
func (m *Manager) refresh(ctx context.Context, l *connection.Live, client *http.Client, rejected string) (string, error) {
	row, tok, err := m.load(ctx, l)
	found := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	if found && row.Status == connection.OAuth2NeedsReauthorization {
		return "", &connection.AuthorizationError{Connection: l.Doc.Name, Status: row.Status, Reason: row.Reason}
	}
	if found && tok.AccessToken != rejected && tok.fresh(m.now()) {
		l.RememberTokens(tok.AccessToken, tok.RefreshToken)
		return tok.AccessToken, nil
	}
	// Across processes: one refreshes while the others wait for its
	// result; a provider that rotates refresh tokens may revoke the whole
	// grant when one refresh token is used twice.
	lease := "oauth-refresh:" + l.Doc.ID
	for version := row.Version; ; {
		held, err := m.Store.AcquireLease(ctx, lease, m.owner(), m.now(), m.now().Add(leaseFor))
		if err != nil {
			return "", waitError(l, "the token refresh lease", err)
		}
		if held {
			defer m.Store.ReleaseLease(context.WithoutCancel(ctx), lease, m.owner())
			// Read again under the lease: a refresh that finished just
			// before it was taken has used the refresh token we hold.
			if row, tok, err = m.load(ctx, l); err != nil && !errors.Is(err, store.ErrNotFound) {
				return "", err
			}
			found = err == nil
			if found && row.Version != version && row.Status == connection.OAuth2NeedsReauthorization {
				return "", &connection.AuthorizationError{Connection: l.Doc.Name, Status: row.Status, Reason: row.Reason}
			}
			if found && row.Version != version && tok.AccessToken != rejected && tok.fresh(m.now()) {
				l.RememberTokens(tok.AccessToken, tok.RefreshToken)
				return tok.AccessToken, nil
			}
			break
		}
		// Another process is refreshing: wait a moment, then use what it
		// saved, or take the lease if it gave up.
		select {
		case <-ctx.Done():
			return "", waitError(l, "another process's token refresh", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
		if row, tok, err = m.load(ctx, l); err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
		if moved := err == nil && (!found || row.Version != version); !moved {
			continue
		}
		found, version = true, row.Version
		if row.Status == connection.OAuth2NeedsReauthorization {
			return "", &connection.AuthorizationError{Connection: l.Doc.Name, Status: row.Status, Reason: row.Reason}
		}
		if tok.AccessToken != rejected && tok.fresh(m.now()) {
			l.RememberTokens(tok.AccessToken, tok.RefreshToken)
			return tok.AccessToken, nil
		}
	}
	// From here the refresh has its own time (the wait above may have used
	// up ctx's), and what the provider answers is saved whatever happens
	// to the caller: a rotated refresh token must not be lost.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	ctx = withClient(ctx, client)
	var got *oauth2.Token
	if l.Doc.OAuth2.Grant == connection.GrantClientCredentials {
		got, err = credentialsConfig(l).Token(ctx)
	} else {
		if !found {
			return "", &connection.AuthorizationError{Connection: l.Doc.Name, Status: connection.OAuth2NotConnected}
		}
		if tok.RefreshToken == "" {
			return "", m.needsReauthorization(ctx, l, row, "the access token expired and the provider gave no refresh token")
		}
		// An expired copy makes the token source refresh at once.
		got, err = codeConfig(l, m.RedirectURL).TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Unix(1, 0)}).Token()
	}
	if err != nil {
		msg, gone := describe(err)
		if gone && l.Doc.OAuth2.Grant == connection.GrantAuthorizationCode {
			m.countTokenRequest("reauthorization_needed")
			return "", m.needsReauthorization(ctx, l, row, "the provider refused the refresh token: "+msg)
		}
		m.countTokenRequest("failed")
		m.logger().Warn("oauth2 token request failed", "connection", l.Doc.Name, "error", msg)
		return "", &connection.TokenError{Connection: l.Doc.Name, Message: msg, Retryable: retryable(err)}
	}
	m.countTokenRequest("ok")
	fresh := fromOAuth2(got, m.now())
	if fresh.RefreshToken == "" {
		fresh.RefreshToken = tok.RefreshToken // x/oauth2 keeps it too; a provider may not rotate
	}
	l.RememberTokens(fresh.AccessToken, fresh.RefreshToken)
	next, err := fresh.row(m.Box, l.Doc.ID, connection.OAuth2Connected, "", m.now())
	next.GrantKey = l.GrantKey()
	if err != nil {
		return "", err
	}
	if !found {
		if err := m.Store.SaveOAuthToken(ctx, next); err != nil {
			return "", err
		}
		return fresh.AccessToken, nil
	}
	swapped, err := m.Store.SwapOAuthToken(ctx, next, row.Version)
	if err != nil {
		return "", err
	}
	if !swapped {
		// Someone saved meanwhile (another process's refresh, or a new
		// authorization): theirs is the grant now.
		row, tok, err = m.load(ctx, l)
		if errors.Is(err, store.ErrNotFound) {
			// Deleted meanwhile (the connection's grant was edited).
			if l.Doc.OAuth2.Grant == connection.GrantClientCredentials {
				return "", waitError(l, "a token of the connection as edited", err)
			}
			return "", &connection.AuthorizationError{Connection: l.Doc.Name, Status: connection.OAuth2NotConnected}
		}
		if err != nil {
			return "", err
		}
		if row.Status == connection.OAuth2NeedsReauthorization {
			return "", &connection.AuthorizationError{Connection: l.Doc.Name, Status: row.Status, Reason: row.Reason}
		}
		l.RememberTokens(tok.AccessToken, tok.RefreshToken)
		return tok.AccessToken, nil
	}
	m.logger().Info("oauth2 access token refreshed", "connection", l.Doc.Name, "expires_at", fresh.Expiry)
	return fresh.AccessToken, nil
}

// owner names this process among those refreshing tokens.
func (m *Manager) owner() string {
	m.ownerOnce.Do(func() {
		if m.Owner == "" {
			m.Owner = uuid.NewString()
		}
	})
	return m.Owner
}

// needsReauthorization marks the connection as needing a new
// authorization (unless the row moved on meanwhile) and returns the error
// jobs fail with.
func (m *Manager) needsReauthorization(ctx context.Context, l *connection.Live, row store.OAuthToken, reason string) error {
	marked := row
	marked.Status, marked.Reason, marked.UpdatedAt = connection.OAuth2NeedsReauthorization, reason, m.now()
	if _, err := m.Store.SwapOAuthToken(ctx, marked, row.Version); err != nil {
		return err
	}
	m.logger().Warn("oauth2 connection needs reauthorization", "connection", l.Doc.Name, "reason", reason)
	return &connection.AuthorizationError{Connection: l.Doc.Name, Status: connection.OAuth2NeedsReauthorization, Reason: reason}
}

// load reads and opens a connection's token row.
func (m *Manager) load(ctx context.Context, l *connection.Live) (store.OAuthToken, tokenSet, error) {
	row, err := m.Store.OAuthToken(ctx, l.Doc.ID)
	if err != nil {
		return row, tokenSet{}, err
	}
	if row.GrantKey != l.GrantKey() {
		// Saved for the connection as it was before an edit (a Live
		// opened before it may still have been at work).
		return row, tokenSet{}, store.ErrNotFound
	}
	tok, err := m.opened.open(m.Box, row)
	return row, tok, err
}

// Status is what the connection view shows: not_connected, connected or
// needs_reauthorization (with its reason), and when the access token
// expires. It reads no secret.
func (m *Manager) Status(ctx context.Context, d *connection.Document) (status, reason string, expiresAt *time.Time, err error) {
	row, err := m.Store.OAuthToken(ctx, d.ID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && row.GrantKey != d.GrantKey()) {
		return connection.OAuth2NotConnected, "", nil, nil
	}
	if err != nil {
		return "", "", nil, err
	}
	return row.Status, row.Reason, row.ExpiresAt, nil
}

// countTokenRequest records a token request to the provider.
func (m *Manager) countTokenRequest(outcome string) {
	if m.Metrics != nil {
		m.Metrics.OAuth2Refreshes.WithLabelValues(outcome).Inc()
	}
}

// waitError is a wait for a token cut short (the job's time ran out, the
// database was busy): the job may try again, so it is retryable.
func waitError(l *connection.Live, what string, err error) error {
	return &connection.TokenError{Connection: l.Doc.Name, Message: "waiting for " + what + ": " + err.Error(), Retryable: true}
}

func (m *Manager) waitTimeout() time.Duration {
	if m.WaitTimeout > 0 {
		return m.WaitTimeout
	}
	return refreshTimeout
}
