package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/store"
)

func oauthTokenRowsSwapOnlyFromTheVersionRead(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	fatal := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	fatal(s.CreateConnection(ctx, store.Connection{ID: "c1", Name: "crm", Doc: []byte(`{}`), CreatedAt: now, UpdatedAt: now}))
	if _, err := s.OAuthToken(ctx, "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("before any token: %v", err)
	}
	if err := s.SaveOAuthToken(ctx, store.OAuthToken{ConnectionID: "nope", Sealed: []byte("x"), Status: "connected", UpdatedAt: now}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("token for a missing connection: %v", err)
	}

	exp := now.Add(time.Hour)
	fatal(s.SaveOAuthToken(ctx, store.OAuthToken{ConnectionID: "c1", Sealed: []byte("v1"), Status: "connected", ExpiresAt: &exp, UpdatedAt: now}))
	row, err := s.OAuthToken(ctx, "c1")
	fatal(err)
	if string(row.Sealed) != "v1" || row.Version != 1 || row.ExpiresAt == nil || !row.ExpiresAt.Equal(exp) {
		t.Fatalf("saved row %+v", row)
	}

	// Two refreshes start from version 1; only the first is saved.
	ok, err := s.SwapOAuthToken(ctx, store.OAuthToken{ConnectionID: "c1", Sealed: []byte("v2"), Status: "connected", UpdatedAt: now}, 1)
	fatal(err)
	late, err := s.SwapOAuthToken(ctx, store.OAuthToken{ConnectionID: "c1", Sealed: []byte("v2-late"), Status: "connected", UpdatedAt: now}, 1)
	fatal(err)
	row, _ = s.OAuthToken(ctx, "c1")
	if !ok || late || string(row.Sealed) != "v2" || row.Version != 2 || row.ExpiresAt != nil {
		t.Fatalf("swap %v, late swap %v, row %+v", ok, late, row)
	}

	// A new authorization replaces whatever is there, reason included.
	fatal(s.SaveOAuthToken(ctx, store.OAuthToken{ConnectionID: "c1", Sealed: []byte("v3"), Status: "needs_reauthorization", Reason: "r", UpdatedAt: now}))
	fatal(s.SaveOAuthToken(ctx, store.OAuthToken{ConnectionID: "c1", Sealed: []byte("v4"), Status: "connected", UpdatedAt: now}))
	row, _ = s.OAuthToken(ctx, "c1")
	if string(row.Sealed) != "v4" || row.Status != "connected" || row.Reason != "" || row.Version != 4 {
		t.Fatalf("after reauthorization %+v", row)
	}

	// Deleting the connection deletes its tokens and states.
	fatal(s.CreateOAuthState(ctx, store.OAuthState{State: "s1", ConnectionID: "c1", CookieHash: []byte("h"), Verifier: []byte("v"), ExpiresAt: now.Add(time.Minute), CreatedAt: now}))
	fatal(s.DeleteConnection(ctx, "c1", 0))
	if _, err := s.OAuthToken(ctx, "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("token of a deleted connection: %v", err)
	}
	if _, err := s.TakeOAuthState(ctx, "s1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("state of a deleted connection: %v", err)
	}
}

func oauthStatesAreSingleUseAndExpiredOnesDropped(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	if err := s.CreateConnection(ctx, store.Connection{ID: "c1", Name: "crm", Doc: []byte(`{}`), CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	state := func(id string, expires time.Time) store.OAuthState {
		return store.OAuthState{State: id, ConnectionID: "c1", CookieHash: []byte("hash-" + id), Verifier: []byte("sealed-" + id), ExpiresAt: expires, CreatedAt: now}
	}
	for _, st := range []store.OAuthState{state("old", now.Add(-time.Second)), state("live", now.Add(10*time.Minute))} {
		if err := s.CreateOAuthState(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.TakeOAuthState(ctx, "live")
	if err != nil || got.ConnectionID != "c1" || !bytes.Equal(got.CookieHash, []byte("hash-live")) || !bytes.Equal(got.Verifier, []byte("sealed-live")) || !got.ExpiresAt.Equal(now.Add(10*time.Minute)) {
		t.Fatalf("take: %+v, %v", got, err)
	}
	if _, err := s.TakeOAuthState(ctx, "live"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second take: %v", err)
	}
	// Creating "live" dropped "old", which had expired.
	if _, err := s.TakeOAuthState(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired state still there: %v", err)
	}
}

func resealCoversOAuthTokensAndVerifiers(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Now()
	if err := s.CreateConnection(ctx, store.Connection{ID: "c1", Name: "crm", Doc: []byte(`{}`), Secrets: []byte("conn"), CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveOAuthToken(ctx, store.OAuthToken{ConnectionID: "c1", Sealed: []byte("tokens"), Status: "connected", UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateOAuthState(ctx, store.OAuthState{State: "s1", ConnectionID: "c1", CookieHash: []byte("h"), Verifier: []byte("verifier"), ExpiresAt: now.Add(time.Minute), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	n, err := s.ResealSecrets(ctx, func(old []byte) ([]byte, error) { return append([]byte("new:"), old...), nil })
	if err != nil || n != 3 {
		t.Fatalf("resealed %d, %v; want the connection's secrets, its tokens and its state's verifier", n, err)
	}
	row, _ := s.OAuthToken(ctx, "c1")
	st, _ := s.TakeOAuthState(ctx, "s1")
	if string(row.Sealed) != "new:tokens" || string(st.Verifier) != "new:verifier" {
		t.Fatalf("tokens %q, verifier %q", row.Sealed, st.Verifier)
	}
	if row.Version != 1 {
		t.Fatalf("a new key moved the token row's version to %d: a refresh under way would be lost", row.Version)
	}
}

var oauthTests = map[string]func(*testing.T, store.Store){
	"TokenRowsSwapOnlyFromTheVersionRead":     oauthTokenRowsSwapOnlyFromTheVersionRead,
	"StatesAreSingleUseAndExpiredOnesDropped": oauthStatesAreSingleUseAndExpiredOnesDropped,
	"DeleteToken": oauthDeleteToken,
}

// DeleteOAuthToken forgets a connection's tokens; a missing row is no error.
func oauthDeleteToken(t *testing.T, s store.Store) {
	ctx := context.Background()
	must(t, s.CreateConnection(ctx, store.Connection{ID: "c1", Name: "crm", Doc: []byte(`{}`), CreatedAt: epoch, UpdatedAt: epoch}))
	must(t, s.DeleteOAuthToken(ctx, "c1"))
	must(t, s.SaveOAuthToken(ctx, store.OAuthToken{ConnectionID: "c1", Sealed: []byte("v1"), Status: "connected", GrantKey: "g1", UpdatedAt: epoch}))
	row, err := s.OAuthToken(ctx, "c1")
	if err != nil || row.GrantKey != "g1" {
		t.Fatalf("saved row %+v %v", row, err)
	}
	must(t, s.DeleteOAuthToken(ctx, "c1"))
	_, err = s.OAuthToken(ctx, "c1")
	wantErr(t, "deleted token", err, store.ErrNotFound)
	if ok, err := s.SwapOAuthToken(ctx, store.OAuthToken{ConnectionID: "c1", Sealed: []byte("v2"), Status: "connected", UpdatedAt: epoch}, row.Version); err != nil || ok {
		t.Fatalf("a refresh of deleted tokens was saved: %v %v", ok, err)
	}
	if _, err := s.OAuthToken(ctx, "c1"); err == nil {
		t.Fatal("a swap brought deleted tokens back")
	}
}
