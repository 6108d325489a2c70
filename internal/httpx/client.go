package httpx

import (
	"errors"
	"net"
	"net/http"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned when a request would reach an address
// the operator has not allowed (private, loopback, link-local…).
var ErrForbiddenAddress = errors.New("address not allowed")

// ClientOptions configure the guarded outbound client.
type ClientOptions struct {
	// AllowPrivateNetworks lets requests reach any address: private,
	// loopback, link-local, this host's own (tests and local setups).
	// Without it only global unicast addresses that are not this host's
	// are dialed (see addressguard.go).
	AllowPrivateNetworks bool
	// MaxIdleConnsPerHost keeps connections to busy targets warm.
	MaxIdleConnsPerHost int
}

// NewClient returns the one HTTP client every step uses. It refuses
// forbidden addresses at dial time, after DNS resolution, so neither a DNS
// name pointing inward nor a redirect can slip past the check. It has no
// overall timeout: each request carries its step's deadline in its context.
func NewClient(opt ClientOptions) *http.Client {
	guard := newAddressGuard()
	dialer := &net.Dialer{
		Timeout:   10 * time.Second,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			if opt.AllowPrivateNetworks {
				return nil
			}
			return guard.check(address)
		},
	}
	idle := opt.MaxIdleConnsPerHost
	if idle <= 0 {
		idle = 64
	}
	tr := &http.Transport{
		Proxy:                 nil, // per-connection proxies come with connection options
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   idle,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: 0,
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			return nil
		},
	}
}

// IsForbidden reports whether err came from the address guard.
func IsForbidden(err error) bool { return errors.Is(err, ErrForbiddenAddress) }
