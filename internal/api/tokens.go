package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apitoken"
	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/store"
)

// lastUsedResolution is how stale a token's last_used_at may get: it is
// written when a request finds it older than this, so a token in steady
// use costs one write a minute, not one per request.
const lastUsedResolution = time.Minute

// tokenView is what the API shows of a token: never the token itself,
// except in the answer that created it (Token).
type tokenView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Token      string     `json:"token,omitempty"`
}

func viewOfToken(t store.APIToken) tokenView {
	return tokenView{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt}
}

func (a *API) unauthorized() error {
	return &httpx.Error{Status: 401, Code: "unauthorized",
		Message: "missing, unknown or revoked API token: send Authorization: Bearer <token> (create one with patchbay token create)",
		Header:  http.Header{"WWW-Authenticate": {`Bearer realm="patchbay"`}}}
}

// checkToken accepts a request whose bearer token exists. A token found
// valid is trusted for apitoken.CacheTTL; a token revoked elsewhere is
// refused from then on, one revoked through this API at once.
func (a *API) checkToken(r *http.Request) error {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return a.unauthorized()
	}
	_, ok, err := a.tokens.Check(r.Context(), a.now(), apitoken.Sum(token), a.lookupToken)
	if err != nil {
		return err
	}
	if !ok {
		return a.unauthorized()
	}
	return nil
}

// lookupToken reads a token from the store on a cache miss, and notes
// its use when last_used_at is older than lastUsedResolution.
func (a *API) lookupToken(ctx context.Context, hash apitoken.Hash) (string, bool, error) {
	t, err := a.Store.APITokenByHash(ctx, hash[:])
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	now := a.now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= lastUsedResolution {
		// Bookkeeping: a failed write must not refuse a valid token.
		if err := a.Store.TouchAPIToken(context.WithoutCancel(ctx), t.ID, now); err != nil {
			a.Log.Warn("could not record an API token's use", "token_id", t.ID, "err", err)
		}
	}
	return t.ID, true, nil
}

func (a *API) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := a.Store.APITokens(r.Context())
	if err != nil {
		return err
	}
	out := make([]tokenView, len(ts))
	for i, t := range ts {
		out[i] = viewOfToken(t)
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"tokens": out})
	return nil
}

// createToken answers the new token once; only its hash is kept.
func (a *API) createToken(w http.ResponseWriter, r *http.Request) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeStrict(b, &in); err != nil {
		return err
	}
	if err := apitoken.CheckName(in.Name); err != nil {
		return httpx.Unprocessable("invalid_token", "name: "+err.Error(),
			[]httpx.Detail{{Path: "name", Message: err.Error()}})
	}
	_, token, err := apitoken.Create(background(r), a.Store, in.Name)
	if err != nil {
		return err
	}
	hash := apitoken.Sum(token)
	t, err := a.Store.APITokenByHash(background(r), hash[:])
	if err != nil {
		return err
	}
	v := viewOfToken(t)
	v.Token = token
	httpx.JSON(w, http.StatusCreated, v)
	return nil
}

// revokeToken deletes a token; this process refuses it from the next
// request on, others within apitoken.CacheTTL.
func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := a.Store.DeleteAPIToken(background(r), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return httpx.NotFound("no API token with id " + id)
		}
		return err
	}
	a.tokens.Forget(id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
