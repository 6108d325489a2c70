package oauth_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/oauth/oauthtest"
)

// Every Live of a connection masks a refreshed token in what it records,
// not only the one whose call made the refresh: here l2 arrives while l1's
// (slowed) refresh is under way and waits for it.
func TestEveryLiveMasksTheRefreshedToken(t *testing.T) {
	f := newFixture(t)
	l1 := f.codeConnection("crm")
	f.authorize(l1)
	l2 := connection.New(l1.Doc, l1.Secrets) // the catalog's copy, or a connection test's
	ctx := context.Background()
	first, err := f.manager.AccessToken(ctx, l1, http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	f.offset.Store(int64(time.Hour))
	slow := &http.Client{Transport: delayed{200 * time.Millisecond}}
	got1 := make(chan string)
	go func() {
		tok, err := f.manager.AccessToken(ctx, l1, slow)
		if err != nil {
			t.Error(err)
		}
		got1 <- tok
	}()
	time.Sleep(50 * time.Millisecond) // l1's refresh is on its way to the provider
	tok2, err := f.manager.AccessToken(ctx, l2, http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	if tok1 := <-got1; tok1 != tok2 || tok1 == first || f.provider.RefreshGrants() != 1 {
		t.Fatalf("tokens %q and %q after %d refreshes; want one new token shared", tok1, tok2, f.provider.RefreshGrants())
	}
	for i, l := range []*connection.Live{l1, l2} {
		if !slices.Contains(l.SecretValues(), tok2) {
			t.Errorf("Live %d would record the refreshed token in clear", i+1)
		}
	}
}

// delayed is a transport that waits before each request.
type delayed struct{ d time.Duration }

func (d delayed) RoundTrip(r *http.Request) (*http.Response, error) {
	time.Sleep(d.d)
	return http.DefaultTransport.RoundTrip(r)
}

// A wait for another process's refresh that runs out is a retryable token
// error: the job tries again later rather than failing for good.
func TestWaitForAnotherProcessIsRetryable(t *testing.T) {
	f := newFixture(t)
	l := f.codeConnection("crm")
	f.authorize(l)
	f.offset.Store(int64(time.Hour))
	now := f.manager.Now()
	if held, err := f.store.AcquireLease(context.Background(), "oauth-refresh:"+l.Doc.ID, "a-dead-process", now, now.Add(time.Hour)); err != nil || !held {
		t.Fatalf("lease: %v %v", held, err)
	}
	f.manager.WaitTimeout = 200 * time.Millisecond
	_, err := f.manager.AccessToken(context.Background(), l, http.DefaultClient)
	var te *connection.TokenError
	if !errors.As(err, &te) || !te.Retryable {
		t.Fatalf("error %v (%T), want a retryable token error", err, err)
	}
	if n := f.provider.RefreshGrants(); n != 0 {
		t.Fatalf("%d refreshes while another process held the lease", n)
	}
}

// Tokens saved by a Live opened before an edit of the grant (here, the
// scopes narrowed) are not used by the connection as edited.
func TestTokensOfAnEditedGrantAreNotUsed(t *testing.T) {
	f := newFixture(t)
	o := connection.OAuth2{Grant: connection.GrantClientCredentials, TokenURL: f.provider.TokenURL(),
		ClientID: oauthtest.ServiceID, ClientSecret: oauthtest.ServiceSecret, ClientAuth: connection.ClientAuthBody,
		Scopes: []string{"read", "admin"}}
	old := f.connection("billing", o)
	edited := old.Doc
	narrowed := *edited.OAuth2
	narrowed.Scopes = []string{"read"}
	edited.OAuth2 = &narrowed
	current := connection.New(edited, old.Secrets)
	ctx := context.Background()
	stale, err := f.manager.AccessToken(ctx, old, http.DefaultClient) // a job still on the old Live
	if err != nil {
		t.Fatal(err)
	}
	tok, err := f.manager.AccessToken(ctx, current, http.DefaultClient)
	if err != nil || tok == stale {
		t.Fatalf("the edited connection got %q (%v); want a token of its own, not the old grant's", tok, err)
	}
	if n := f.provider.ClientCredentialsGrants(); n != 2 {
		t.Fatalf("%d grants, want 2 (one per grant)", n)
	}
}
