// Package connection holds how patchbay reaches and authenticates to an
// application: the connection document, its write-only secrets, and the
// auth applied to every request a step makes through it. A step never sees
// the secrets; it hands its request to Apply.
package connection

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Types of connection.
const (
	TypeHTTP       = "http"
	TypeHTTPOAuth2 = "http_oauth2"
)

// Auth types.
const (
	AuthNone   = "none"
	AuthBasic  = "basic"
	AuthHeader = "header"
	AuthQuery  = "query"
	AuthCustom = "custom"
	AuthBearer = "bearer"
	AuthDigest = "digest"
)

// SetMarker is what a write-only secret reads as once it is set.
const SetMarker = "set"

// Document is the connection document of DESIGN.md.
type Document struct {
	ID      string       `json:"id,omitempty"`
	Name    string       `json:"name"`
	Type    string       `json:"type"`
	BaseURL string       `json:"base_url,omitempty"`
	Auth    Auth         `json:"auth"`
	Test    *TestRequest `json:"test,omitempty"`
	OAuth2  *OAuth2      `json:"oauth2,omitempty"` // type http_oauth2 (oauth2.go)
	// Timeout bounds each request through the connection ("20s") when the
	// step sets no timeout of its own.
	Timeout string `json:"timeout,omitempty"`
	TLS     *TLS   `json:"tls,omitempty"`
	// Proxy is the outbound proxy requests go through (proxy.go).
	Proxy *Proxy `json:"proxy,omitempty"`
	// Limits is the request budget every recipe using the connection
	// shares (budget.go).
	Limits *Limits `json:"limits,omitempty"`
}

// TLS are a connection's TLS options. ClientKey is a secret.
type TLS struct {
	// CABundle is PEM: certificates trusted besides the system's.
	CABundle           string `json:"ca_bundle,omitempty"`
	InsecureSkipVerify bool   `json:"insecure_skip_verify,omitempty"`
	// ClientCert and ClientKey (PEM) authenticate patchbay to the server (mTLS).
	ClientCert string `json:"client_cert,omitempty"`
	ClientKey  string `json:"client_key,omitempty"`
}

// MaxTimeout is the longest per-request timeout a connection may set.
const MaxTimeout = 10 * time.Minute

// WarningInsecureTLS is shown with a connection that does not check certificates.
const WarningInsecureTLS = "tls.insecure_skip_verify is on: certificates are not checked"

// Warnings lists what the connection view warns about.
func (d *Document) Warnings() []string {
	var w []string
	if d.TLS != nil && d.TLS.InsecureSkipVerify {
		w = append(w, WarningInsecureTLS)
	}
	return w
}

// RequestTimeout is the connection's timeout, or 0 when it sets none.
func (d *Document) RequestTimeout() time.Duration {
	t, err := time.ParseDuration(d.Timeout)
	if err != nil || t <= 0 {
		return 0
	}
	return t
}

// Auth says how requests authenticate. Password, Token and the values of
// Headers and Params are secrets.
type Auth struct {
	Type     string            `json:"type"`
	Username string            `json:"username,omitempty"`
	Password string            `json:"password,omitempty"`
	Token    string            `json:"token,omitempty"`
	Headers  map[string]string `json:"headers,omitempty"`
	Params   map[string]string `json:"params,omitempty"`
}

// TestRequest is the request that proves a connection valid.
type TestRequest struct {
	Method string `json:"method,omitempty"`
	URL    string `json:"url"`
}

// Secrets are the write-only values of a connection, sealed together.
type Secrets struct {
	Password string            `json:"password,omitempty"`
	Token    string            `json:"token,omitempty"`
	Headers  map[string]string `json:"headers,omitempty"`
	Params   map[string]string `json:"params,omitempty"`
	// ClientKey is the PEM private key of tls.client_cert.
	ClientKey string `json:"client_key,omitempty"`
	// ProxyPassword is proxy.password.
	ProxyPassword string `json:"proxy_password,omitempty"`
	// ClientSecret is oauth2.client_secret.
	ClientSecret string `json:"client_secret,omitempty"`
}

// Problem is one thing wrong in a document, at a path.
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (p Problem) Error() string { return p.Path + ": " + p.Message }

// Normalize fills defaults.
func (d *Document) Normalize() {
	d.Name = strings.TrimSpace(d.Name)
	if d.Type == "" {
		d.Type = TypeHTTP
	}
	if d.Auth.Type == "" {
		d.Auth.Type = AuthNone
	}
	if d.Test != nil && d.Test.Method == "" {
		d.Test.Method = "GET"
	}
	d.normalizeOAuth2()
}

// Validate lists the problems of a normalized document.
func (d *Document) Validate() []Problem {
	if ps := d.limitProblems(); len(ps) > 0 {
		return ps
	}
	var ps []Problem
	add := func(path, format string, args ...any) { ps = append(ps, Problem{path, fmt.Sprintf(format, args...)}) }
	if d.Name == "" {
		add("name", "is required")
	}
	switch d.Type {
	case TypeHTTP:
	case TypeHTTPOAuth2:
	default:
		add("type", "unknown connection type %q (want http or http_oauth2)", d.Type)
	}
	if d.BaseURL != "" {
		if u, err := url.Parse(d.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("base_url", "%q is not an absolute http(s) URL", d.BaseURL)
		}
	}
	a := d.Auth
	switch a.Type {
	case AuthNone:
	case AuthBasic:
		if a.Username == "" {
			add("auth.username", "is required for basic auth")
		}
	case AuthHeader:
		if len(a.Headers) == 0 {
			add("auth.headers", "at least one header is required for header auth")
		}
	case AuthQuery:
		if len(a.Params) == 0 {
			add("auth.params", "at least one parameter is required for query auth")
		}
	case AuthCustom:
		if a.Username == "" && len(a.Headers) == 0 && len(a.Params) == 0 {
			add("auth", "custom auth needs a username, headers or params")
		}
	case AuthBearer:
		if a.Token == "" {
			add("auth.token", "is required for bearer auth")
		}
	case AuthDigest:
		if a.Username == "" {
			add("auth.username", "is required for digest auth")
		}
	default:
		add("auth.type", "unknown auth type %q (want none, basic, header, query, custom, bearer or digest)", a.Type)
	}
	if d.Test != nil {
		if d.Test.URL == "" {
			add("test.url", "is required")
		}
	}
	ps = append(ps, d.requestProblems()...)
	if d.Timeout != "" {
		if t, err := time.ParseDuration(d.Timeout); err != nil || t <= 0 || t > MaxTimeout {
			add("timeout", "%q is not a duration between 1ms and %s (e.g. \"20s\")", d.Timeout, MaxTimeout)
		}
	}
	if t := d.TLS; t != nil {
		if t.CABundle != "" {
			if !x509.NewCertPool().AppendCertsFromPEM([]byte(t.CABundle)) {
				add("tls.ca_bundle", "holds no PEM certificate")
			}
		}
		switch {
		case t.ClientCert != "" && t.ClientKey == "":
			add("tls.client_key", "is required with tls.client_cert")
		case t.ClientCert == "" && t.ClientKey != "":
			add("tls.client_cert", "is required with tls.client_key")
		case t.ClientCert != "" && t.ClientKey != SetMarker:
			if _, err := tls.X509KeyPair([]byte(t.ClientCert), []byte(t.ClientKey)); err != nil {
				// Never repeat the parser's text: it may quote the key.
				add("tls.client_cert", "client_cert and client_key are not a matching PEM certificate and private key")
			}
		case t.ClientCert != "":
			if b, _ := pem.Decode([]byte(t.ClientCert)); b == nil {
				add("tls.client_cert", "is not PEM")
			}
		}
	}
	ps = append(ps, d.Proxy.problems()...)
	ps = append(ps, d.Limits.problems()...)
	ps = append(ps, d.oauth2Problems()...)
	return ps
}

// SplitSecrets returns the document with every secret replaced by "set"
// (or removed when empty), and the secrets themselves.
func (d Document) SplitSecrets() (Document, Secrets) {
	s := Secrets{Password: d.Auth.Password, Token: d.Auth.Token, Headers: d.Auth.Headers, Params: d.Auth.Params}
	if d.TLS != nil {
		t := *d.TLS
		s.ClientKey = t.ClientKey
		t.ClientKey = marker(t.ClientKey)
		d.TLS = &t
	}
	if d.Proxy != nil {
		p := *d.Proxy
		s.ProxyPassword = p.Password
		p.Password = marker(p.Password)
		d.Proxy = &p
	}
	d.splitOAuth2Secret(&s)
	d.Auth.Password = marker(d.Auth.Password)
	d.Auth.Token = marker(d.Auth.Token)
	d.Auth.Headers = markMap(d.Auth.Headers)
	d.Auth.Params = markMap(d.Auth.Params)
	return d, s
}

// KeepSecrets carries over old secrets where the new document says "set":
// a client that edits a connection it read back does not wipe its secrets.
func (s *Secrets) KeepSecrets(old Secrets) {
	if s.Password == SetMarker {
		s.Password = old.Password
	}
	if s.Token == SetMarker {
		s.Token = old.Token
	}
	if s.ClientKey == SetMarker {
		s.ClientKey = old.ClientKey
	}
	if s.ProxyPassword == SetMarker {
		s.ProxyPassword = old.ProxyPassword
	}
	if s.ClientSecret == SetMarker {
		s.ClientSecret = old.ClientSecret
	}
	for k, v := range s.Headers {
		if v == SetMarker {
			s.Headers[k] = old.Headers[k]
		}
	}
	for k, v := range s.Params {
		if v == SetMarker {
			s.Params[k] = old.Params[k]
		}
	}
}

func marker(s string) string {
	if s == "" {
		return ""
	}
	return SetMarker
}

func markMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k := range m {
		out[k] = SetMarker
	}
	return out
}

// Markers lists the paths of the secrets that read "set" (see
// recipe.Secrets.Markers): a new connection has nothing stored for them.
func (s Secrets) Markers() []string {
	var paths []string
	for _, f := range []struct{ path, value string }{
		{"auth.password", s.Password}, {"auth.token", s.Token}, {"tls.client_key", s.ClientKey},
		{"proxy.password", s.ProxyPassword}, {"oauth2.client_secret", s.ClientSecret},
	} {
		if f.value == SetMarker {
			paths = append(paths, f.path)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.Headers)) {
		if s.Headers[k] == SetMarker {
			paths = append(paths, "auth.headers."+k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.Params)) {
		if s.Params[k] == SetMarker {
			paths = append(paths, "auth.params."+k)
		}
	}
	return paths
}
