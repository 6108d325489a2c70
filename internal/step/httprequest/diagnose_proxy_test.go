package httprequest

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/elazarl/goproxy"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/pill"
	"github.com/patchbay/patchbay/internal/recipe"
)

// realProxy is goproxy on loopback; with a password it answers CONNECT
// without the right Basic credentials with 407.
func realProxy(t *testing.T, user, password string) *httptest.Server {
	t.Helper()
	p := goproxy.NewProxyHttpServer()
	p.Tr, p.ConnectDial = &http.Transport{}, nil // nothing from the environment
	p.Logger = log.New(io.Discard, "", 0)
	p.OnRequest().HandleConnectFunc(func(host string, ctx *goproxy.ProxyCtx) (*goproxy.ConnectAction, string) {
		if u, pw, ok := proxyBasicAuth(ctx.Req); user != "" && (!ok || u != user || pw != password) {
			ctx.Resp = goproxy.NewResponse(ctx.Req, "text/plain", http.StatusProxyAuthRequired, "credentials required")
			return goproxy.RejectConnect, host
		}
		return goproxy.OkConnect, host
	})
	s := httptest.NewServer(p)
	t.Cleanup(s.Close)
	return s
}

func proxyBasicAuth(r *http.Request) (string, string, bool) {
	fake := &http.Request{Header: http.Header{"Authorization": r.Header.Values("Proxy-Authorization")}}
	return fake.BasicAuth()
}

func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// Each way a proxy can fail is diagnosed as the proxy's, naming it by
// host and port, and never with its password.
func TestDiagnoseProxy(t *testing.T) {
	t.Parallel()
	const password = "proxy-Secret-5150"
	authProxy := realProxy(t, "u", password)
	openProxy := realProxy(t, "", "")
	allowed := &Executor{Client: httpx.NewClient(httpx.ClientOptions{AllowPrivateNetworks: true})}
	guarded := &Executor{Client: httpx.NewClient(httpx.ClientOptions{})}
	closed := closedPort(t)
	tests := []struct {
		name      string
		exec      *Executor
		proxy     connection.Proxy
		target    string
		stage     string
		diagnosis string
		retryable bool
	}{
		{"proxy host unknown", allowed, connection.Proxy{URL: "http://nosuchproxy.invalid:3128"}, "https://example.com/",
			StageDNS, "the proxy host nosuchproxy.invalid does not resolve", true},
		{"proxy refused", allowed, connection.Proxy{URL: "socks5://" + closed}, "http://example.com/",
			StageConnect, "could not connect to the proxy " + closed, true},
		{"proxy on a private address", guarded, connection.Proxy{URL: openProxy.URL}, "https://example.com/",
			StageConnect, "the proxy's address is private or local", false},
		{"wrong proxy password", allowed, connection.Proxy{URL: authProxy.URL, Username: "u", Password: "wrong"}, "https://example.com/",
			StageAuth, "the proxy " + strings.TrimPrefix(authProxy.URL, "http://") + " answered 407", false},
		{"tunnel to nowhere", allowed, connection.Proxy{URL: authProxy.URL, Username: "u", Password: password}, "https://" + closed + "/",
			StageConnect, "refused the tunnel to " + closed + " with 502 Bad Gateway", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := tt.proxy
			secrets := connection.Secrets{ProxyPassword: p.Password}
			if p.Password != "" {
				p.Password = connection.SetMarker
			}
			conn := connection.New(connection.Document{ID: "c", Name: "c", Type: connection.TypeHTTP,
				Auth: connection.Auth{Type: connection.AuthNone}, Proxy: &p}, secrets)
			req := compile(t, recipe.Step{Method: "GET", URL: tt.target, Timeout: recipe.Duration(5 * time.Second)})
			o := tt.exec.Do(context.Background(), req, pill.Env{}, conn, "")
			stage, diagnosis := Diagnose(o)
			if stage != tt.stage || !strings.Contains(diagnosis, tt.diagnosis) {
				t.Fatalf("Diagnose = %q, %q (error %v); want %q mentioning %q", stage, diagnosis, o.Err, tt.stage, tt.diagnosis)
			}
			if o.Retryable != tt.retryable {
				t.Errorf("retryable %v, want %v (error %v)", o.Retryable, tt.retryable, o.Err)
			}
			if strings.Contains(o.Err.Error()+diagnosis, password) {
				t.Errorf("the password shows: %v / %s", o.Err, diagnosis)
			}
		})
	}
}
