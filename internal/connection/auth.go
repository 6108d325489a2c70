package connection

import (
	"encoding/base64"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Masked is what a secret reads as in a recorded request.
const Masked = "****"

// Live is a connection ready for use: the document with its secrets opened.
type Live struct {
	Doc     Document
	Secrets Secrets

	clients *clientCache // set by New
	memo    tokenMemo    // OAuth2 tokens handed out, masked in records (oauth2.go)
	// redaction keeps the Redactor of SecretValues (redact.go).
	redaction redactorMemo
	grantKey  grantKeyMemo // grantkey.go
}

// Apply authenticates req with the connection's secrets. What it adds is
// masked again in the record by MaskHeaders and MaskURL.
func (l *Live) Apply(req *http.Request) {
	a := l.Doc.Auth
	switch a.Type {
	case AuthBasic, AuthCustom:
		if a.Username != "" {
			req.SetBasicAuth(a.Username, l.Secrets.Password)
		}
	case AuthBearer:
		req.Header.Set("Authorization", "Bearer "+l.Secrets.Token)
	}
	if a.Type == AuthHeader || a.Type == AuthCustom {
		for _, k := range slices.Sorted(maps.Keys(l.Secrets.Headers)) {
			req.Header.Set(k, l.Secrets.Headers[k])
		}
	}
	if a.Type == AuthQuery || a.Type == AuthCustom {
		if len(l.Secrets.Params) > 0 {
			q := req.URL.Query()
			for _, k := range slices.Sorted(maps.Keys(l.Secrets.Params)) {
				q.Set(k, l.Secrets.Params[k])
			}
			req.URL.RawQuery = q.Encode()
		}
	}
}

// MaskHeaders returns a copy of h safe to record: the auth headers this
// connection set read "****" (Authorization keeps its scheme, so that
// "Basic ****" or "Digest ****" still tells the reader which auth was used;
// a Digest answer's parameters, response hash included, are all dropped).
func (l *Live) MaskHeaders(h http.Header) http.Header {
	out := h.Clone()
	if v := out.Get("Authorization"); v != "" && (l.Doc.Auth.Username != "" || l.Secrets.Token != "" || l.Doc.Auth.Type == AuthDigest || l.IsOAuth2()) {
		scheme, _, _ := strings.Cut(v, " ")
		out.Set("Authorization", scheme+" "+Masked)
	}
	for k := range l.Secrets.Headers {
		if out.Get(k) != "" {
			out.Set(k, Masked)
		}
	}
	return out
}

// MaskURL returns u as it may be recorded: auth query parameters read "****".
func (l *Live) MaskURL(u *url.URL) string {
	if len(l.Secrets.Params) == 0 {
		return u.String()
	}
	c := *u
	q := c.Query()
	for k := range l.Secrets.Params {
		if q.Has(k) {
			q.Set(k, Masked)
		}
	}
	c.RawQuery = q.Encode()
	return c.String()
}

// SecretValues lists every string that must never be recorded, in the
// forms it may travel in: the password, the token, header and parameter
// values, and the base64 of user:password that Basic auth sends.
func (l *Live) SecretValues() []string {
	var out []string
	add := func(s string) {
		// Very short values would mask ordinary text everywhere; they are
		// still kept out of requests by MaskHeaders and MaskURL.
		if len(s) >= 4 {
			out = append(out, s)
		}
	}
	add(l.Secrets.Password)
	add(l.Secrets.Token)
	add(l.Secrets.ClientKey)
	for _, v := range l.proxySecretForms() {
		add(v)
	}
	for _, v := range l.oauth2SecretForms() {
		add(v)
	}
	for _, v := range l.Secrets.Headers {
		add(v)
	}
	for _, v := range l.Secrets.Params {
		add(v)
		add(url.QueryEscape(v))
	}
	if l.Doc.Auth.Username != "" && l.Secrets.Password != "" {
		add(base64.StdEncoding.EncodeToString([]byte(l.Doc.Auth.Username + ":" + l.Secrets.Password)))
	}
	return out
}
