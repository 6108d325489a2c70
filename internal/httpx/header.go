package httpx

import (
	"fmt"
	"net/http"
	"strings"
)

// transportOwned are the request headers a recipe or connection may not
// set: hop-by-hop headers (RFC 9110 section 7.6.1, plus the
// non-standard Keep-Alive and Proxy-Connection) and the framing headers
// Go's transport writes from the request itself. The transport drops or
// overrides them (Host comes from the URL, Content-Length and
// Transfer-Encoding from the body, and HTTP/2 sends no connection
// headers at all), so accepting them would record headers that were never
// sent. Host is refused rather than honoured: a step names its host in
// its URL, which is also the name TLS checks and the SSRF guard resolves.
var transportOwned = map[string]bool{
	"Connection":        true,
	"Keep-Alive":        true,
	"Proxy-Connection":  true,
	"Transfer-Encoding": true,
	"Te":                true,
	"Trailer":           true,
	"Upgrade":           true,
	"Content-Length":    true,
	"Host":              true,
}

// IsTransportOwnedHeader reports whether name (any case) is a header the
// transport owns and a step may not set.
func IsTransportOwnedHeader(name string) bool {
	return transportOwned[http.CanonicalHeaderKey(name)]
}

// CheckHeaderName says what is wrong with name as a request header a step
// or connection sets, or returns nil: it must be an RFC 9110 token (no
// space, colon or line break) and not a header the transport owns.
func CheckHeaderName(name string) error {
	if name == "" {
		return fmt.Errorf("a header name cannot be empty")
	}
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return fmt.Errorf("%q is not a valid header name: %q is not allowed in one (letters, digits and !#$%%&'*+-.^_`|~ only)", name, name[i])
		}
	}
	if IsTransportOwnedHeader(name) {
		if http.CanonicalHeaderKey(name) == "Host" {
			return fmt.Errorf("%q is set by the HTTP client from the URL and cannot be set here: put the host in the URL", name)
		}
		return fmt.Errorf("%q is a connection-level header set by the HTTP client and cannot be set here: it would not be sent", name)
	}
	return nil
}

// CheckHeaderValue says what is wrong with value as a header value, or
// returns nil: no line break (it would start another header) and no NUL
// or other control character but tab.
func CheckHeaderValue(value string) error {
	if strings.ContainsAny(value, "\r\n") {
		return fmt.Errorf("a header value cannot hold a line break")
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return fmt.Errorf("a header value cannot hold the control character %q", c)
		}
	}
	return nil
}

// IsHeaderName reports whether name has the syntax of a header name: a
// non-empty RFC 9110 token. Unlike CheckHeaderName it allows the headers
// the transport owns, which an incoming request carries.
func IsHeaderName(name string) bool {
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return false
		}
	}
	return name != ""
}

// isTokenChar reports whether c may appear in an RFC 9110 token.
func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// CheckURLScheme says what is wrong with scheme (any case) as the scheme
// of a URL a step, a polling trigger or a connection's test request
// fetches, or returns nil: the guarded client speaks http and https only.
func CheckURLScheme(scheme string) error {
	if s := strings.ToLower(scheme); s != "http" && s != "https" {
		return fmt.Errorf("scheme %q is not http or https", scheme)
	}
	return nil
}
