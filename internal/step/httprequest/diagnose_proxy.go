package httprequest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/httpx"
)

// diagnoseProxy names the connection's proxy when it is the proxy that
// failed: the proxy could not be reached (Go wraps that dial in a
// "proxyconnect" error), refused the CONNECT tunnel (*connection.ProxyError),
// or, for SOCKS5, refused the handshake (a "socks connect" error). It
// returns stage "" for any other error. The proxy is named by host and
// port only: its URL may carry the password.
func diagnoseProxy(err error) (string, string) {
	var pe *connection.ProxyError
	if errors.As(err, &pe) {
		if pe.Status == http.StatusProxyAuthRequired {
			return StageAuth, proxyAuthDiagnosis("the proxy " + pe.Proxy)
		}
		return StageConnect, fmt.Sprintf("the proxy %s refused the tunnel to %s with %d %s: check that the proxy allows this destination and can reach it",
			pe.Proxy, pe.Target, pe.Status, http.StatusText(pe.Status))
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		return "", ""
	}
	switch {
	case opErr.Op == "proxyconnect":
		return diagnoseProxyDial(opErr.Err)
	case strings.HasPrefix(opErr.Op, "socks"):
		proxy, target := "", ""
		if opErr.Source != nil {
			proxy = opErr.Source.String()
		}
		if opErr.Addr != nil {
			target = opErr.Addr.String()
		}
		return StageConnect, fmt.Sprintf("the SOCKS5 proxy %s did not open a connection to %s: check proxy.username and proxy.password, and that the proxy allows and can reach this destination",
			proxy, target)
	}
	return "", ""
}

// diagnoseProxyDial explains why the proxy itself could not be reached.
func diagnoseProxyDial(err error) (string, string) {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return StageDNS, fmt.Sprintf("the proxy host %s does not resolve: check proxy.url", dnsErr.Name)
	}
	if httpx.IsForbidden(err) {
		return StageConnect, "the proxy's address is private or local, which this server refuses to reach (it was not started with --allow-private-networks): check proxy.url"
	}
	var dial *net.OpError
	if errors.As(err, &dial) && dial.Op == "dial" && dial.Addr != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return StageConnect, fmt.Sprintf("connecting to the proxy %s timed out: check proxy.url, or whether a firewall drops the traffic", dial.Addr)
		}
		return StageConnect, fmt.Sprintf("could not connect to the proxy %s: nothing accepts connections on that port, or the host is unreachable: check proxy.url", dial.Addr)
	}
	if stage, d := diagnoseTLS(err); stage != "" {
		return stage, "talking to the proxy: " + d
	}
	return StageConnect, "the connection to the proxy failed: check proxy.url and that the proxy is running"
}

func proxyAuthDiagnosis(who string) string {
	return who + " answered 407 Proxy Authentication Required: check the connection's proxy.username and proxy.password"
}
