package oauthtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/mccutchen/go-httpbin/v2/httpbin"
)

// Resource is an API protected by the provider: a request passes only if
// its bearer token is accepted by the provider's userinfo endpoint (so a
// revoked token is refused), and is then answered by go-httpbin (/bearer
// echoes the token, /anything echoes the request).
type Resource struct {
	URL string

	mu       sync.Mutex
	accepted []string
	refused  int
}

// Resource starts a protected API until the test ends; it refuses a
// token with 401, as RFC 6750 says.
func (p *Provider) Resource(t testing.TB) *Resource {
	t.Helper()
	return p.ResourceRefusingWith(t, http.StatusUnauthorized, `{"error": "invalid_token"}`)
}

// ResourceRefusingWith is a protected API that refuses a token with
// status and body instead, as some APIs do (403, or 400 with the reason
// in the body).
func (p *Provider) ResourceRefusingWith(t testing.TB, status int, body string) *Resource {
	t.Helper()
	res := &Resource{}
	bin := httpbin.New()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !p.tokenActive(token) {
			res.mu.Lock()
			res.refused++
			res.mu.Unlock()
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			io.WriteString(w, body)
			return
		}
		res.mu.Lock()
		res.accepted = append(res.accepted, token)
		res.mu.Unlock()
		bin.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	res.URL = srv.URL
	return res
}

// Accepted lists the tokens of the requests let through, in order.
func (r *Resource) Accepted() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.accepted...)
}

// Refused counts the requests answered 401.
func (r *Resource) Refused() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.refused
}

// tokenActive asks the provider's userinfo endpoint about a token.
func (p *Provider) tokenActive(token string) bool {
	req, err := http.NewRequest(http.MethodGet, p.UserinfoURL(), nil)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
