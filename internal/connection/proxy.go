package connection

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Proxy is a connection's outbound proxy: an HTTP proxy (CONNECT tunnels
// for https targets, plain forwarding for http ones) or a SOCKS5 proxy.
// Password is a secret.
type Proxy struct {
	URL      string `json:"url"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
}

// Proxy URL schemes.
const (
	ProxyHTTP   = "http"
	ProxySOCKS5 = "socks5"
)

// socksCredentialMax is RFC 1929's limit on a SOCKS5 username or password.
const socksCredentialMax = 255

// problems lists what is wrong with the proxy settings; nil p has none.
// No message repeats proxy.url when it holds an "@": it may carry a
// password the user pasted there.
func (p *Proxy) problems() []Problem {
	if p == nil {
		return nil
	}
	var ps []Problem
	add := func(path, format string, args ...any) { ps = append(ps, Problem{path, fmt.Sprintf(format, args...)}) }
	shown := fmt.Sprintf("%q", p.URL)
	if strings.Contains(p.URL, "@") {
		shown = "the URL"
	}
	u, err := url.Parse(strings.TrimSpace(p.URL))
	switch {
	case p.URL == "":
		add("proxy.url", "is required (http://host:port or socks5://host:port)")
	case err != nil:
		add("proxy.url", "%s is not a URL (want http://host:port or socks5://host:port)", shown)
	case u.Scheme != ProxyHTTP && u.Scheme != ProxySOCKS5:
		add("proxy.url", "scheme %q is not supported (want http://host:port or socks5://host:port)", u.Scheme)
	case u.Hostname() == "":
		add("proxy.url", "%s has no host (want %s://host:port)", shown, u.Scheme)
	case u.User != nil:
		// Kept in the URL, the password would be stored and shown in clear.
		add("proxy.url", "must not hold credentials: put them in proxy.username and proxy.password")
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		add("proxy.url", "%s must be only scheme, host and port (want %s://host:port)", shown, u.Scheme)
	}
	if p.Password != "" && p.Username == "" {
		add("proxy.username", "is required with proxy.password")
	}
	if strings.Contains(p.Username, ":") && err == nil && u.Scheme == ProxyHTTP {
		add("proxy.username", "must not contain \":\" (Basic proxy authentication cannot carry it)")
	}
	if err == nil && u.Scheme == ProxySOCKS5 {
		if len(p.Username) > socksCredentialMax {
			add("proxy.username", "is longer than SOCKS5's %d bytes", socksCredentialMax)
		}
		if len(p.Password) > socksCredentialMax {
			add("proxy.password", "is longer than SOCKS5's %d bytes", socksCredentialMax)
		}
	}
	return ps
}

// proxyURL is the URL the transport dials, credentials included, or nil
// when the connection has no proxy. Never print it: url.URL.String()
// writes the password out; show u.Host.
func (l *Live) proxyURL() (*url.URL, error) {
	p := l.Doc.Proxy
	if p == nil || p.URL == "" {
		return nil, nil
	}
	u, err := url.Parse(strings.TrimSpace(p.URL))
	if err != nil || (u.Scheme != ProxyHTTP && u.Scheme != ProxySOCKS5) || u.Hostname() == "" {
		return nil, fmt.Errorf("proxy.url is not an http:// or socks5:// URL")
	}
	out := &url.URL{Scheme: u.Scheme, Host: u.Host}
	if p.Username != "" {
		out.User = url.UserPassword(p.Username, l.Secrets.ProxyPassword)
	}
	return out, nil
}

// ProxyError is an HTTP proxy's refusal of a CONNECT tunnel (407 for
// credentials, 403 for its rules, 502 when it cannot reach the target).
// It carries no credentials.
type ProxyError struct {
	Proxy  string // host:port of the proxy
	Target string // host:port the tunnel was for
	Status int
}

func (e *ProxyError) Error() string {
	return fmt.Sprintf("proxy %s refused the tunnel to %s: %d %s", e.Proxy, e.Target, e.Status, http.StatusText(e.Status))
}

// Retryable reports whether another attempt may get through: the proxy
// was busy or could not reach the target, not refusing on principle.
func (e *ProxyError) Retryable() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// checkProxyConnect turns a refused CONNECT into a *ProxyError, where Go
// would only give the status text as a plain error.
func checkProxyConnect(_ context.Context, proxy *url.URL, connectReq *http.Request, resp *http.Response) error {
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	return &ProxyError{Proxy: proxy.Host, Target: connectReq.Host, Status: resp.StatusCode}
}

// proxySecretForms are the forms the proxy password may travel in: as
// written in a URL's userinfo (how url.URL.String prints it) and in the
// Proxy-Authorization header's base64.
func (l *Live) proxySecretForms() []string {
	p := l.Doc.Proxy
	pw := l.Secrets.ProxyPassword
	if p == nil || pw == "" {
		return nil
	}
	_, escaped, _ := strings.Cut(url.UserPassword("", pw).String(), ":")
	return []string{pw, escaped, url.QueryEscape(pw), basicCredentials(p.Username, pw)}
}

// basicCredentials is the base64 of user:password that Basic auth sends.
func basicCredentials(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}
