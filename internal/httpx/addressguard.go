package httpx

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"
)

// The guard allows only global unicast addresses, as IANA's registries say:
//
//   - IPv4: anything outside the IPv4 Special-Purpose Address Registry's
//     blocks that are not globally reachable, outside multicast
//     (224.0.0.0/4, IPv4 Multicast Address Space Registry) and outside the
//     reserved 240.0.0.0/4 and the limited broadcast address.
//   - IPv6: only the global unicast space 2000::/3 (IPv6 Address Space
//     Registry), minus the IPv6 Special-Purpose Address Registry's blocks
//     that are not globally reachable. The IPv4 address embedded in an
//     IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) or 6to4
//     (2002::/16) address is decoded and checked as IPv4, since those forms
//     reach it.
//
// Blocks whose registry entry is globally reachable only in part (the
// anycast exceptions inside 192.0.0.0/24 and 2001::/23) are refused whole:
// no step has a reason to call them, and a smaller table is easier to
// trust. Teredo (2001::/32) is refused whole too: its client address is
// the inverted IPv4 of a NAT, which says nothing about where a packet
// ends.
//
// On top of the table, the addresses of this host's own interfaces are
// refused, whatever their kind: a service bound to 0.0.0.0 here (patchbay's
// own listener included) answers on each of them. The list is read at most
// once a second per client.

// specialBlock is one registry entry the guard refuses.
type specialBlock struct {
	prefix netip.Prefix
	name   string // the entry's name in its registry
}

// Registry names, as messages cite them.
const (
	ipv4Special   = "IANA IPv4 Special-Purpose Address Registry"
	ipv6Special   = "IANA IPv6 Special-Purpose Address Registry"
	ipv4Multicast = "IANA IPv4 Multicast Address Space Registry"
	ipv6Space     = "IANA IPv6 Address Space Registry"
)

func block(prefix, name, registry string) specialBlock {
	return specialBlock{prefix: netip.MustParsePrefix(prefix), name: name + " (" + registry + ")"}
}

// refusedIPv4 are the IPv4 blocks that are not globally reachable unicast.
// Most specific first where blocks nest, so that a message names the
// narrowest entry.
var refusedIPv4 = []specialBlock{
	block("0.0.0.0/32", `"This host on this network"`, ipv4Special),
	block("0.0.0.0/8", `"This network"`, ipv4Special),
	block("10.0.0.0/8", "Private-Use", ipv4Special),
	block("100.64.0.0/10", "Shared Address Space", ipv4Special),
	block("127.0.0.0/8", "Loopback", ipv4Special),
	block("169.254.0.0/16", "Link Local", ipv4Special),
	block("172.16.0.0/12", "Private-Use", ipv4Special),
	block("192.0.0.0/29", "IPv4 Service Continuity Prefix", ipv4Special),
	block("192.0.0.8/32", "IPv4 dummy address", ipv4Special),
	block("192.0.0.170/31", "NAT64/DNS64 Discovery", ipv4Special),
	block("192.0.0.0/24", "IETF Protocol Assignments", ipv4Special),
	block("192.0.2.0/24", "Documentation (TEST-NET-1)", ipv4Special),
	block("192.88.99.0/24", "Deprecated (6to4 Relay Anycast)", ipv4Special),
	block("192.168.0.0/16", "Private-Use", ipv4Special),
	block("198.18.0.0/15", "Benchmarking", ipv4Special),
	block("198.51.100.0/24", "Documentation (TEST-NET-2)", ipv4Special),
	block("203.0.113.0/24", "Documentation (TEST-NET-3)", ipv4Special),
	block("224.0.0.0/4", "Multicast", ipv4Multicast),
	block("255.255.255.255/32", "Limited Broadcast", ipv4Special),
	block("240.0.0.0/4", "Reserved", ipv4Special),
}

// refusedIPv6 are the IPv6 blocks that are not globally reachable unicast.
// Everything outside 2000::/3 is refused as well; the entries outside it
// are listed only so that a message names them.
var refusedIPv6 = []specialBlock{
	block("::/128", "Unspecified Address", ipv6Special),
	block("::1/128", "Loopback Address", ipv6Special),
	block("::/96", "IPv4-compatible Address (deprecated)", ipv6Space),
	block("64:ff9b:1::/48", "IPv4-IPv6 Translat. (local use)", ipv6Special),
	block("100::/64", "Discard-Only Address Block", ipv6Special),
	block("100:0:0:1::/64", "Dummy IPv6 Prefix", ipv6Special),
	block("2001::/32", "TEREDO", ipv6Special),
	block("2001:2::/48", "Benchmarking", ipv6Special),
	block("2001:10::/28", "Deprecated (previously ORCHID)", ipv6Special),
	block("2001:db8::/32", "Documentation", ipv6Special),
	block("2001::/23", "IETF Protocol Assignments", ipv6Special),
	block("3fff::/20", "Documentation", ipv6Special),
	block("5f00::/16", "Segment Routing (SRv6) SIDs", ipv6Special),
	block("fc00::/7", "Unique-Local", ipv6Special),
	block("fe80::/10", "Link-Local Unicast", ipv6Special),
	block("fec0::/10", "Site-Local (deprecated)", ipv6Space),
	block("ff00::/8", "Multicast", ipv6Space),
}

var (
	globalUnicastIPv6 = netip.MustParsePrefix("2000::/3")
	nat64WellKnown    = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour         = netip.MustParsePrefix("2002::/16")
)

// refusalReason says why ip is not a global unicast address, or "" when it
// is one.
func refusalReason(ip netip.Addr) string {
	ip = ip.WithZone("")
	if ip.Is4In6() {
		if r := refusalReason(ip.Unmap()); r != "" {
			return "it is the IPv4-mapped form of " + ip.Unmap().String() + ", which " + r
		}
		return ""
	}
	if ip.Is4() {
		for _, b := range refusedIPv4 {
			if b.prefix.Contains(ip) {
				return "is in " + b.prefix.String() + ", " + b.name
			}
		}
		return ""
	}
	if embedded, form, ok := embeddedIPv4(ip); ok {
		if r := refusalReason(embedded); r != "" {
			return "it is the " + form + " form of " + embedded.String() + ", which " + r
		}
		return ""
	}
	for _, b := range refusedIPv6 {
		if b.prefix.Contains(ip) {
			return "is in " + b.prefix.String() + ", " + b.name
		}
	}
	if !globalUnicastIPv6.Contains(ip) {
		return "is outside 2000::/3, the global unicast space (" + ipv6Space + ")"
	}
	return ""
}

// embeddedIPv4 decodes the IPv4 address inside the IPv6 forms that reach
// it: NAT64's well-known prefix (the last 32 bits) and 6to4 (bits 16-47).
func embeddedIPv4(ip netip.Addr) (netip.Addr, string, bool) {
	b := ip.As16()
	switch {
	case nat64WellKnown.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), "NAT64 (64:ff9b::/96)", true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), "6to4 (2002::/16)", true
	}
	return netip.Addr{}, "", false
}

// addressGuard refuses the addresses a step must not reach.
type addressGuard struct {
	// interfaceAddrs lists this host's own addresses; net.InterfaceAddrs
	// when nil.
	interfaceAddrs func() ([]net.Addr, error)
	// own caches the list for ownAddrsTTL: reading it costs a netlink
	// dump (~150 µs), which every dial would pay otherwise. nil: no cache.
	own *ownAddrs
}

// ownAddrsTTL is how long the host's address list is trusted. An address
// added to an interface is refused at most this long after it appears.
const ownAddrsTTL = time.Second

// ownAddrs is the cached list of this host's addresses, shared by the
// dials of one client.
type ownAddrs struct {
	mu      sync.Mutex
	addrs   []netip.Addr
	readAt  time.Time
	readErr error
}

func newAddressGuard() addressGuard { return addressGuard{own: &ownAddrs{}} }

// check refuses address ("host:port", host an IP) unless it is global
// unicast and not one of this host's own.
func (g addressGuard) check(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	own, err := g.isOwn(ip)
	if err != nil {
		// Fail closed: without the list the host's own services are not
		// known to be out of reach.
		return fmt.Errorf("%w: %s: cannot list this host's addresses to rule them out: %v", ErrForbiddenAddress, ip, err)
	}
	if own {
		return fmt.Errorf("%w: %s is an address of this host (start the server with --allow-private-networks to allow it)", ErrForbiddenAddress, ip)
	}
	if reason := refusalReason(ip); reason != "" {
		return fmt.Errorf("%w: %s is a private or local address: %s (start the server with --allow-private-networks to allow it)", ErrForbiddenAddress, ip, reason)
	}
	return nil
}

// isOwn reports whether ip is an address of one of this host's interfaces
// (IPv4-mapped forms included).
func (g addressGuard) isOwn(ip netip.Addr) (bool, error) {
	addrs, err := g.ownAddrs()
	if err != nil {
		return false, err
	}
	ip = ip.WithZone("").Unmap()
	for _, a := range addrs {
		if a == ip {
			return true, nil
		}
	}
	return false, nil
}

// ownAddrs lists this host's addresses, from the cache while it is fresh.
func (g addressGuard) ownAddrs() ([]netip.Addr, error) {
	if g.own == nil {
		return g.readOwnAddrs()
	}
	c := g.own
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.readAt.IsZero() || time.Since(c.readAt) >= ownAddrsTTL {
		c.addrs, c.readErr = g.readOwnAddrs()
		c.readAt = time.Now()
	}
	return c.addrs, c.readErr
}

func (g addressGuard) readOwnAddrs() ([]netip.Addr, error) {
	list := g.interfaceAddrs
	if list == nil {
		list = net.InterfaceAddrs
	}
	raw, err := list()
	if err != nil {
		return nil, err
	}
	out := make([]netip.Addr, 0, len(raw))
	for _, a := range raw {
		var ip net.IP
		switch v := a.(type) {
		case *net.IPNet:
			ip = v.IP
		case *net.IPAddr:
			ip = v.IP
		default:
			continue
		}
		if own, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, own.WithZone("").Unmap())
		}
	}
	return out, nil
}

// checkAddress is the guard's check with no cache: every call reads the
// host's addresses afresh.
func checkAddress(address string) error { return addressGuard{}.check(address) }
