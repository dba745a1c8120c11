package capgen

import (
	"math/rand/v2"
	"net/netip"
)

// server is an FTP server program listening on one or two addresses.
type server struct {
	v4, v6 *host // v6 nil: IPv4 only
	sw     *ftpd
}

// at is the server's host for the address family of v6.
func (s *server) at(v6 bool) *host {
	if v6 {
		return s.v6
	}
	return s.v4
}

// site is the network around the capture point: who sits on the captured
// LAN, who is how many routers away.
type site struct {
	servers []*server
	// dead never answers (switched off or silently filtered); closed
	// answers port 21 with a reset (nothing listens).
	dead   [2]*host // IPv4, IPv6
	closed [2]*host
	// clients by address family: [0] IPv4, [1] IPv6.
	clients [2][]*host
	// firewallTTL is the TTL of resets that a firewall between the
	// capture point and the servers sends in a server's name.
	firewallTTL uint8
}

var routerMAC = [6]byte{0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x01}

// family is the index into site.clients.
func family(v6 bool) int {
	if v6 {
		return 1
	}
	return 0
}

// clientSideSite is a capture on the clients' LAN (a mirror port of
// their switch): clients have their stack's full TTL (64 or 128), the
// FTP servers are one router (TTL 63) or four (TTL 60) away.
func clientSideSite(r *rand.Rand, v4Clients, v6Clients int) *site {
	s := &site{firewallTTL: 253} // a firewall two hops out, initial TTL 255
	remote := func(a string, hops uint8, delay int64) *host {
		return newHost(netip.MustParseAddr(a), hops, linuxStack, delay, routerMAC, r)
	}
	s.servers = []*server{
		{v4: remote("203.0.113.10", 1, 400*us), v6: remote("2001:db8:ffff::10", 1, 400*us), sw: vsftpd},
		{v4: remote("203.0.113.11", 4, 12*ms), sw: proftpd},
		{v4: remote("203.0.113.12", 4, 35*ms), v6: remote("2001:db8:ffff::12", 4, 35*ms), sw: pureftpd},
	}
	s.dead = [2]*host{remote("203.0.113.99", 4, 20*ms), remote("2001:db8:ffff::99", 4, 20*ms)}
	s.closed = [2]*host{remote("203.0.113.20", 1, 400*us), remote("2001:db8:ffff::20", 1, 400*us)}
	lan := func(a netip.Addr, st *stack) *host {
		return newHost(a, 0, st, 30*us, localMAC(a), r)
	}
	for i := range v4Clients {
		// two /24s: 198.51.100.1-254, then 192.0.2.1-254
		a := netip.AddrFrom4([4]byte{198, 51, 100, byte(1 + i%254)})
		if i/254%2 == 1 {
			a = netip.AddrFrom4([4]byte{192, 0, 2, byte(1 + i%254)})
		}
		st := linuxStack
		if r.IntN(100) < 15 {
			st = windowsStack
		}
		s.clients[0] = append(s.clients[0], lan(a, st))
	}
	for i := range v6Clients {
		a := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 1, 14: byte((i + 1) >> 8), 15: byte(i + 1)})
		s.clients[1] = append(s.clients[1], lan(a, linuxStack))
	}
	return s
}

// serverSideSite is a capture in front of one FTP server (a SYN flood's
// target): the server has its full TTL, clients come from six to twenty
// routers away. Legitimate clients use 198.51.100.1-127 and
// 2001:db8:1::/64; the flood's forged sources are elsewhere (flood.go).
func serverSideSite(r *rand.Rand, v4Clients, v6Clients int) *site {
	s := &site{firewallTTL: 254}
	local := func(a string) *host {
		addr := netip.MustParseAddr(a)
		return newHost(addr, 0, linuxStack, 20*us, localMAC(addr), r)
	}
	s.servers = []*server{{v4: local("203.0.113.10"), v6: local("2001:db8:ffff::10"), sw: vsftpd}}
	s.dead = [2]*host{local("203.0.113.99"), local("2001:db8:ffff::99")}
	s.closed = [2]*host{local("203.0.113.20"), local("2001:db8:ffff::20")}
	remote := func(a netip.Addr, st *stack) *host {
		hops := uint8(6 + r.IntN(15))
		return newHost(a, hops, st, int64(between(r, float64(15*ms), 0.7, float64(2*ms), float64(150*ms))), routerMAC, r)
	}
	for i := range v4Clients {
		st := linuxStack
		if r.IntN(100) < 20 {
			st = windowsStack
		}
		s.clients[0] = append(s.clients[0], remote(netip.AddrFrom4([4]byte{198, 51, 100, byte(1 + i%127)}), st))
	}
	for i := range v6Clients {
		a := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 1, 14: byte((i + 1) >> 8), 15: byte(i + 1)})
		s.clients[1] = append(s.clients[1], remote(a, linuxStack))
	}
	return s
}
