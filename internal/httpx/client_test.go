package httpx

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mccutchen/go-httpbin/v2/httpbin"
)

// countingServer is a loopback target that counts the requests reaching it.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		io.WriteString(w, "ok")
	}))
	t.Cleanup(s.Close)
	return s, &n
}

// get sends a GET with a deadline well above what a refusal should take.
func get(c *http.Client, target string) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

func TestClientRefusesPrivateAddresses(t *testing.T) {
	t.Parallel()
	s, n := countingServer(t)
	port := s.Listener.Addr().(*net.TCPAddr).Port
	p := func(host string) string { return "http://" + net.JoinHostPort(host, strconv.Itoa(port)) + "/" }
	tests := []struct {
		name, url string
	}{
		{"loopback IPv4", s.URL},
		{"localhost", p("localhost")},
		{"loopback IPv6", p("::1")},
		{"IPv4-mapped loopback", p("::ffff:127.0.0.1")},
		{"another loopback", p("127.1.2.3")},
		// These are refused before any packet leaves: a connect would hang
		// (nothing answers there) and hit the 5s deadline.
		{"private 10/8", "http://10.0.0.1:1/"},
		{"private 172.16/12", "http://172.16.0.1:1/"},
		{"private 192.168/16", "http://192.168.1.1:1/"},
		{"cloud metadata (link-local)", "http://169.254.169.254/latest/meta-data/"},
		{"carrier-grade NAT", "http://100.64.0.1:1/"},
		{"unspecified", "http://0.0.0.0:1/"},
		{"IPv6 unique local", "http://[fd00::1]:1/"},
		{"IPv6 link-local", "http://[fe80::1]:1/"},
		{"NAT64 of a private IPv4", "http://[64:ff9b::a00:1]:1/"},
	}
	c := NewClient(ClientOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			_, err := get(c, tt.url)
			elapsed := time.Since(start)
			if err == nil {
				t.Fatal("request succeeded, want the address refused")
			}
			if isNoIPv6(err) {
				t.Skipf("no IPv6 here: %v", err)
			}
			if !errors.Is(err, ErrForbiddenAddress) || !IsForbidden(err) {
				t.Fatalf("error %v (%T), want ErrForbiddenAddress", err, err)
			}
			if !strings.Contains(err.Error(), "--allow-private-networks") {
				t.Errorf("error %q does not say how to allow it", err)
			}
			if elapsed > time.Second {
				t.Errorf("refusal took %v: the guard must act before connecting", elapsed)
			}
		})
	}
	t.Cleanup(func() {
		if got := n.Load(); got != 0 {
			t.Errorf("%d requests reached the loopback server", got)
		}
	})
}

// isNoIPv6 reports an error from a host without IPv6, where the socket
// cannot be created and the guard never runs.
func isNoIPv6(err error) bool {
	s := err.Error()
	return strings.Contains(s, "address family not supported") || strings.Contains(s, "cannot assign requested address") ||
		strings.Contains(s, "network is unreachable")
}

func TestClientAllowsPrivateNetworksWhenAsked(t *testing.T) {
	t.Parallel()
	bin := httptest.NewServer(httpbin.New())
	t.Cleanup(bin.Close)
	port := bin.Listener.Addr().(*net.TCPAddr).Port
	c := NewClient(ClientOptions{AllowPrivateNetworks: true})
	for _, target := range []string{bin.URL + "/get", "http://localhost:" + strconv.Itoa(port) + "/get"} {
		resp, err := get(c, target)
		if err != nil {
			t.Fatalf("GET %s: %v", target, err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d", target, resp.StatusCode)
		}
	}
}

func TestClientRedirects(t *testing.T) {
	t.Parallel()
	bin := httptest.NewServer(httpbin.New())
	t.Cleanup(bin.Close)
	c := NewClient(ClientOptions{AllowPrivateNetworks: true})

	resp, err := get(c, bin.URL+"/redirect/3")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("3 redirects: %v %v", resp, err)
	}
	if _, err := get(c, bin.URL+"/redirect/11"); err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") {
		t.Errorf("11 redirects: error %v, want stopped after 10", err)
	}
}

// A redirect is dialed like any request, so the guard checks its target
// too. With no public server to start from, the first hop is allowed by a
// transport that lets exactly one address through.
func TestClientChecksRedirectTargets(t *testing.T) {
	t.Parallel()
	target, n := countingServer(t)
	start := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/inside", http.StatusFound)
	}))
	t.Cleanup(start.Close)

	c := NewClient(ClientOptions{})
	tr := c.Transport.(*http.Transport)
	guarded := tr.DialContext
	startAddr := start.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr == startAddr {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}
		return guarded(ctx, network, addr)
	}

	_, err := get(c, start.URL+"/")
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("redirect to loopback: error %v, want ErrForbiddenAddress", err)
	}
	if n.Load() != 0 {
		t.Errorf("the redirect reached the loopback target %d times", n.Load())
	}
}

func TestClientHasNoOverallTimeout(t *testing.T) {
	t.Parallel()
	if c := NewClient(ClientOptions{}); c.Timeout != 0 {
		t.Errorf("client timeout %v: each request carries its step's deadline instead", c.Timeout)
	}
	if tr := NewClient(ClientOptions{}).Transport.(*http.Transport); tr.Proxy != nil {
		t.Error("the client uses a proxy from the environment, which would bypass the guard")
	}
}

func TestCheckAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr    string
		allowed bool
	}{
		{"93.184.216.34:80", true},
		{"8.8.8.8:53", true},
		{"[2606:4700:4700::1111]:443", true},
		{"100.63.255.255:80", true}, // just below carrier-grade NAT
		{"172.32.0.1:80", true},     // just above 172.16/12

		{"127.0.0.1:80", false},
		{"127.255.255.254:80", false},
		{"10.1.2.3:443", false},
		{"172.16.0.1:80", false},
		{"172.31.255.255:80", false},
		{"192.168.0.1:80", false},
		{"169.254.169.254:80", false},
		{"100.64.0.1:80", false},
		{"100.127.255.255:80", false},
		{"0.0.0.0:80", false},
		{"0.1.2.3:80", false},
		{"192.0.0.8:80", false},
		{"198.18.0.1:80", false},
		{"198.19.255.255:80", false},
		{"224.0.0.1:80", false},
		{"240.0.0.1:80", false},
		{"255.255.255.255:80", false},
		{"[::1]:80", false},
		{"[::]:80", false},
		{"[::ffff:10.0.0.1]:80", false},
		{"[::ffff:127.0.0.1]:80", false},
		{"[fc00::1]:80", false},
		{"[fd12:3456::1]:80", false},
		{"[fe80::1%eth0]:80", false},
		{"[fe80::1]:80", false},
		{"[ff02::1]:80", false},
		{"[64:ff9b::7f00:1]:80", false},
		{"example.com:80", false}, // only resolved addresses are dialed
		{"127.0.0.1", false},      // no port
		{"", false},
	}
	for _, tt := range tests {
		err := checkAddress(tt.addr)
		if tt.allowed && err != nil {
			t.Errorf("checkAddress(%q) = %v, want allowed", tt.addr, err)
		}
		if !tt.allowed && !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("checkAddress(%q) = %v, want ErrForbiddenAddress", tt.addr, err)
		}
	}
}
