package httpx

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned when a request would reach an address
// the operator has not allowed (private, loopback, link-local…).
var ErrForbiddenAddress = errors.New("address not allowed")

// ClientOptions configure the guarded outbound client.
type ClientOptions struct {
	// AllowPrivateNetworks lets requests reach private, loopback and
	// link-local addresses (tests and local setups).
	AllowPrivateNetworks bool
	// MaxIdleConnsPerHost keeps connections to busy targets warm.
	MaxIdleConnsPerHost int
}

// NewClient returns the one HTTP client every step uses. It refuses
// forbidden addresses at dial time, after DNS resolution, so neither a DNS
// name pointing inward nor a redirect can slip past the check. It has no
// overall timeout: each request carries its step's deadline in its context.
func NewClient(opt ClientOptions) *http.Client {
	dialer := &net.Dialer{
		Timeout:   10 * time.Second,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			if opt.AllowPrivateNetworks {
				return nil
			}
			return checkAddress(address)
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

// checkAddress refuses addresses that lead into the operator's own network.
func checkAddress(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() || isSharedOrReserved(ip) {
		return fmt.Errorf("%w: %s is a private or local address (start the server with --allow-private-networks to allow it)", ErrForbiddenAddress, ip)
	}
	return nil
}

var reserved = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64 can reach IPv4 private space
}

func isSharedOrReserved(ip netip.Addr) bool {
	for _, p := range reserved {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// IsForbidden reports whether err came from the address guard.
func IsForbidden(err error) bool { return errors.Is(err, ErrForbiddenAddress) }
