// Package oauth runs the OAuth2 side of http_oauth2 connections: the
// authorization-code flow (state bound to the browser, PKCE S256), the
// client-credentials grant, and access tokens that stay valid (refreshed
// before expiry and after a 401, single-flight per connection, saved
// sealed and atomically with a rotated refresh token). Tokens are kept in
// the store apart from the connection document; nothing here logs or
// returns them.
package oauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/patchbay/patchbay/internal/secret"
	"github.com/patchbay/patchbay/internal/store"
)

// tokenSet is what the sealed column of a token row holds.
type tokenSet struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	// ObtainedAt with Expiry gives the token's lifetime, from which the
	// refresh margin is taken.
	ObtainedAt time.Time `json:"obtained_at"`
}

// maxRefreshMargin is how long before expiry a long-lived token is
// refreshed; a short-lived one is refreshed when a tenth of its life is left.
const maxRefreshMargin = time.Minute

// fresh reports whether the access token may still be sent at now.
func (t *tokenSet) fresh(now time.Time) bool {
	if t.AccessToken == "" {
		return false
	}
	if t.Expiry.IsZero() {
		return true // no expires_in: only a 401 tells
	}
	margin := t.Expiry.Sub(t.ObtainedAt) / 10
	if margin > maxRefreshMargin {
		margin = maxRefreshMargin
	}
	return now.Before(t.Expiry.Add(-margin))
}

// fromOAuth2 keeps what the token endpoint answered. The expiry is taken
// from expires_in on the manager's clock (x/oauth2 uses the wall clock),
// so that expiry and the time it is compared with agree.
func fromOAuth2(tok *oauth2.Token, now time.Time) tokenSet {
	t := tokenSet{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, TokenType: tok.TokenType, Expiry: tok.Expiry, ObtainedAt: now}
	if tok.ExpiresIn > 0 {
		t.Expiry = now.Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	return t
}

// row seals t into a token row.
func (t *tokenSet) row(box *secret.Box, connectionID, status, reason string, now time.Time) (store.OAuthToken, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return store.OAuthToken{}, err
	}
	sealed, err := box.Seal(b)
	if err != nil {
		return store.OAuthToken{}, err
	}
	r := store.OAuthToken{ConnectionID: connectionID, Sealed: sealed, Status: status, Reason: reason, UpdatedAt: now}
	if !t.Expiry.IsZero() {
		e := t.Expiry.UTC()
		r.ExpiresAt = &e
	}
	return r, nil
}

// openRow opens a token row's sealed token set.
func openRow(box *secret.Box, r store.OAuthToken) (tokenSet, error) {
	var t tokenSet
	if box == nil {
		return t, errors.New("no secret key")
	}
	b, err := box.Open(r.Sealed)
	if err != nil {
		return t, errors.New("stored OAuth2 tokens cannot be opened with this secret key")
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return t, errors.New("stored OAuth2 tokens are damaged")
	}
	return t, nil
}

// openedTokens remembers, per connection, the sealed column last opened and
// what it held. The row is still read from the store on every request
// (another process may have refreshed or reauthorized); only opening it
// again is skipped while its sealed bytes are the same. Sealing uses a
// fresh nonce each time, so equal bytes are the same save.
type openedTokens struct {
	byConnection sync.Map // connection id -> *openedRow
}

type openedRow struct {
	box    *secret.Box // what opened it: a row another key cannot open is not served from here
	sealed []byte
	tok    tokenSet
}

// open is openRow, remembered.
func (o *openedTokens) open(box *secret.Box, r store.OAuthToken) (tokenSet, error) {
	if v, ok := o.byConnection.Load(r.ConnectionID); ok {
		if last := v.(*openedRow); last.box == box && bytes.Equal(last.sealed, r.Sealed) {
			return last.tok, nil
		}
	}
	tok, err := openRow(box, r)
	if err != nil {
		return tok, err
	}
	o.byConnection.Store(r.ConnectionID, &openedRow{box: box, sealed: bytes.Clone(r.Sealed), tok: tok})
	return tok, nil
}
