package oauth_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/oauth"
)

// The manager keeps the token set it last opened, but still reads the row
// on every request: a refresh made by another process while this one's
// token is still fresh is used at once, and so is a reauthorization needed.
func TestAccessTokenSeesAnotherProcessesSaveWhileFresh(t *testing.T) {
	f := newFixture(t)
	l := f.codeConnection("crm")
	first := f.firstToken(l)
	ctx := context.Background()
	if again, err := f.manager.AccessToken(ctx, l, http.DefaultClient); err != nil || again != first {
		t.Fatalf("second read: %q, %v; want %q", again, err, first)
	}
	other := &oauth.Manager{Store: f.store, Box: f.manager.Box, RedirectURL: redirectURL, Log: f.manager.Log, Now: f.manager.Now, Owner: "other-process"}
	otherLive := connection.New(l.Doc, l.Secrets)
	renewed, err := other.Renew(ctx, otherLive, http.DefaultClient, first)
	if err != nil || renewed == first {
		t.Fatalf("other process's refresh: %q, %v", renewed, err)
	}
	if got, err := f.manager.AccessToken(ctx, l, http.DefaultClient); err != nil || got != renewed {
		t.Fatalf("after another process refreshed: %q, %v; want its token %q", got, err, renewed)
	}
	issued := f.provider.Issued()
	f.provider.Revoke(t, issued[len(issued)-1].RefreshToken, "refresh_token")
	if _, err := other.Renew(ctx, otherLive, http.DefaultClient, renewed); err == nil {
		t.Fatal("refresh with a revoked refresh token succeeded")
	}
	_, err = f.manager.AccessToken(ctx, l, http.DefaultClient)
	var ae *connection.AuthorizationError
	if !errors.As(err, &ae) || ae.Status != connection.OAuth2NeedsReauthorization {
		t.Fatalf("after the grant was refused elsewhere: %v; want needs reauthorization", err)
	}
}
