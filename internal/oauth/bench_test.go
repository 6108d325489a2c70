package oauth_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/oauth"
	"github.com/patchbay/patchbay/internal/oauth/oauthtest"
	"github.com/patchbay/patchbay/internal/secret"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/sqlite"
)

// BenchmarkAccessToken is what every request through an http_oauth2
// connection asks first while its token is fresh: the token row read from
// a real SQLite store and opened. The token comes once from a real
// provider (client credentials).
func BenchmarkAccessToken(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, b.TempDir(), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	key, _ := secret.GenerateKey()
	box, err := secret.NewBox(key)
	if err != nil {
		b.Fatal(err)
	}
	provider := oauthtest.Start(b, oauthtest.Options{ClientID: "patchbay-test", ClientSecret: "client-secret-value", RedirectURI: redirectURL})
	m := &oauth.Manager{Store: st, Box: box, RedirectURL: redirectURL}
	doc := connection.Document{ID: "billing-id", Name: "billing", Type: connection.TypeHTTPOAuth2, Auth: connection.Auth{Type: connection.AuthNone},
		OAuth2: &connection.OAuth2{Grant: connection.GrantClientCredentials, TokenURL: provider.TokenURL(),
			ClientID: oauthtest.ServiceID, ClientSecret: oauthtest.ServiceSecret, ClientAuth: connection.ClientAuthBody}}
	doc.Normalize()
	now := time.Now()
	if err := st.CreateConnection(ctx, store.Connection{ID: doc.ID, Name: doc.Name, Doc: []byte(`{}`), CreatedAt: now, UpdatedAt: now}); err != nil {
		b.Fatal(err)
	}
	public, secrets := doc.SplitSecrets()
	l := connection.New(public, secrets)
	first, err := m.AccessToken(ctx, l, http.DefaultClient)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if tok, err := m.AccessToken(ctx, l, http.DefaultClient); err != nil || tok != first {
			b.Fatalf("AccessToken = %q, %v; want the stored token", tok, err)
		}
	}
	if n := provider.ClientCredentialsGrants(); n != 1 {
		b.Fatalf("%d token requests, want 1 (the rest from the store)", n)
	}
}
