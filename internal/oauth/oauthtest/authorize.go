package oauthtest

import (
	"context"
	"net/http"
	"testing"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/oauth"
)

// Authorize runs the authorization-code flow of l through m without an
// HTTP server of patchbay's own: Begin, the user's login at the provider,
// then the callback's checks (state and cookie) and the code exchange.
// The provider must have been started with m.RedirectURL registered.
func (p *Provider) Authorize(t testing.TB, m *oauth.Manager, l *connection.Live) {
	t.Helper()
	ctx := context.Background()
	a, err := m.Begin(ctx, l)
	if err != nil {
		t.Fatalf("begin authorization: %v", err)
	}
	back := p.Login(t, &http.Client{}, a.URL)
	pending, err := m.TakeState(ctx, back.Query().Get("state"), func(name string) string {
		if name == a.CookieName {
			return a.CookieValue
		}
		return ""
	})
	if err != nil {
		t.Fatalf("callback state: %v", err)
	}
	if err := m.Exchange(ctx, l, http.DefaultClient, back.Query().Get("code"), pending.Verifier); err != nil {
		t.Fatalf("code exchange: %v", err)
	}
}
