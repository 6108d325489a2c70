package httprequest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/patchbay/patchbay/internal/httpx"
)

// Stages at which a request can fail, as a connection test reports them.
const (
	StageRequest = "request" // the request could not be built (bad URL, …)
	StageDNS     = "dns"
	StageConnect = "connect"
	StageTLS     = "tls"
	StageHTTP    = "http"
	StageAuth    = "auth"
)

// Diagnose says at which stage an attempt failed and, in one sentence,
// what to check. A successful attempt has stage "". It reads error types,
// not error text, and never repeats a cause's text (it may hold secrets).
func Diagnose(o Outcome) (stage, diagnosis string) {
	if o.Err == nil {
		return "", ""
	}
	if o.Output != nil {
		st := o.Output.Status
		text := fmt.Sprintf("%d %s", st, http.StatusText(st))
		switch {
		case st == http.StatusUnauthorized:
			return StageAuth, "the server answered " + text + ": check the username and password (or token, key) of the connection"
		case st == http.StatusProxyAuthRequired:
			return StageAuth, proxyAuthDiagnosis("the proxy")
		case st == http.StatusForbidden:
			return StageAuth, "the server answered " + text + ": the credentials were accepted but lack permission for this request"
		case st < 200 || st > 299:
			return StageHTTP, "the server answered " + text + ": check the test request's method and URL, or the server's health"
		default:
			return StageHTTP, "the server answered " + text + " but its response could not be read: " + o.Err.Error()
		}
	}
	var te *TransportError
	if !errors.As(o.Err, &te) {
		return StageRequest, "the test request is not valid: " + o.Err.Error()
	}
	if stage, d := diagnoseProxy(o.Err); stage != "" {
		return stage, d
	}
	var dnsErr *net.DNSError
	if errors.As(o.Err, &dnsErr) {
		if dnsErr.IsNotFound {
			return StageDNS, fmt.Sprintf("the host %s does not resolve: check the spelling of the URL", dnsErr.Name)
		}
		return StageDNS, fmt.Sprintf("the host %s could not be resolved: check the URL and the server's DNS", dnsErr.Name)
	}
	if httpx.IsForbidden(o.Err) {
		return StageConnect, "the host resolves to a private or local address, which this server refuses to reach (it was not started with --allow-private-networks)"
	}
	if stage, d := diagnoseTLS(o.Err); stage != "" {
		return stage, d
	}
	var opErr *net.OpError
	if errors.As(o.Err, &opErr) && opErr.Op == "dial" {
		var ne net.Error
		if errors.As(o.Err, &ne) && ne.Timeout() {
			return StageConnect, fmt.Sprintf("connecting to %s timed out: the host may be down or a firewall may drop the traffic", opErr.Addr)
		}
		return StageConnect, fmt.Sprintf("could not connect to %s: nothing accepts connections on that port, or the host is unreachable", opErr.Addr)
	}
	var ne net.Error
	if errors.As(o.Err, &ne) && ne.Timeout() {
		return StageHTTP, "the server accepted the connection but did not answer in time"
	}
	return StageHTTP, "the connection failed before a response arrived: " + o.Err.Error()
}

func diagnoseTLS(err error) (string, string) {
	var (
		hostErr   x509.HostnameError
		authErr   x509.UnknownAuthorityError
		invErr    x509.CertificateInvalidError
		verifyErr *tls.CertificateVerificationError
		recErr    tls.RecordHeaderError
		alertErr  tls.AlertError
	)
	switch {
	case errors.As(err, &hostErr):
		return StageTLS, fmt.Sprintf("the server's TLS certificate is not valid for %s: check the host name in the URL", hostErr.Host)
	case errors.As(err, &authErr):
		return StageTLS, "the server's TLS certificate is signed by an unknown authority (self-signed or a private CA)"
	case errors.As(err, &invErr):
		return StageTLS, "the server's TLS certificate is not valid (expired, not yet valid or not for serving): " + invErr.Error()
	case errors.As(err, &verifyErr):
		return StageTLS, "the server's TLS certificate could not be verified"
	case errors.As(err, &recErr):
		return StageTLS, "the server did not answer TLS: check whether the URL should use http rather than https, or the port"
	case errors.As(err, &alertErr):
		return StageTLS, "the TLS handshake failed: the server refused it (" + alertErr.Error() + ")"
	}
	// The transport's handshake timeout has no exported type.
	if strings.Contains(err.Error(), "TLS handshake") {
		return StageTLS, "the TLS handshake failed or timed out"
	}
	return "", ""
}
