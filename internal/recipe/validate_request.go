package recipe

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/pill"
)

// validateRequests refuses on save what would make a step's or a polling
// trigger's request fail every time it runs: a URL whose scheme is not
// http or https, a header name that is not a token or that the HTTP client
// owns (Host, Content-Length, Connection…: never sent as written, so the
// job record would show a header the target never got), a header value
// with a line break, and an unknown url_encoding.
func (d *Document) validateRequests(add func(string, string, ...any)) {
	for i := range d.Steps {
		s := &d.Steps[i]
		p := fmt.Sprintf("steps[%d]", i)
		checkRequestURL(add, p+".url", s.URL)
		checkRequestHeaders(add, p+".headers", s.Headers)
		if s.URLEncoding != "" && s.URLEncoding != URLEncodingNone {
			add(p+".url_encoding", "unknown url encoding %q (want %q to write pill values into the URL as they are, or leave it out to percent-encode them)", s.URLEncoding, URLEncodingNone)
		}
	}
	if t := d.Trigger; t.Type == TriggerPolling {
		checkRequestURL(add, "trigger.url", t.URL)
		checkRequestHeaders(add, "trigger.headers", t.Headers)
	}
}

// checkRequestURL checks the scheme of a URL template where its literal
// text gives one: the whole URL when it has no pills, the text before the
// first pill otherwise ("ftp://{{trigger.host}}/x"). A URL with no scheme
// is relative to its connection's base_url, checked when it runs.
func checkRequestURL(add func(string, string, ...any), path, src string) {
	src = strings.TrimSpace(src)
	t, err := pill.Compile(src)
	if src == "" || err != nil {
		return // "is required" and pill syntax are reported elsewhere
	}
	if !t.Static() {
		if scheme, ok := leadingScheme(src[:strings.Index(src, "{{")]); ok {
			if err := httpx.CheckURLScheme(scheme); err != nil {
				add(path, "%v", err)
			}
		}
		return
	}
	u, err := url.Parse(src)
	if err != nil {
		add(path, "%q is not a URL: %v", src, unwrapURLError(err))
		return
	}
	if u.Scheme == "" {
		return // relative: resolved against the connection's base_url
	}
	if err := httpx.CheckURLScheme(u.Scheme); err != nil {
		add(path, "%v", err)
	} else if u.Host == "" {
		add(path, "%q has no host", src)
	}
}

// leadingScheme returns the scheme that text starts with ("https" of
// "https://api."), if it starts with one.
func leadingScheme(text string) (string, bool) {
	i := strings.IndexByte(text, ':')
	if i <= 0 || strings.ContainsAny(text[:i], "/?#") {
		return "", false
	}
	for j, c := range text[:i] {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (j == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return "", false
		}
	}
	return strings.ToLower(text[:i]), true
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// checkRequestHeaders checks each header's name, and the text of its
// value outside pills (a pill's value is checked when it is rendered).
func checkRequestHeaders(add func(string, string, ...any), path string, headers map[string]string) {
	for _, name := range slices.Sorted(maps.Keys(headers)) {
		at := path + "." + name
		if err := httpx.CheckHeaderName(name); err != nil {
			add(at, "%v", err)
			continue
		}
		if t, err := pill.Compile(headers[name]); err == nil {
			if err := httpx.CheckHeaderValue(t.LiteralText()); err != nil {
				add(at, "%v", err)
			}
		}
	}
}
