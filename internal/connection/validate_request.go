package connection

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/patchbay/patchbay/internal/httpx"
)

// requestProblems refuses on save what every request through the
// connection would fail on, or send other than recorded: an auth header
// whose name is not a token or is one the HTTP client owns (Host,
// Content-Length, Connection…), a header value or bearer token with a
// line break or control character, and a test URL whose scheme is not
// http(s). Messages never quote a secret value.
func (d *Document) requestProblems() []Problem {
	var ps []Problem
	add := func(path, format string, args ...any) { ps = append(ps, Problem{path, fmt.Sprintf(format, args...)}) }
	a := d.Auth
	for _, k := range slices.Sorted(maps.Keys(a.Headers)) {
		if err := httpx.CheckHeaderName(k); err != nil {
			add("auth.headers", "%v", err)
			continue
		}
		if err := httpx.CheckHeaderValue(a.Headers[k]); err != nil {
			add("auth.headers."+k, "%v", err)
		}
	}
	if a.Token != "" {
		if err := httpx.CheckHeaderValue(a.Token); err != nil {
			add("auth.token", "%v (it is sent in the Authorization header)", err)
		}
	}
	if d.Test != nil && d.Test.URL != "" {
		if u, err := url.Parse(strings.TrimSpace(d.Test.URL)); err != nil {
			add("test.url", "%q is not a URL", d.Test.URL)
		} else if u.Scheme != "" {
			if err := httpx.CheckURLScheme(u.Scheme); err != nil {
				add("test.url", "%v", err)
			}
		}
	}
	return ps
}
