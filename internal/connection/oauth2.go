package connection

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// OAuth2 grants.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantClientCredentials = "client_credentials"
)

// How an OAuth2 client authenticates to the token endpoint.
const (
	ClientAuthBasic = "basic" // client_id and client_secret in the Basic header (RFC 6749 2.3.1)
	ClientAuthBody  = "body"  // client_id and client_secret as form fields
)

// OAuth2 is the oauth2 object of an http_oauth2 connection. ClientSecret
// is a secret; the tokens are not part of the document at all (package
// oauth keeps them, sealed, apart from it: a refresh never rewrites the
// document).
type OAuth2 struct {
	// AuthorizeURL may carry parameters of its own (?response_type=code):
	// they are kept, and never duplicated.
	AuthorizeURL string   `json:"authorize_url,omitempty"`
	TokenURL     string   `json:"token_url"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret,omitempty"`
	Scopes       []string `json:"scopes,omitempty"`
	// Grant is authorization_code (default) or client_credentials.
	Grant string `json:"grant,omitempty"`
	// ClientAuth is basic (default) or body.
	ClientAuth string `json:"client_auth,omitempty"`
	// RefreshOnStatus lists statuses besides 401 that mean "the access
	// token expired" (some APIs answer 403).
	RefreshOnStatus []int `json:"refresh_on_status,omitempty"`
	// RefreshOnBody is a regular expression matched against a response
	// body, for APIs that say "token expired" in the body.
	RefreshOnBody string `json:"refresh_on_body,omitempty"`
}

// IsOAuth2 reports whether requests through l carry an OAuth2 access token.
// It is safe on a nil Live (a step without a connection).
func (l *Live) IsOAuth2() bool {
	return l != nil && l.Doc.Type == TypeHTTPOAuth2 && l.Doc.OAuth2 != nil
}

// normalizeOAuth2 fills the defaults of the oauth2 object.
func (d *Document) normalizeOAuth2() {
	o := d.OAuth2
	if o == nil {
		return
	}
	if o.Grant == "" {
		o.Grant = GrantAuthorizationCode
	}
	if o.ClientAuth == "" {
		o.ClientAuth = ClientAuthBasic
	}
}

// oauth2Problems checks the oauth2 object against the connection type.
func (d *Document) oauth2Problems() []Problem {
	var ps []Problem
	add := func(path, format string, args ...any) { ps = append(ps, Problem{path, fmt.Sprintf(format, args...)}) }
	o := d.OAuth2
	if d.Type != TypeHTTPOAuth2 {
		if o != nil {
			add("oauth2", "is only for connections of type http_oauth2")
		}
		return ps
	}
	if o == nil {
		add("oauth2", "is required for type http_oauth2 (token_url, client_id, client_secret, …)")
		return ps
	}
	switch d.Auth.Type {
	case AuthNone, AuthHeader, AuthQuery:
	default:
		add("auth.type", "an http_oauth2 connection sends its access token in Authorization; auth may only be none, header or query")
	}
	switch o.Grant {
	case GrantAuthorizationCode:
		if o.AuthorizeURL == "" {
			add("oauth2.authorize_url", "is required for the authorization_code grant")
		} else if !isHTTPURL(o.AuthorizeURL) {
			add("oauth2.authorize_url", "%q is not an absolute http(s) URL", o.AuthorizeURL)
		}
	case GrantClientCredentials:
		if o.ClientSecret == "" {
			add("oauth2.client_secret", "is required for the client_credentials grant")
		}
	default:
		add("oauth2.grant", "unknown grant %q (want authorization_code or client_credentials)", o.Grant)
	}
	if o.TokenURL == "" {
		add("oauth2.token_url", "is required")
	} else if !isHTTPURL(o.TokenURL) {
		add("oauth2.token_url", "%q is not an absolute http(s) URL", o.TokenURL)
	}
	if strings.TrimSpace(o.ClientID) == "" {
		add("oauth2.client_id", "is required")
	}
	switch o.ClientAuth {
	case ClientAuthBasic, ClientAuthBody:
	default:
		add("oauth2.client_auth", "unknown client authentication %q (want basic or body)", o.ClientAuth)
	}
	for i, s := range o.Scopes {
		if s == "" || strings.ContainsAny(s, " \t\r\n") {
			add(fmt.Sprintf("oauth2.scopes[%d]", i), "%q is not a scope (one word each)", s)
		}
	}
	for i, st := range o.RefreshOnStatus {
		if st < 400 || st > 599 {
			add(fmt.Sprintf("oauth2.refresh_on_status[%d]", i), "%d is not an error status (400-599)", st)
		}
	}
	if o.RefreshOnBody != "" {
		if _, err := regexp.Compile(o.RefreshOnBody); err != nil {
			add("oauth2.refresh_on_body", "is not a regular expression: %v", err)
		}
	}
	return ps
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// splitOAuth2Secret moves oauth2.client_secret into s, leaving "set".
func (d *Document) splitOAuth2Secret(s *Secrets) {
	if d.OAuth2 == nil {
		return
	}
	o := *d.OAuth2
	s.ClientSecret = o.ClientSecret
	o.ClientSecret = marker(o.ClientSecret)
	d.OAuth2 = &o
}

// WantsTokenRefresh reports whether a response says the access token is
// no longer good: 401, a status of refresh_on_status, or a body matching
// refresh_on_body (body may be nil when there is no pattern).
func (l *Live) WantsTokenRefresh(status int, body []byte) bool {
	if !l.IsOAuth2() {
		return false
	}
	o := l.Doc.OAuth2
	if status == http.StatusUnauthorized {
		return true
	}
	for _, s := range o.RefreshOnStatus {
		if s == status {
			return true
		}
	}
	if o.RefreshOnBody != "" && body != nil {
		if re := bodyPattern(o.RefreshOnBody); re != nil && re.Match(body) {
			return true
		}
	}
	return false
}

// NeedsBodyForRefresh reports whether WantsTokenRefresh reads bodies.
func (l *Live) NeedsBodyForRefresh() bool {
	return l.IsOAuth2() && l.Doc.OAuth2.RefreshOnBody != ""
}

// bodyPatterns caches compiled refresh_on_body patterns: a response is
// checked on every request, the pattern changes only with the document.
var bodyPatterns sync.Map // string -> *regexp.Regexp

func bodyPattern(p string) *regexp.Regexp {
	if re, ok := bodyPatterns.Load(p); ok {
		return re.(*regexp.Regexp)
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil // validated on save; a stored bad pattern matches nothing
	}
	bodyPatterns.Store(p, re)
	return re
}

// TokenSource gives OAuth2 connections their access tokens. Package oauth
// implements it (stored sealed tokens, single-flight refresh); the step
// executor calls it, so a step never sees how the token was obtained.
type TokenSource interface {
	// AccessToken returns a token that is valid for a while yet, fetching
	// or refreshing one first when needed. client reaches the token
	// endpoint.
	AccessToken(ctx context.Context, l *Live, client *http.Client) (string, error)
	// Renew is called when the server refused the token rejected: it
	// returns a newer token, refreshing unless another request (or
	// process) already has.
	Renew(ctx context.Context, l *Live, client *http.Client, rejected string) (string, error)
}

// OAuth2 statuses of a connection, as the API shows them.
const (
	OAuth2NotConnected         = "not_connected"
	OAuth2Connected            = "connected"
	OAuth2NeedsReauthorization = "needs_reauthorization"
)

// AuthorizationError is an OAuth2 connection that has no usable grant: it
// was never authorized, or its refresh failed for good. Jobs fail with it
// rather than with the API's raw 401.
type AuthorizationError struct {
	Connection string // name
	Status     string // OAuth2NotConnected or OAuth2NeedsReauthorization
	Reason     string
}

func (e *AuthorizationError) Error() string {
	if e.Status == OAuth2NotConnected {
		return fmt.Sprintf("connection %q is not connected: authorize it first (GET /api/v1/connections/{id}/authorize)", e.Connection)
	}
	return fmt.Sprintf("connection %q needs reauthorization: %s", e.Connection, e.Reason)
}

// TokenError is a failure to get a token that is not the connection's
// fault for good (the token endpoint is down, answers 5xx): another
// attempt may succeed.
type TokenError struct {
	Connection string
	Message    string
	Retryable  bool
}

func (e *TokenError) Error() string {
	return fmt.Sprintf("connection %q: could not get an OAuth2 access token: %s", e.Connection, e.Message)
}

// tokenMemo remembers the tokens last handed out for a Live, so that
// SecretValues can mask them in job records (a server may echo its token).
type tokenMemo struct {
	mu     sync.Mutex
	values []string
}

// maxRememberedTokens keeps the current tokens and the set before them: a
// response to a request sent just before a refresh may echo the old one.
const maxRememberedTokens = 4

// RememberTokens records token values that must be masked in records.
func (l *Live) RememberTokens(tokens ...string) {
	m := &l.memo
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range tokens {
		if t == "" || slices.Contains(m.values, t) {
			continue
		}
		m.values = append(m.values, t)
		if len(m.values) > maxRememberedTokens {
			m.values = m.values[len(m.values)-maxRememberedTokens:]
		}
	}
}

// oauth2SecretForms lists the client secret and the tokens seen, for SecretValues.
func (l *Live) oauth2SecretForms() []string {
	l.memo.mu.Lock()
	defer l.memo.mu.Unlock()
	return append([]string{l.Secrets.ClientSecret}, l.memo.values...)
}

// GrantKey names what an OAuth2 grant was given for: the provider, the
// client, the grant type and the scopes ("" for other connections).
// Tokens saved under another key were given for the connection as it was
// before an edit, and are not used.
func (d *Document) GrantKey() string {
	o := d.OAuth2
	if d.Type != TypeHTTPOAuth2 || o == nil {
		return ""
	}
	b, _ := json.Marshal([]any{o.AuthorizeURL, o.TokenURL, o.ClientID, o.Grant, o.Scopes})
	return string(b)
}
