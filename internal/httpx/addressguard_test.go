package httpx

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// Every address here is only checked, never dialed.
func TestRefusalReasonFollowsTheRegistries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		want string // "" for allowed, else a part of the reason
	}{
		// Global unicast.
		{"8.8.8.8", ""},
		{"93.184.216.34", ""},
		{"1.1.1.1", ""},
		{"192.0.3.1", ""},     // just past TEST-NET-1
		{"198.20.0.1", ""},    // just past benchmarking
		{"223.255.255.1", ""}, // just below multicast
		{"2606:4700:4700::1111", ""},
		{"2a00:1450:4001:81b::200e", ""},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::808:808", ""},     // NAT64 of 8.8.8.8
		{"2002:808:808::1", ""},      // 6to4 of 8.8.8.8
		{"2001:4860:4860::8888", ""}, // outside 2001::/23

		// IPv4 special-purpose blocks.
		{"0.0.0.0", "This host on this network"},
		{"0.1.2.3", "This network"},
		{"10.1.2.3", "Private-Use"},
		{"100.64.0.1", "Shared Address Space"},
		{"127.0.0.1", "Loopback"},
		{"169.254.169.254", "Link Local"},
		{"172.16.0.1", "Private-Use"},
		{"192.0.0.1", "IPv4 Service Continuity Prefix"},
		{"192.0.0.8", "IPv4 dummy address"},
		{"192.0.0.170", "NAT64/DNS64 Discovery"},
		{"192.0.0.200", "IETF Protocol Assignments"},
		{"192.0.2.1", "Documentation (TEST-NET-1)"},
		{"192.88.99.1", "6to4 Relay Anycast"},
		{"192.168.1.1", "Private-Use"},
		{"198.18.0.1", "Benchmarking"},
		{"198.19.255.255", "Benchmarking"},
		{"198.51.100.7", "Documentation (TEST-NET-2)"},
		{"203.0.113.9", "Documentation (TEST-NET-3)"},
		{"224.0.0.1", "Multicast"},
		{"239.255.255.250", "Multicast"},
		{"240.0.0.1", "Reserved"},
		{"255.255.255.255", "Limited Broadcast"},

		// IPv4 inside IPv6.
		{"::127.0.0.1", "IPv4-compatible"},
		{"::8.8.8.8", "IPv4-compatible"},
		{"::ffff:127.0.0.1", "IPv4-mapped form of 127.0.0.1"},
		{"::ffff:10.0.0.1", "IPv4-mapped form of 10.0.0.1"},
		{"2002:7f00:1::1", "6to4 (2002::/16) form of 127.0.0.1"},
		{"2002:a00:1::", "6to4 (2002::/16) form of 10.0.0.1"},
		{"2002:c000:201::1", "form of 192.0.2.1"},
		{"64:ff9b::7f00:1", "NAT64 (64:ff9b::/96) form of 127.0.0.1"},
		{"64:ff9b::a9fe:a9fe", "form of 169.254.169.254"},
		{"64:ff9b:1::a00:1", "local use"},
		{"64:ff9b:1:ffff::808:808", "local use"},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", "TEREDO"},

		// IPv6 special-purpose blocks and space outside 2000::/3.
		{"::", "Unspecified"},
		{"::1", "Loopback"},
		{"100::1", "Discard-Only"},
		{"2001:2::1", "Benchmarking"},
		{"2001:10::1", "ORCHID"},
		{"2001:db8::1", "Documentation"},
		{"2001:1::1", "IETF Protocol Assignments"},
		{"3fff::1", "Documentation"},
		{"3fff:fff::1", "Documentation"},
		{"5f00::1", "Segment Routing"},
		{"fc00::1", "Unique-Local"},
		{"fd00::2", "Unique-Local"},
		{"fe80::1", "Link-Local"},
		{"fe80::1%eth0", "Link-Local"},
		{"fec0::1", "Site-Local"},
		{"ff02::1", "Multicast"},
		{"4000::1", "outside 2000::/3"},
		{"1::1", "outside 2000::/3"},
	}
	for _, tt := range tests {
		got := refusalReason(netip.MustParseAddr(tt.addr))
		switch {
		case tt.want == "" && got != "":
			t.Errorf("%s refused (%s), want allowed", tt.addr, got)
		case tt.want != "" && !strings.Contains(got, tt.want):
			t.Errorf("%s: reason %q, want it to name %q", tt.addr, got, tt.want)
		}
	}
}

// The host's own addresses are refused whatever their kind, a global one
// included; the list is read at each check.
func TestGuardRefusesTheHostsOwnAddresses(t *testing.T) {
	t.Parallel()
	own := []net.Addr{
		&net.IPNet{IP: net.ParseIP("8.8.4.4"), Mask: net.CIDRMask(24, 32)},
		&net.IPNet{IP: net.ParseIP("2606:4700::6810:1"), Mask: net.CIDRMask(64, 128)},
	}
	g := addressGuard{interfaceAddrs: func() ([]net.Addr, error) { return own, nil }}
	for _, addr := range []string{"8.8.4.4:80", "[::ffff:8.8.4.4]:80", "[2606:4700::6810:1]:443"} {
		err := g.check(addr)
		if !errors.Is(err, ErrForbiddenAddress) || !strings.Contains(err.Error(), "an address of this host") {
			t.Errorf("check(%s) = %v, want refused as this host's address", addr, err)
		}
	}
	if err := g.check("8.8.8.8:80"); err != nil {
		t.Errorf("check(8.8.8.8:80) = %v, want allowed (not this host's)", err)
	}
	failing := addressGuard{interfaceAddrs: func() ([]net.Addr, error) { return nil, errors.New("netlink: denied") }}
	if err := failing.check("8.8.8.8:80"); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("with no interface list: %v, want refused (fail closed)", err)
	}
}

// A request to this host's own non-loopback interface address reaches a
// service listening on every interface unless the guard stops it.
func TestClientRefusesThisHostsInterfaceAddress(t *testing.T) {
	t.Parallel()
	ip := nonLoopbackInterfaceAddr(t)
	var n atomic.Int64
	ln, err := net.Listen("tcp", ":0") // every interface, as patchbay's :8080
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1) }))
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	target := "http://" + net.JoinHostPort(ip.String(), strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)) + "/"

	// The service does answer there: the address is a real way in.
	if resp, err := get(NewClient(ClientOptions{AllowPrivateNetworks: true}), target); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("with private networks allowed: %v %v, want the service to answer", resp, err)
	}
	_, err = get(NewClient(ClientOptions{}), target)
	if !errors.Is(err, ErrForbiddenAddress) || !strings.Contains(err.Error(), "an address of this host") {
		t.Fatalf("GET %s: %v, want refused as this host's own address", target, err)
	}
	if got := n.Load(); got != 1 {
		t.Fatalf("%d requests reached the service, want only the allowed one", got)
	}
}

// nonLoopbackInterfaceAddr is an address of one of this host's interfaces
// other than loopback and link-local (which need a zone to dial).
func nonLoopbackInterfaceAddr(t *testing.T) netip.Addr {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipn.IP)
		if ok && ip.Unmap().Is4() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() {
			return ip.Unmap()
		}
	}
	// No skip: a check that cannot run here must fail, not pass unnoticed.
	t.Fatal("this host has no non-loopback IPv4 interface address")
	return netip.Addr{}
}

// BenchmarkCheckAddress is the guard's cost per dial: reading the host's
// interface list every time, and from the client's one-second cache.
func BenchmarkCheckAddress(b *testing.B) {
	for _, g := range []struct {
		name  string
		guard addressGuard
	}{{"uncached", addressGuard{}}, {"cached", newAddressGuard()}} {
		b.Run(g.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if err := g.guard.check("93.184.216.34:443"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The cached list is read again once it is a second old, so an address
// that appears on an interface is refused soon after.
func TestGuardRereadsTheHostsAddresses(t *testing.T) {
	t.Parallel()
	var reads int
	own := []net.Addr{}
	g := newAddressGuard()
	g.interfaceAddrs = func() ([]net.Addr, error) { reads++; return own, nil }
	if err := g.check("8.8.4.4:80"); err != nil {
		t.Fatalf("before the address is the host's: %v", err)
	}
	own = []net.Addr{&net.IPAddr{IP: net.ParseIP("8.8.4.4")}}
	g.check("8.8.4.4:80")
	if reads != 1 {
		t.Fatalf("%d reads within the second, want 1 (cached)", reads)
	}
	g.own.mu.Lock()
	g.own.readAt = g.own.readAt.Add(-ownAddrsTTL)
	g.own.mu.Unlock()
	if err := g.check("8.8.4.4:80"); !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("after the cache expired: %v, want the new own address refused", err)
	}
}
