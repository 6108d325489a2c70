package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"io/fs"
	stdlog "log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/armon/go-socks5"
	"github.com/elazarl/goproxy"
)

// proxyLog records what a proxy run by a test was asked to do.
type proxyLog struct {
	mu   sync.Mutex
	seen []string // "CONNECT host:port", "GET http://…", "SOCKS host:port"
}

func (l *proxyLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, s)
}

// has reports whether the proxy saw an entry that starts with prefix.
func (l *proxyLog) has(prefix string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.seen {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func (l *proxyLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = nil
}

// startHTTPProxy runs goproxy on loopback: CONNECT tunnels for https
// targets, forwarding for http ones. With a username it demands Basic
// proxy credentials and answers 407 without them.
func startHTTPProxy(t *testing.T, username, password string) (*httptest.Server, *proxyLog) {
	t.Helper()
	log := &proxyLog{}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(username+":"+password))
	authorized := func(r *http.Request) bool {
		return username == "" || r.Header.Get("Proxy-Authorization") == want
	}
	deny := func(r *http.Request) *http.Response {
		resp := goproxy.NewResponse(r, "text/plain", http.StatusProxyAuthRequired, "proxy credentials required")
		resp.Header.Set("Proxy-Authenticate", `Basic realm="test proxy"`)
		return resp
	}
	p := goproxy.NewProxyHttpServer()
	p.Tr = &http.Transport{} // no proxy from the environment behind this one
	p.ConnectDial = nil      // likewise for tunnels
	p.Logger = stdlog.New(io.Discard, "", 0)
	p.OnRequest().HandleConnectFunc(func(host string, ctx *goproxy.ProxyCtx) (*goproxy.ConnectAction, string) {
		log.add("CONNECT " + host)
		if !authorized(ctx.Req) {
			ctx.Resp = deny(ctx.Req)
			return goproxy.RejectConnect, host
		}
		return goproxy.OkConnect, host
	})
	p.OnRequest().DoFunc(func(r *http.Request, ctx *goproxy.ProxyCtx) (*http.Request, *http.Response) {
		log.add(r.Method + " " + r.URL.String())
		if !authorized(r) {
			return r, deny(r)
		}
		return r, nil
	})
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return srv, log
}

// startSOCKS5 runs a SOCKS5 server on loopback; with credentials it
// demands them (RFC 1929). The log names every target it connected to.
func startSOCKS5(t *testing.T, username, password string) (string, *proxyLog) {
	t.Helper()
	log := &proxyLog{}
	var d net.Dialer
	conf := &socks5.Config{Logger: stdlog.New(io.Discard, "", 0), Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		log.add("SOCKS " + addr)
		return d.DialContext(ctx, network, addr)
	}}
	if username != "" {
		conf.Credentials = socks5.StaticCredentials{username: password}
	}
	srv, err := socks5.New(conf)
	fatalIf(t, err, "socks5 server")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	fatalIf(t, err, "listen")
	t.Cleanup(func() { l.Close() })
	go srv.Serve(l)
	return l.Addr().String(), log
}

type proxyConnView struct {
	ID    string `json:"id"`
	Proxy *struct {
		URL      string `json:"url"`
		Username string `json:"username"`
		Password string `json:"password"`
	} `json:"proxy"`
	TestResult *connTest `json:"test_result"`
}

// saveProxyConn creates a connection to baseURL through proxy, with a test
// request to "/", and returns its view.
func (s *server) saveProxyConn(name, baseURL string, proxy map[string]any, tlsOpts map[string]any) proxyConnView {
	s.t.Helper()
	doc := map[string]any{"name": name, "base_url": baseURL, "auth": map[string]any{"type": "none"},
		"proxy": proxy, "test": map[string]any{"url": "/"}}
	if tlsOpts != nil {
		doc["tls"] = tlsOpts
	}
	var v proxyConnView
	s.mustCall(201, "POST", "/api/v1/connections", doc, &v)
	return v
}

// assertNoSecret fails if any API answer about the connections and jobs,
// or the server's logs, hold the secret or its base64 credentials.
func (s *server) assertNoSecret(secret, basic string, connIDs, jobIDs []string) {
	s.t.Helper()
	paths := []string{"/api/v1/connections"}
	for _, id := range connIDs {
		paths = append(paths, "/api/v1/connections/"+id)
	}
	for _, id := range jobIDs {
		paths = append(paths, "/api/v1/jobs/"+id)
	}
	for _, p := range paths {
		_, raw := s.raw("GET", p, nil, s.Token)
		if strings.Contains(string(raw), secret) || strings.Contains(string(raw), basic) {
			s.t.Errorf("%s holds the proxy password: %s", p, raw)
		}
	}
	for _, id := range connIDs {
		_, raw := s.raw("POST", "/api/v1/connections/"+id+"/test", nil, s.Token)
		if strings.Contains(string(raw), secret) || strings.Contains(string(raw), basic) {
			s.t.Errorf("test of %s holds the proxy password: %s", id, raw)
		}
	}
	if logs := s.logs.String(); strings.Contains(logs, secret) || strings.Contains(logs, basic) {
		s.t.Error("the logs hold the proxy password")
	}
	// The database and everything beside it (WAL included) hold it sealed only.
	err := filepath.WalkDir(s.DataDir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(secret)) || bytes.Contains(b, []byte(basic)) {
			s.t.Errorf("%s holds the proxy password", path)
		}
		return nil
	})
	fatalIf(s.t, err, "read the data folder")
}

// An https target reached through an HTTP proxy's CONNECT tunnel, with
// the target's certificate trusted through tls.ca_bundle; the proxy
// demands Basic credentials.
func TestConnectionProxyConnect(t *testing.T) {
	t.Parallel()
	const user, password = "proxy-user", "pr0xy-Pa55word/with@odd chars"
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	var targetHits sync.Map
	target := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		targetHits.Store(r.URL.Path, true)
		w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(target.Close)
	targetHost := strings.TrimPrefix(target.URL, "https://")
	proxySrv, log := startHTTPProxy(t, user, password)
	s := startServer(t)
	ca := map[string]any{"ca_bundle": certPEM(target.Certificate())}

	good := s.saveProxyConn("tunnel", target.URL, map[string]any{"url": proxySrv.URL, "username": user, "password": password}, ca)
	if good.TestResult == nil || !good.TestResult.OK {
		t.Fatalf("test through the proxy: %+v (error %q)", good.TestResult, deref(good.TestResult.Error))
	}
	if good.Proxy == nil || good.Proxy.URL != proxySrv.URL || good.Proxy.Username != user || good.Proxy.Password != "set" {
		t.Errorf("proxy view %+v, want the url, the username and password \"set\"", good.Proxy)
	}
	if !log.has("CONNECT " + targetHost) {
		t.Errorf("the proxy saw no CONNECT to %s: %v", targetHost, log.seen)
	}

	// A step through the connection goes through the tunnel too: the job's
	// connection is opened afresh, so its client must CONNECT again.
	log.reset()
	j := s.runThrough("tunnel", "/through-tunnel")
	if j.Status != "succeeded" {
		t.Fatalf("job through the proxy %s: %s", j.Status, deref(j.Error))
	}
	if _, ok := targetHits.Load("/through-tunnel"); !ok || !log.has("CONNECT "+targetHost) {
		t.Errorf("target hit %v, proxy saw %v: want the request through a CONNECT tunnel", ok, log.seen)
	}

	// Keeping the password ("set") on update keeps it working.
	var kept proxyConnView
	s.mustCall(200, "PUT", "/api/v1/connections/"+good.ID, map[string]any{"name": "tunnel", "base_url": target.URL,
		"auth": map[string]any{"type": "none"}, "tls": ca, "test": map[string]any{"url": "/"},
		"proxy": map[string]any{"url": proxySrv.URL, "username": user, "password": "set"}}, &kept)
	if kept.TestResult == nil || !kept.TestResult.OK {
		t.Errorf("after keeping the password: %+v", kept.TestResult)
	}

	// The wrong password, and none at all: the proxy answers 407, which
	// the test diagnoses as the proxy's credentials, and a job fails at once.
	for _, tc := range []struct{ name, user, password string }{{"wrong-password", user, "not-the-password"}, {"no-credentials", "", ""}} {
		proxy := map[string]any{"url": proxySrv.URL}
		if tc.user != "" {
			proxy["username"], proxy["password"] = tc.user, tc.password
		}
		v := s.saveProxyConn(tc.name, target.URL, proxy, ca)
		r := v.TestResult
		if r == nil || r.OK || r.Stage != "auth" || !strings.Contains(r.Diagnosis, "407") ||
			!strings.Contains(r.Diagnosis, "proxy.password") || !strings.Contains(r.Diagnosis, strings.TrimPrefix(proxySrv.URL, "http://")) {
			t.Errorf("%s: test_result %+v, want stage auth naming the proxy and its password", tc.name, r)
		}
		j := s.runThrough(tc.name, "/")
		if j.Status != "failed" || len(j.Steps) != 1 || j.Steps[0].Error == nil || !strings.Contains(*j.Steps[0].Error, "407") {
			t.Errorf("%s: job %s %+v, want failed with the proxy's 407", tc.name, j.Status, j.Steps)
		}
		if tc.user != "" {
			s.assertNoSecret(tc.password, base64.StdEncoding.EncodeToString([]byte(tc.user+":"+tc.password)), []string{v.ID}, []string{j.ID})
		}
	}
	s.assertNoSecret(password, basic, []string{good.ID}, []string{j.ID})
}

// A plain http target through an HTTP proxy: the request is forwarded
// (no tunnel). go-httpbin echoes the headers it got, so the job record
// would show proxy credentials if any leaked past the proxy.
func TestConnectionProxyPlainHTTP(t *testing.T) {
	t.Parallel()
	const user, password = "fwd-user", "fwd-Secret-9a8b7c"
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	bin := httpbinServer(t)
	proxySrv, log := startHTTPProxy(t, user, password)
	s := startServer(t)

	v := s.saveProxyConn("forward", bin.URL, map[string]any{"url": proxySrv.URL, "username": user, "password": password}, nil)
	if v.TestResult == nil || !v.TestResult.OK {
		t.Fatalf("test through the proxy: %+v", v.TestResult)
	}
	log.reset()
	j := s.runThrough("forward", "/anything/via-proxy")
	if j.Status != "succeeded" {
		t.Fatalf("job through the proxy %s: %s", j.Status, deref(j.Error))
	}
	if !log.has("GET " + bin.URL + "/anything/via-proxy") {
		t.Errorf("the proxy did not forward the request: %v", log.seen)
	}

	bad := s.saveProxyConn("forward-bad", bin.URL, map[string]any{"url": proxySrv.URL, "username": user, "password": "wrong"}, nil)
	if r := bad.TestResult; r == nil || r.OK || r.Status != 407 || r.Stage != "auth" || !strings.Contains(r.Diagnosis, "proxy.password") {
		t.Errorf("wrong password: %+v, want stage auth for the proxy's 407", r)
	}
	s.assertNoSecret(password, basic, []string{v.ID}, []string{j.ID})
}

// SOCKS5, without and with username/password authentication.
func TestConnectionProxySOCKS5(t *testing.T) {
	t.Parallel()
	const user, password = "socks-user", "socks-Secret-42xyz"
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"path":"` + r.URL.Path + `"}`))
	}))
	t.Cleanup(target.Close)
	targetHost := strings.TrimPrefix(target.URL, "http://")
	open, openLog := startSOCKS5(t, "", "")
	locked, lockedLog := startSOCKS5(t, user, password)
	s := startServer(t)

	v := s.saveProxyConn("socks-open", target.URL, map[string]any{"url": "socks5://" + open}, nil)
	if v.TestResult == nil || !v.TestResult.OK {
		t.Fatalf("test through SOCKS5: %+v", v.TestResult)
	}
	if j := s.runThrough("socks-open", "/open"); j.Status != "succeeded" {
		t.Errorf("job through SOCKS5 %s: %s", j.Status, deref(j.Error))
	}
	if !openLog.has("SOCKS " + targetHost) {
		t.Errorf("the SOCKS5 server never connected to %s: %v", targetHost, openLog.seen)
	}

	auth := s.saveProxyConn("socks-auth", target.URL, map[string]any{"url": "socks5://" + locked, "username": user, "password": password}, nil)
	if auth.TestResult == nil || !auth.TestResult.OK {
		t.Fatalf("test through SOCKS5 with credentials: %+v", auth.TestResult)
	}
	j := s.runThrough("socks-auth", "/locked")
	if j.Status != "succeeded" || !lockedLog.has("SOCKS "+targetHost) {
		t.Errorf("job through SOCKS5 with credentials %s (%s), server saw %v", j.Status, deref(j.Error), lockedLog.seen)
	}

	lockedLog.reset()
	wrong := s.saveProxyConn("socks-wrong", target.URL, map[string]any{"url": "socks5://" + locked, "username": user, "password": "wrong"}, nil)
	if r := wrong.TestResult; r == nil || r.OK || r.Stage != "connect" || !strings.Contains(r.Diagnosis, "SOCKS5 proxy "+locked) ||
		!strings.Contains(r.Diagnosis, "proxy.password") {
		t.Errorf("wrong SOCKS5 password: %+v, want stage connect naming the proxy", r)
	}
	if lockedLog.has("SOCKS") {
		t.Errorf("the SOCKS5 server connected for a wrong password: %v", lockedLog.seen)
	}
	s.assertNoSecret(password, base64.StdEncoding.EncodeToString([]byte(user+":"+password)), []string{auth.ID}, []string{j.ID})
}

// A proxy that is not there is diagnosed as such, by address; a proxy URL
// holding credentials is refused without repeating them.
func TestConnectionProxyDiagnosisAndValidation(t *testing.T) {
	t.Parallel()
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(target.Close)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	fatalIf(t, err, "listen")
	closed := l.Addr().String()
	l.Close()
	s := startServer(t)

	for _, scheme := range []string{"http", "socks5"} {
		v := s.saveProxyConn("refused-"+scheme, target.URL, map[string]any{"url": scheme + "://" + closed}, nil)
		if r := v.TestResult; r == nil || r.OK || r.Stage != "connect" || !strings.Contains(r.Diagnosis, "could not connect to the proxy "+closed) {
			t.Errorf("%s proxy refused: %+v, want stage connect naming the proxy", scheme, r)
		}
	}

	cases := []struct {
		proxy map[string]any
		path  string
	}{
		{map[string]any{"url": "http://u:leaky-Secret-77@127.0.0.1:3128"}, "proxy.url"},
		{map[string]any{"url": "ftp://127.0.0.1:21"}, "proxy.url"},
		{map[string]any{}, "proxy.url"},
		{map[string]any{"url": "http://127.0.0.1:3128", "password": "leaky-Secret-77"}, "proxy.username"},
	}
	for _, tc := range cases {
		var e struct {
			Error struct {
				Message string `json:"message"`
				Details []struct{ Path, Message string }
			} `json:"error"`
		}
		code, raw := s.raw("POST", "/api/v1/connections", map[string]any{"name": "bad-proxy", "auth": map[string]any{"type": "none"}, "proxy": tc.proxy}, s.Token)
		if code != 422 || strings.Contains(string(raw), "leaky-Secret-77") {
			t.Errorf("proxy %v: %d %s, want 422 without the password", tc.proxy, code, raw)
			continue
		}
		fatalIf(t, json.Unmarshal(raw, &e), "decode %s", raw)
		if len(e.Error.Details) == 0 || e.Error.Details[0].Path != tc.path {
			t.Errorf("proxy %v: details %+v, want path %s", tc.proxy, e.Error.Details, tc.path)
		}
	}
}
