package connection

import (
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"
)

// Bounds on a connection document's parts (the API caps the whole at
// 4 MiB). They match the recipe document's (recipe/limits.go).
const (
	// MaxNameChars bounds the connection's name, in characters.
	MaxNameChars = 200
	// MaxEntries bounds auth.headers, auth.params, oauth2.scopes and
	// oauth2.refresh_on_status.
	MaxEntries = 100
	// MaxPEMBytes bounds tls.ca_bundle, tls.client_cert and tls.client_key.
	MaxPEMBytes = 256 << 10
	// MaxFieldBytes bounds every other text field.
	MaxFieldBytes = 8 << 10
)

// limitProblems lists the fields over a bound. Validate checks them first
// and stops there, so an oversized document is not parsed further.
func (d *Document) limitProblems() []Problem {
	var ps []Problem
	add := func(path, format string, args ...any) { ps = append(ps, Problem{path, fmt.Sprintf(format, args...)}) }
	text := func(path, s string, max int) {
		if len(s) > max {
			add(path, "is %d bytes, more than the %d allowed", len(s), max)
		}
	}
	entries := func(path string, m map[string]string) {
		if len(m) > MaxEntries {
			add(path, "has %d entries, more than the %d allowed", len(m), MaxEntries)
			return
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if len(k) > MaxFieldBytes {
				add(path, "a name is %d bytes, more than the %d allowed", len(k), MaxFieldBytes)
				continue
			}
			// The path names the entry, never its value: values are secrets.
			text(path+"."+k, m[k], MaxFieldBytes)
		}
	}
	if len(d.Name) > MaxNameChars && (len(d.Name) > utf8.UTFMax*MaxNameChars || utf8.RuneCountInString(d.Name) > MaxNameChars) {
		add("name", "is longer than %d characters", MaxNameChars)
	}
	text("type", d.Type, MaxFieldBytes)
	text("base_url", d.BaseURL, MaxFieldBytes)
	text("timeout", d.Timeout, MaxFieldBytes)
	a := &d.Auth
	text("auth.type", a.Type, MaxFieldBytes)
	text("auth.username", a.Username, MaxFieldBytes)
	text("auth.password", a.Password, MaxFieldBytes)
	text("auth.token", a.Token, MaxFieldBytes)
	entries("auth.headers", a.Headers)
	entries("auth.params", a.Params)
	if t := d.Test; t != nil {
		text("test.method", t.Method, MaxFieldBytes)
		text("test.url", t.URL, MaxFieldBytes)
	}
	if t := d.TLS; t != nil {
		text("tls.ca_bundle", t.CABundle, MaxPEMBytes)
		text("tls.client_cert", t.ClientCert, MaxPEMBytes)
		text("tls.client_key", t.ClientKey, MaxPEMBytes)
	}
	if p := d.Proxy; p != nil {
		text("proxy.url", p.URL, MaxFieldBytes)
		text("proxy.username", p.Username, MaxFieldBytes)
		text("proxy.password", p.Password, MaxFieldBytes)
	}
	if o := d.OAuth2; o != nil {
		text("oauth2.authorize_url", o.AuthorizeURL, MaxFieldBytes)
		text("oauth2.token_url", o.TokenURL, MaxFieldBytes)
		text("oauth2.client_id", o.ClientID, MaxFieldBytes)
		text("oauth2.client_secret", o.ClientSecret, MaxFieldBytes)
		text("oauth2.grant", o.Grant, MaxFieldBytes)
		text("oauth2.client_auth", o.ClientAuth, MaxFieldBytes)
		text("oauth2.refresh_on_body", o.RefreshOnBody, MaxFieldBytes)
		if len(o.Scopes) > MaxEntries {
			add("oauth2.scopes", "has %d entries, more than the %d allowed", len(o.Scopes), MaxEntries)
		} else {
			for i, s := range o.Scopes {
				text(fmt.Sprintf("oauth2.scopes[%d]", i), s, MaxFieldBytes)
			}
		}
		if len(o.RefreshOnStatus) > MaxEntries {
			add("oauth2.refresh_on_status", "has %d entries, more than the %d allowed", len(o.RefreshOnStatus), MaxEntries)
		}
	}
	return ps
}
