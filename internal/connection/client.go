package connection

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"sync"
)

// New makes a live connection whose HTTP client, when its TLS options need
// one of its own, is built once and kept with it (the catalog keeps the
// Live until the stored connection changes).
func New(doc Document, secrets Secrets) *Live {
	return &Live{Doc: doc, Secrets: secrets, clients: &clientCache{}}
}

// clientCache holds the client built for one base client.
type clientCache struct {
	mu     sync.Mutex
	base   *http.Client
	client *http.Client
	err    error
	budget *Budget // see Live.Budget
}

// TLSConfig builds the connection's TLS configuration, or nil when it sets
// no TLS options (the base client's defaults apply).
func (l *Live) TLSConfig() (*tls.Config, error) {
	t := l.Doc.TLS
	if t == nil || (t.CABundle == "" && !t.InsecureSkipVerify && t.ClientCert == "") {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.InsecureSkipVerify} //nolint:gosec // the operator's choice, shown as a warning
	if t.CABundle != "" {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM([]byte(t.CABundle)) {
			return nil, errors.New("tls.ca_bundle holds no PEM certificate")
		}
		cfg.RootCAs = pool
	}
	if t.ClientCert != "" {
		cert, err := tls.X509KeyPair([]byte(t.ClientCert), []byte(l.Secrets.ClientKey))
		if err != nil {
			// Never repeat the parser's text: it may quote the key.
			return nil, errors.New("tls.client_cert and tls.client_key are not a matching PEM certificate and private key")
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// HTTPClient is the client requests through this connection use: base
// itself when the connection sets no TLS or proxy options, otherwise a
// client with its own Transport cloned from base's, so that base's guarded
// dialer (the SSRF check) stays in front. It is built once per Live made by New.
func (l *Live) HTTPClient(base *http.Client) (*http.Client, error) {
	if t := l.Doc.TLS; (t == nil || (t.CABundle == "" && !t.InsecureSkipVerify && t.ClientCert == "")) && l.Doc.Proxy == nil {
		return base, nil
	}
	if l.clients == nil {
		return l.buildClient(base)
	}
	c := l.clients
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.base != base || (c.client == nil && c.err == nil) {
		c.base = base
		c.client, c.err = l.buildClient(base)
	}
	return c.client, c.err
}

// CloseIdleConnections closes the idle connections of a client built for
// this connection (when the catalog replaces it).
func (l *Live) CloseIdleConnections() {
	if l.clients == nil {
		return
	}
	l.clients.mu.Lock()
	c := l.clients.client
	l.clients.mu.Unlock()
	if c != nil {
		c.CloseIdleConnections()
	}
}

func (l *Live) buildClient(base *http.Client) (*http.Client, error) {
	cfg, err := l.TLSConfig()
	if err != nil {
		return nil, err
	}
	proxy, err := l.proxyURL()
	if err != nil {
		return nil, err
	}
	bt, ok := base.Transport.(*http.Transport)
	if !ok {
		return nil, errors.New("the connection's TLS and proxy options need an *http.Transport")
	}
	tr := bt.Clone() // keeps DialContext: the address guard
	tr.TLSClientConfig = cfg
	if proxy != nil {
		// The guarded dialer now dials the proxy, so the SSRF check
		// applies to the proxy's address; the target is reached by the
		// proxy, beyond this process's network.
		tr.Proxy = http.ProxyURL(proxy)
		tr.OnProxyConnectResponse = checkProxyConnect
	}
	return &http.Client{Transport: tr, CheckRedirect: base.CheckRedirect, Jar: base.Jar, Timeout: base.Timeout}, nil
}
